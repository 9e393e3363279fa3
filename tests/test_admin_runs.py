"""
The transmission runs' page and each configuration's last run (SPEC 21): newest first, filtered
by channel, customer and "in error", found by run id, read-only; a whole-run error shows.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprise_export.models import TransmissionRun
from test_utils.factories import (
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SAPConfigurationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

RUNS = 'admin:enterprise_export_transmissionrun_changelist'
SAP_CONFIGURATIONS = 'admin:enterprise_export_sapsuccessfactorsenterprisecustomerconfiguration_changelist'
UTC = datetime.UTC


def _run(configuration, started, finished=True, error='', **counts):
    return TransmissionRun.objects.create(
        run_id=uuid.uuid4(), channel=configuration.channel_code, configuration_id=configuration.pk,
        enterprise_customer=configuration.enterprise_customer, started=started, error=error,
        finished=started + datetime.timedelta(minutes=2) if finished else None, **counts)


@pytest.fixture
def runs():
    sap = SAPConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(name='Acme', slug='acme'))
    degreed = DegreedConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(name='Globex', slug='globex'))
    return {
        'old': _run(sap, datetime.datetime(2026, 5, 30, 3, tzinfo=UTC), sent=4, skipped=1),
        'locked': _run(sap, datetime.datetime(2026, 5, 31, 3, tzinfo=UTC), error='locked'),
        'died': _run(degreed, datetime.datetime(2026, 6, 1, 3, tzinfo=UTC), finished=False),
        'sap': sap, 'degreed': degreed,
    }


def _listed(response):
    assert response.status_code == 200
    return [row.pk for row in response.context['cl'].result_list]


def test_runs_are_listed_newest_first_with_utc_times_counts_error_and_links(staff_client, runs):
    response = staff_client.get(reverse(RUNS))
    assert _listed(response) == [runs['died'].pk, runs['locked'].pk, runs['old'].pk]
    page = response.content.decode()
    sap_url = reverse('admin:enterprise_export_sapsuccessfactorsenterprisecustomerconfiguration_change',
                      args=[runs['sap'].pk])
    for shown in (str(runs['old'].run_id), '2026-05-30T03:00:00Z', '2026-05-30T03:02:00Z', f'href="{sap_url}"',
                  f'SAP configuration {runs["sap"].pk}', 'Acme (acme)', '>locked<'):
        assert shown in page, shown
    assert '2026-06-01T03:02:00Z' not in page  # the run that died has no finished time


def test_runs_are_filtered_by_channel_customer_and_in_error(staff_client, runs):
    url = reverse(RUNS)
    assert _listed(staff_client.get(url, {'channel__exact': 'DEGREED'})) == [runs['died'].pk]
    customer = runs['sap'].enterprise_customer
    assert _listed(staff_client.get(url, {'enterprise_customer__uuid__exact': str(customer.uuid)})) == [
        runs['locked'].pk, runs['old'].pk]
    assert _listed(staff_client.get(url, {'in_error': 'yes'})) == [runs['locked'].pk]
    assert _listed(staff_client.get(url, {'in_error': 'no'})) == [runs['died'].pk, runs['old'].pk]


def test_a_run_is_found_by_its_whole_run_id_only(staff_client, runs):
    url = reverse(RUNS)
    run_id = str(runs['locked'].run_id)
    assert _listed(staff_client.get(url, {'q': run_id})) == [runs['locked'].pk]
    assert _listed(staff_client.get(url, {'q': run_id.upper()})) == [runs['locked'].pk]
    assert _listed(staff_client.get(url, {'q': run_id[:8]})) == []
    assert _listed(staff_client.get(url, {'q': 'acme'})) == []


def test_runs_cannot_be_added_changed_or_deleted_from_the_admin(staff_client, runs):
    run = runs['old']
    assert staff_client.get(reverse('admin:enterprise_export_transmissionrun_add')).status_code == 403
    assert staff_client.post(reverse('admin:enterprise_export_transmissionrun_add'), {'channel': 'SAP'}).status_code \
        == 403
    change = reverse('admin:enterprise_export_transmissionrun_change', args=[run.pk])
    assert staff_client.get(change).status_code == 200
    assert staff_client.post(change, {'sent': 99}).status_code == 403
    delete = reverse('admin:enterprise_export_transmissionrun_delete', args=[run.pk])
    assert staff_client.post(delete, {'post': 'yes'}).status_code == 403
    staff_client.post(reverse(RUNS), {'action': 'delete_selected', '_selected_action': [run.pk], 'post': 'yes'})
    assert TransmissionRun.objects.filter(pk=run.pk, sent=4).exists()


def test_each_configuration_shows_its_last_run_a_whole_run_error_included(staff_client, runs):
    quiet = SAPConfigurationFactory()
    # Another channel's configuration of the same id ran later: it is not this configuration's run.
    other = DegreedConfigurationFactory()
    TransmissionRun.objects.create(run_id=uuid.uuid4(), channel='DEGREED', configuration_id=runs['sap'].pk,
                                   enterprise_customer=other.enterprise_customer,
                                   started=datetime.datetime(2026, 6, 2, tzinfo=UTC), sent=9)
    _run(quiet, datetime.datetime(2026, 5, 1, tzinfo=UTC), error='LMS credentials refused (HTTP 401)')
    _run(quiet, datetime.datetime(2026, 5, 2, tzinfo=UTC), sent=3, skipped=2, failed=1, lms_errors=1)
    response = staff_client.get(reverse(SAP_CONFIGURATIONS))
    rows = {configuration.pk: configuration for configuration in response.context['cl'].result_list}
    assert rows[runs['sap'].pk].last_run_row == runs['locked']
    page = response.content.decode()
    assert f'?q={runs["locked"].run_id}">2026-05-31T03:00:00Z</a>: 0 sent, 0 skipped, 0 failed, 0 lms_errors' in page
    assert '2026-05-02T00:00:00Z</a>: 3 sent, 2 skipped, 1 failed, 1 lms_errors' in page
    assert '>locked<' in page
    assert 'LMS credentials refused' not in page  # not the quiet configuration's last run


def test_a_configuration_whose_last_run_died_or_never_ran_says_so(staff_client):
    died, never = SAPConfigurationFactory(), SAPConfigurationFactory()
    _run(died, datetime.datetime(2026, 6, 1, tzinfo=UTC), finished=False)
    page = staff_client.get(reverse(SAP_CONFIGURATIONS)).content.decode()
    assert '2026-06-01T00:00:00Z</a>: not finished (still running, or it died)' in page
    detail = staff_client.get(reverse('admin:enterprise_export_sapsuccessfactorsenterprisecustomerconfiguration_change',
                                      args=[never.pk])).content.decode()
    assert 'never' in detail


def test_the_configurations_list_costs_the_same_queries_for_many_configurations(staff_client):
    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse(SAP_CONFIGURATIONS)).status_code == 200
        return len(queries)

    _run(SAPConfigurationFactory(), datetime.datetime(2026, 6, 1, tzinfo=UTC), sent=1)
    one = page_queries()
    for day in range(1, 21):
        configuration = SAPConfigurationFactory()
        _run(configuration, datetime.datetime(2026, 5, day, tzinfo=UTC), error='locked')
        _run(configuration, datetime.datetime(2026, 5, day, 12, tzinfo=UTC), sent=day)
    assert page_queries() == one


def test_a_user_who_may_view_runs_reads_them(client, runs):
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    viewer = UserFactory(username='viewer', is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename='view_transmissionrun'))
    client.force_login(viewer)
    assert len(_listed(client.get(reverse(RUNS)))) == 3
    assert client.get(reverse('admin:enterprise_export_transmissionrun_change', args=[runs['old'].pk])).status_code \
        == 200
