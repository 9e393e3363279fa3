"""Admin pages: channel secrets can be set but are never shown; audits are read-only."""

import pytest
from django.apps import apps
from django.urls import reverse

from enterprise_export.locks import acquire, is_locked
from enterprise_export.models import (
    ConfigurationLock,
    CornerstoneLearnerIdentity,
    DegreedEnterpriseCustomerConfiguration,
)
from test_utils.factories import (
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    LearnerDataTransmissionAuditFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_secrets_are_never_displayed(staff_client):
    configuration = DegreedConfigurationFactory()
    for url in (reverse('admin:enterprise_export_degreedenterprisecustomerconfiguration_changelist'),
                reverse('admin:enterprise_export_degreedenterprisecustomerconfiguration_change',
                        args=[configuration.pk])):
        page = staff_client.get(url).content.decode()
        assert 'degreed-client-secret' not in page and 'degreed-client-id' not in page


def test_secrets_can_be_changed_and_empty_keeps_them(staff_client):
    configuration = DegreedConfigurationFactory()
    url = reverse('admin:enterprise_export_degreedenterprisecustomerconfiguration_change', args=[configuration.pk])
    form = {
        'enterprise_customer': configuration.enterprise_customer.pk, 'active': 'on',
        'transmission_chunk_size': 500, 'channel_worker_username': '',
        'degreed_base_url': 'https://degreed.example.com', 'degreed_company_id': 'ORG-1',
        'key': '', 'secret': 'rotated-secret', 'oauth_api_path': 'oauth/token',
        'completion_status_api_path': 'api/v1/provider/completion/course',
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    configuration = DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert (configuration.key, configuration.secret) == ('degreed-client-id', 'rotated-secret')


def test_audit_rows_are_read_only(staff_client):
    row = LearnerDataTransmissionAuditFactory()
    url = reverse('admin:enterprise_export_learnerdatatransmissionaudit_change', args=[row.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and 'name="grade"' not in page.content.decode()
    assert staff_client.get(reverse('admin:enterprise_export_learnerdatatransmissionaudit_add')).status_code == 403


def test_a_lock_is_listed_and_can_be_deleted_but_not_edited(staff_client):
    acquire('SAP', 3)
    changelist = reverse('admin:enterprise_export_configurationlock_changelist')
    assert 'SAP' in staff_client.get(changelist).content.decode()
    lock = ConfigurationLock.objects.get()
    delete = reverse('admin:enterprise_export_configurationlock_delete', args=[lock.pk])
    staff_client.post(delete, {'post': 'yes'})
    assert not is_locked('SAP', 3)
    assert staff_client.get(reverse('admin:enterprise_export_configurationlock_add')).status_code == 403


def _configuration_form(channel, customer, **changes):
    common = {'enterprise_customer': customer.pk, 'active': 'on', 'transmission_chunk_size': 500,
              'channel_worker_username': '', 'key': 'client-id', 'secret': 'client-secret'}
    per_channel = {
        'sapsuccessfactorsenterprisecustomerconfiguration': {
            'sapsf_base_url': 'https://sap.example.com', 'sapsf_company_id': 'ACME', 'user_type': 'user',
            'idp_id': 'saml-acme', 'provider_id': 'EDX', 'oauth_api_path': 'oauth/token',
            'completion_status_api_path': 'learning-event'},
        'degreedenterprisecustomerconfiguration': {
            'degreed_base_url': 'https://degreed.example.com', 'degreed_company_id': 'ORG-1',
            'oauth_api_path': 'oauth/token', 'completion_status_api_path': 'api/v1/provider/completion/course'},
        'cornerstoneenterprisecustomerconfiguration': {
            'cornerstone_base_url': 'https://{subdomain}.csod.com', 'completion_status_api_path': '/progress'},
    }
    return {**common, **per_channel[channel], **changes}


BASE_URL_FIELD = {
    'sapsuccessfactorsenterprisecustomerconfiguration': 'sapsf_base_url',
    'degreedenterprisecustomerconfiguration': 'degreed_base_url',
    'cornerstoneenterprisecustomerconfiguration': 'cornerstone_base_url',
}


@pytest.mark.parametrize('channel', list(BASE_URL_FIELD))
@pytest.mark.parametrize('refused', [
    {'transmission_chunk_size': 0}, {'base_url': 'not a url'}, {'base_url': 'http://sap.example.com'},
    {'base_url': 'https://user:password@evil.example.com'}, {'base_url': 'ftp://sap.example.com'},
])
def test_configuration_admin_refuses_untrusted_values_and_saves_nothing(staff_client, customer, channel, refused):
    changes = {BASE_URL_FIELD[channel] if name == 'base_url' else name: value for name, value in refused.items()}
    response = staff_client.post(reverse(f'admin:enterprise_export_{channel}_add'),
                                 _configuration_form(channel, customer, **changes))
    assert response.status_code == 200 and 'errornote' in response.content.decode()
    assert apps.get_model('enterprise_export', channel).objects.count() == 0


@pytest.mark.parametrize('channel', list(BASE_URL_FIELD))
@pytest.mark.parametrize('base_url', ['https://channel.example.com', 'http://127.0.0.1:18000'])
def test_configuration_admin_saves_accepted_values(staff_client, customer, channel, base_url):
    form = _configuration_form(channel, customer, transmission_chunk_size=1, **{BASE_URL_FIELD[channel]: base_url})
    response = staff_client.post(reverse(f'admin:enterprise_export_{channel}_add'), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = apps.get_model('enterprise_export', channel).objects.get()
    assert (getattr(saved, BASE_URL_FIELD[channel]), saved.transmission_chunk_size) == (base_url, 1)


@pytest.mark.parametrize('refused', [
    {'subdomain': 'evil.com#'}, {'subdomain': 'a' * 64}, {'callback_url': '@evil.com/x'},
    {'callback_url': 'https://evil.com/x'}, {'course_id': 'not-a-key'}, {'user_guid': 'g' * 256},
])
def test_cornerstone_identity_admin_refuses_untrusted_values(staff_client, refused):
    identity = CornerstoneLearnerIdentityFactory()
    form = {'enterprise_customer_user': identity.enterprise_customer_user.pk, 'course_id': identity.course_id,
            'user_guid': identity.user_guid, 'callback_url': identity.callback_url,
            'subdomain': identity.subdomain, **refused}
    url = reverse('admin:enterprise_export_cornerstonelearneridentity_change', args=[identity.pk])
    response = staff_client.post(url, form)
    assert response.status_code == 200 and 'errornote' in response.content.decode()
    saved = CornerstoneLearnerIdentity.objects.get()
    assert (saved.subdomain, saved.callback_url, saved.course_id, saved.user_guid) == (
        identity.subdomain, identity.callback_url, identity.course_id, identity.user_guid)
    form.update(subdomain='initech', callback_url='/services/y')
    assert staff_client.post(url, {**form, **{name: getattr(identity, name) for name in refused
                                                if name not in ('subdomain', 'callback_url')}}).status_code == 302
    assert CornerstoneLearnerIdentity.objects.get().subdomain == 'initech'
