"""Admin pages: secrets never shown, untrusted values refused, audits read-only with outcomes and "send again"."""

import re
import uuid
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from enterprise_export.locks import acquire, is_locked
from enterprise_export.models import (
    ConfigurationLock,
    CornerstoneLearnerIdentity,
    DegreedEnterpriseCustomerConfiguration,
    get_enrollment_model,
)
from test_utils.factories import (
    CornerstoneLearnerIdentityFactory,
    Degreed2ConfigurationFactory,
    DegreedConfigurationFactory,
    LearnerDataTransmissionAuditFactory,
    SapAuditFactory,
    SAPConfigurationFactory,
    UserFactory,
    WebhookConfigurationFactory,
    XAPIConfigurationFactory,
    consenting_enrollment,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(('factory', 'model_name', 'secret_field'), [
    (DegreedConfigurationFactory, 'degreedenterprisecustomerconfiguration', 'secret'),
    (Degreed2ConfigurationFactory, 'degreed2enterprisecustomerconfiguration', 'client_secret'),
])
def test_secrets_are_never_displayed(staff_client, factory, model_name, secret_field):
    configuration = factory()
    for url in (reverse(f'admin:enterprise_export_{model_name}_changelist'),
                reverse(f'admin:enterprise_export_{model_name}_change', args=[configuration.pk])):
        page = staff_client.get(url).content.decode()
        assert 'client-secret' not in page and 'client-id' not in page
    assert f'name="{secret_field}"' in page


def test_secrets_can_be_changed_and_empty_keeps_them(staff_client):
    configuration = DegreedConfigurationFactory()
    url = reverse('admin:enterprise_export_degreedenterprisecustomerconfiguration_change', args=[configuration.pk])
    form = {
        'enterprise_customer': configuration.enterprise_customer.pk, 'active': 'on',
        'transmission_chunk_size': 500, 'channel_worker_username': '', 'requests_per_minute': 70,
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
              'channel_worker_username': '', 'key': 'client-id', 'secret': 'client-secret', 'requests_per_minute': 0}
    per_channel = {
        'sapsuccessfactorsenterprisecustomerconfiguration': {
            'sapsf_base_url': 'https://sap.example.com', 'sapsf_company_id': 'ACME', 'user_type': 'user',
            'idp_id': 'saml-acme', 'provider_id': 'EDX', 'oauth_api_path': 'oauth/token',
            'completion_status_api_path': 'learning-event'},
        'degreedenterprisecustomerconfiguration': {
            'degreed_base_url': 'https://degreed.example.com', 'degreed_company_id': 'ORG-1',
            'oauth_api_path': 'oauth/token', 'completion_status_api_path': 'api/v1/provider/completion/course'},
        'degreed2enterprisecustomerconfiguration': {
            'degreed_base_url': 'https://degreed.example.com', 'degreed_token_fetch_base_url': '',
            'client_id': 'client-id', 'client_secret': 'client-secret',
            'oauth_api_path': 'oauth/token', 'completion_status_api_path': 'api/v2/completions'},
        'cornerstoneenterprisecustomerconfiguration': {
            'cornerstone_base_url': 'https://{subdomain}.csod.com', 'completion_status_api_path': '/progress'},
        'xapienterprisecustomerconfiguration': {
            'lrs_endpoint': 'https://lrs.example.com/xAPI', 'version': '1.0.3', 'activity_base_url': ''},
        'webhookenterprisecustomerconfiguration': {
            'url': 'https://hooks.example.com/completions', 'signing_secret': 'whsec-' + 'x' * 32, 'bearer_token': ''},
    }
    return {**common, **per_channel[channel], **changes}


BASE_URL_FIELD = {
    'sapsuccessfactorsenterprisecustomerconfiguration': 'sapsf_base_url',
    'degreedenterprisecustomerconfiguration': 'degreed_base_url',
    'degreed2enterprisecustomerconfiguration': 'degreed_base_url',
    'cornerstoneenterprisecustomerconfiguration': 'cornerstone_base_url',
    'xapienterprisecustomerconfiguration': 'lrs_endpoint',
    'webhookenterprisecustomerconfiguration': 'url',
}


@pytest.mark.parametrize('channel', list(BASE_URL_FIELD))
@pytest.mark.parametrize('refused', [
    {'transmission_chunk_size': 0}, {'requests_per_minute': -1}, {'base_url': 'not a url'}, {'base_url': 'http://sap.example.com'},
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


def _sap_rows():
    """A SAP configuration with a sent row and two failed rows (one of them on a course key), and another customer's."""
    configuration = SAPConfigurationFactory()
    enrollment = consenting_enrollment(configuration.enterprise_customer)
    other_enrollment = consenting_enrollment(configuration.enterprise_customer, course_id='course-v1:edX+Other+2026')
    sent = SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                           course_id='course-v1:edX+DemoX+Demo_2026')
    failed = SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                             status=400, error_message='{"error": "invalid userID SAP-secret-id"}')
    other_failed = SapAuditFactory(plugin_configuration_id=configuration.pk, course_id='edX+Other',
                                   enterprise_course_enrollment_id=other_enrollment.pk, status=None,
                                   error_message='ConnectTimeout: no answer from SAP')
    elsewhere = SapAuditFactory(plugin_configuration_id=SAPConfigurationFactory().pk, status=500, error_message='x')
    return configuration, {'sent': sent, 'failed': failed, 'other_failed': other_failed, 'elsewhere': elsewhere}


SAP_CONFIGURATIONS = 'admin:enterprise_export_sapsuccessfactorsenterprisecustomerconfiguration_changelist'
SAP_AUDITS = 'admin:enterprise_export_sapsuccessfactorslearnerdatatransmissionaudit_changelist'


def _listed_ids(response):
    return {row.pk for row in response.context['cl'].result_list}


def test_configurations_show_their_last_run_and_last_error(staff_client):
    configuration, rows = _sap_rows()
    quiet = SAPConfigurationFactory()
    page = staff_client.get(reverse(SAP_CONFIGURATIONS))
    listed = {row.pk: row for row in page.context['cl'].result_list}
    assert listed[configuration.pk].last_attempt == max(row.modified for row in list(rows.values())[:3])
    text = page.content.decode()
    assert 'The channel did not answer (network error or timeout)' in text
    assert listed[quiet.pk].last_attempt is None and 'SAP-secret-id' not in text


def test_audit_rows_filter_by_outcome_and_customer(staff_client):
    configuration, rows = _sap_rows()
    url = reverse(SAP_AUDITS)
    assert _listed_ids(staff_client.get(url, {'outcome': 'sent'})) == {rows['sent'].pk}
    assert _listed_ids(staff_client.get(url, {'outcome': 'failed'})) == {
        rows['failed'].pk, rows['other_failed'].pk, rows['elsewhere'].pk}
    customer = str(configuration.enterprise_customer.uuid)
    assert _listed_ids(staff_client.get(url, {'outcome': 'failed', 'enterprise_customer': customer})) == {
        rows['failed'].pk, rows['other_failed'].pk}


def test_audit_rows_show_the_reason_not_the_channels_answer(staff_client):
    _, rows = _sap_rows()
    listing = staff_client.get(reverse(SAP_AUDITS)).content.decode()
    detail = staff_client.get(reverse('admin:enterprise_export_sapsuccessfactorslearnerdatatransmissionaudit_change',
                                      args=[rows['failed'].pk])).content.decode()
    for page in (listing, detail):
        assert 'The channel refused the learner: invalid user identifier or record (HTTP 400).' in page
        assert 'SAP-secret-id' not in page


def test_send_again_queues_the_single_learner_task_for_failed_rows(staff_client):
    _, rows = _sap_rows()
    selected = [rows['sent'].pk, rows['failed'].pk, rows['other_failed'].pk]
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        response = staff_client.post(reverse(SAP_AUDITS), {'action': 'send_again', '_selected_action': selected},
                                     follow=True)
    learner = get_user_model().objects.get(pk=enrollment_of(rows['failed']).enterprise_customer_user.user_id)
    other = get_user_model().objects.get(pk=enrollment_of(rows['other_failed']).enterprise_customer_user.user_id)
    assert sorted(call.args for call in task.delay.call_args_list) == sorted([
        (learner.username, 'course-v1:edX+DemoX+Demo_2026'), (other.username, 'course-v1:edX+Other+2026')])
    assert 'Queued 2 learner run(s) to send again; 1 selected row(s) were skipped (sent or superseded).' in (
        response.content.decode())


def enrollment_of(row):
    """The enrollment an audit row is about."""
    return get_enrollment_model()._base_manager.get(pk=row.enterprise_course_enrollment_id)


def _user_with(*codenames, staff=True):
    """A staff user holding exactly the given permissions of this app (``view_...``, ``send_again``)."""
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    user = UserFactory(is_staff=staff)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label='enterprise_export',
                                                        codename__in=codenames))
    return user


@pytest.mark.parametrize(('factory', 'model_name', 'secrets'), [
    (SAPConfigurationFactory, 'sapsuccessfactorsenterprisecustomerconfiguration', ('key', 'secret')),
    (DegreedConfigurationFactory, 'degreedenterprisecustomerconfiguration', ('key', 'secret')),
    (Degreed2ConfigurationFactory, 'degreed2enterprisecustomerconfiguration', ('client_id', 'client_secret')),
    (XAPIConfigurationFactory, 'xapienterprisecustomerconfiguration', ('key', 'secret')),
    (WebhookConfigurationFactory, 'webhookenterprisecustomerconfiguration', ('signing_secret', 'bearer_token')),
])
def test_a_view_only_user_sees_whether_secrets_are_set_never_their_values(client, factory, model_name, secrets):
    configuration = factory(**{secrets[0]: 'visible-client-id', secrets[1]: ''})
    client.force_login(_user_with(f'view_{model_name}'))
    response = client.get(reverse(f'admin:enterprise_export_{model_name}_change', args=[configuration.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'visible-client-id' not in page
    readonly = [field.contents() for fieldset in response.context['adminform'] for line in fieldset
                for field in line if field.field['name'] in {f'{name}_state' for name in secrets}]
    assert readonly == ['set', 'not set']


def test_a_view_only_user_sees_an_unreadable_secret_as_unreadable(client, settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    configuration = DegreedConfigurationFactory(secret='lost-secret')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key']
    client.force_login(_user_with('view_degreedenterprisecustomerconfiguration'))
    page = client.get(reverse('admin:enterprise_export_degreedenterprisecustomerconfiguration_change',
                              args=[configuration.pk])).content.decode()
    assert 'unreadable' in page and 'lost-secret' not in page


def _degreed_form(configuration, **changes):
    return {
        'enterprise_customer': configuration.enterprise_customer.pk, 'active': 'on',
        'transmission_chunk_size': 500, 'channel_worker_username': '', 'requests_per_minute': 70,
        'degreed_base_url': configuration.degreed_base_url, 'degreed_company_id': 'ORG-1',
        'key': '', 'secret': '', 'oauth_api_path': 'oauth/token',
        'completion_status_api_path': 'api/v1/provider/completion/course', **changes,
    }


DEGREED_CHANGE = 'admin:enterprise_export_degreedenterprisecustomerconfiguration_change'


def test_a_save_never_replaces_a_secret_no_key_reads(staff_client, settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    configuration = DegreedConfigurationFactory(key='kept-id', secret='lost-secret')
    stored = _raw_secret(configuration)
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key']
    url = reverse(DEGREED_CHANGE, args=[configuration.pk])
    response = staff_client.post(url, _degreed_form(configuration, degreed_company_id='ORG-2'))
    assert response.status_code == 200  # the form again, with its errors
    assert set(response.context['adminform'].form.errors) == {'key', 'secret'}
    assert 'cannot be read with ENTERPRISE_EXPORT_SECRET_KEYS' in response.content.decode()
    assert _raw_secret(configuration) == stored
    # Any other save keeps the stored token as it is; with the right key back, the secret reads again.
    DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk).save()
    assert _raw_secret(configuration) == stored
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key', 'removed key']
    assert DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk).secret == 'lost-secret'
    # Typing both again saves them with the newest key.
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key']
    assert staff_client.post(url, _degreed_form(configuration, key='new-id', secret='new-secret')).status_code == 302
    reread = DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert (reread.key, reread.secret) == ('new-id', 'new-secret')


def _raw_secret(configuration):
    return _raw_column(configuration, 'secret')


def _raw_column(configuration, column):
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {connection.ops.quote_name(column)} FROM '
                       f'{connection.ops.quote_name(type(configuration)._meta.db_table)} WHERE id = %s',
                       [configuration.pk])
        return cursor.fetchone()[0]


@pytest.mark.parametrize('moved', [
    {'degreed_base_url': 'https://collector.example.net'}, {'oauth_api_path': 'other/token'},
    {'completion_status_api_path': 'elsewhere'},
])
def test_changing_where_credentials_go_needs_every_secret_typed_again(staff_client, moved):
    configuration = DegreedConfigurationFactory(key='old-id', secret='old-secret')
    url = reverse(DEGREED_CHANGE, args=[configuration.pk])
    response = staff_client.post(url, _degreed_form(configuration, secret='typed-secret', **moved))
    assert response.status_code == 200
    assert set(response.context['adminform'].form.errors) == {'key'}
    reread = DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert (reread.degreed_base_url, reread.oauth_api_path, reread.secret) == (
        configuration.degreed_base_url, 'oauth/token', 'old-secret')
    response = staff_client.post(url, _degreed_form(configuration, key='new-id', secret='typed-secret', **moved))
    assert response.status_code == 302
    reread = DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert (reread.key, reread.secret) == ('new-id', 'typed-secret')


def test_the_change_history_names_a_secret_only_when_one_was_typed(staff_client):
    from django.contrib.admin.models import LogEntry  # noqa: PLC0415

    configuration = DegreedConfigurationFactory()
    url = reverse(DEGREED_CHANGE, args=[configuration.pk])
    assert staff_client.post(url, _degreed_form(configuration, degreed_company_id='ORG-9')).status_code == 302
    assert staff_client.post(url, _degreed_form(configuration, degreed_company_id='ORG-9',
                                                secret='typed')).status_code == 302
    first, second = LogEntry.objects.order_by('pk')
    assert first.get_change_message() == 'Changed Degreed organisation code.'
    assert second.get_change_message() == 'Changed OAuth client secret.'


def test_send_again_needs_its_own_permission(client):
    _, rows = _sap_rows()
    client.force_login(_user_with('view_sapsuccessfactorslearnerdatatransmissionaudit'))
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        response = client.post(reverse(SAP_AUDITS), {'action': 'send_again', '_selected_action': [rows['failed'].pk]},
                               follow=True)
    assert response.status_code == 200
    assert not task.delay.called
    assert 'send_again' not in response.content.decode()


def test_send_again_sends_each_learner_to_the_selected_rows_configurations_only(client):
    configuration, rows = _sap_rows()
    enrollment = enrollment_of(rows['failed'])
    # The learner also has a failed row at another configuration, not selected.
    SapAuditFactory(plugin_configuration_id=SAPConfigurationFactory(
        enterprise_customer=configuration.enterprise_customer).pk, enterprise_course_enrollment_id=enrollment.pk,
        status=500, error_message='x')
    superseded = SapAuditFactory(plugin_configuration_id=configuration.pk, superseded=True, status=500,
                                 error_message='x', enterprise_course_enrollment_id=enrollment_of(
                                     rows['other_failed']).pk, course_id='course-v1:edX+Other+2026')
    client.force_login(_user_with('view_sapsuccessfactorslearnerdatatransmissionaudit', 'send_again'))
    selected = [rows['sent'].pk, rows['failed'].pk, superseded.pk]
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        response = client.post(reverse(SAP_AUDITS), {'action': 'send_again', '_selected_action': selected},
                               follow=True)
    learner = get_user_model().objects.get(pk=enrollment.enterprise_customer_user.user_id)
    [call] = task.delay.call_args_list
    assert call.args == (learner.username, 'course-v1:edX+DemoX+Demo_2026')
    [run_id] = call.kwargs['run_ids']  # each configuration's run has an id of its own, told in advance
    assert call.kwargs == {'configurations': [['SAP', configuration.pk]], 'run_ids': [str(uuid.UUID(run_id))],
                           'as_passed': False}
    assert 'Queued 1 learner run(s) to send again; 2 selected row(s) were skipped (sent or superseded).' in (
        response.content.decode())


def test_a_webhook_signing_secret_shorter_than_32_characters_is_refused(staff_client, customer):
    channel = 'webhookenterprisecustomerconfiguration'
    form = _configuration_form(channel, customer, signing_secret='too-short')
    response = staff_client.post(reverse(f'admin:enterprise_export_{channel}_add'), form)
    assert response.status_code == 200 and 'at least 32 characters' in response.content.decode()
    assert apps.get_model('enterprise_export', channel).objects.count() == 0


@pytest.mark.parametrize(('factory', 'model_name', 'destination', 'secrets'), [
    (XAPIConfigurationFactory, 'xapienterprisecustomerconfiguration', 'lrs_endpoint', ('key', 'secret')),
    (WebhookConfigurationFactory, 'webhookenterprisecustomerconfiguration', 'url', ('signing_secret',)),
])
def test_a_new_destination_needs_the_secrets_typed_again(staff_client, factory, model_name, destination, secrets):
    configuration = factory()
    url = reverse(f'admin:enterprise_export_{model_name}_change', args=[configuration.pk])
    form = _configuration_form(model_name, configuration.enterprise_customer, key='', secret='', signing_secret='',
                               **{destination: 'https://elsewhere.example.net/x'})
    response = staff_client.post(url, form)
    assert response.status_code == 200 and 'errornote' in response.content.decode()
    assert getattr(type(configuration).objects.get(), destination) == getattr(configuration, destination)
    retyped = {name: 'whsec-' + 'y' * 32 for name in secrets}
    assert staff_client.post(url, {**form, **retyped}).status_code == 302


@pytest.mark.parametrize('token, shown', [('a-session-token', 'set'), ('', 'not set')])
def test_an_identity_page_says_whether_a_session_token_is_saved_never_what_it_is(client, token, shown):
    identity = CornerstoneLearnerIdentityFactory(session_token=token)
    client.force_login(_user_with('view_cornerstonelearneridentity'))
    page = client.get(reverse('admin:enterprise_export_cornerstonelearneridentity_change', args=[identity.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert re.search(r'Session token.*?<div class="readonly">' + shown + '</div>', content, re.DOTALL | re.IGNORECASE)
    assert 'a-session-token' not in content
