"""
The configuration forms speak the channels' words (SPEC 21): every field labelled and explained,
and each secret says whether a value is saved, never what it is.
"""

import pytest
from django.urls import reverse

from enterprise_export.channels import CHANNELS
from enterprise_export.fields import encrypted_field_names
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    Degreed2ConfigurationFactory,
    DegreedConfigurationFactory,
    SAPConfigurationFactory,
    WebhookConfigurationFactory,
    XAPIConfigurationFactory,
)

pytestmark = pytest.mark.django_db

CONFIGURATION_MODELS = [channel.configuration_model for channel in CHANNELS.values()]
SAVED = 'A value is saved; leave empty to keep it.'
NOT_SAVED = 'No value saved.'


def _url(model, view, *args):
    return reverse(f'admin:{model._meta.app_label}_{model._meta.model_name}_{view}', args=args)


@pytest.mark.parametrize(('code', 'field_name', 'label'), [
    ('SAP', 'sapsf_company_id', 'SAP company id'),
    ('SAP', 'idp_id', 'Identity provider (LMS third-party auth) id'),
    ('SAP', 'oauth_api_path', 'OAuth token path'),
    ('DEGREED', 'oauth_api_path', 'OAuth token path'),
    ('DEGREED2', 'oauth_api_path', 'OAuth token path'),
    ('DEGREED', 'degreed_company_id', 'Degreed organisation code'),
    ('XAPI', 'lrs_endpoint', 'LRS endpoint'),
    ('WEBHOOK', 'url', 'Webhook URL'),
])
def test_fields_are_labelled_in_the_channels_words(staff_client, code, field_name, label):
    model = CHANNELS[code].configuration_model
    assert model._meta.get_field(field_name).verbose_name == label
    page = staff_client.get(_url(model, 'add')).content.decode()
    assert f'<label class="required" for="id_{field_name}">{label}:</label>' in page


@pytest.mark.parametrize('model', CONFIGURATION_MODELS, ids=[model.__name__ for model in CONFIGURATION_MODELS])
def test_every_configuration_field_is_explained(model):
    unexplained = [model_field.name for model_field in model._meta.concrete_fields
                   if not model_field.primary_key and not str(model_field.help_text).strip()]
    assert unexplained == []


@pytest.mark.parametrize('model', CONFIGURATION_MODELS, ids=[model.__name__ for model in CONFIGURATION_MODELS])
def test_a_new_configurations_secrets_say_no_value_is_saved(staff_client, model):
    form = staff_client.get(_url(model, 'add')).context['adminform'].form
    assert {name: form.fields[name].help_text for name in encrypted_field_names(model)} == {
        name: NOT_SAVED for name in encrypted_field_names(model)}


@pytest.mark.parametrize('factory', [SAPConfigurationFactory, DegreedConfigurationFactory, Degreed2ConfigurationFactory,
                                     CornerstoneConfigurationFactory, XAPIConfigurationFactory,
                                     WebhookConfigurationFactory])
def test_a_saved_secret_says_so_and_an_empty_one_says_none_is_saved(staff_client, factory):
    model = factory._meta.model
    secrets = encrypted_field_names(model)
    configuration = factory(**{secrets[-1]: ''}) if factory is WebhookConfigurationFactory else factory()
    response = staff_client.get(_url(model, 'change', configuration.pk))
    form = response.context['adminform'].form
    expected = {name: SAVED if getattr(configuration, name) else NOT_SAVED for name in secrets}
    assert {name: form.fields[name].help_text for name in secrets} == expected
    for name in secrets:
        assert str(getattr(configuration, name) or 'no-value') not in response.content.decode()
