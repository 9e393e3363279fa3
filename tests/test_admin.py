"""Admin pages: channel secrets can be set but are never shown; audits are read-only."""

import pytest
from django.urls import reverse

from enterprise_export.locks import acquire, is_locked
from enterprise_export.models import ConfigurationLock, DegreedEnterpriseCustomerConfiguration
from test_utils.factories import DegreedConfigurationFactory, LearnerDataTransmissionAuditFactory, UserFactory

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
