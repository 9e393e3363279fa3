"""
The audit rows' pages (SPEC 21): "did learner X's completion reach customer Y's channel, and if
not, why?" answered by one search, at a glance, without one query per row; never changed.
"""

import datetime
import uuid
from unittest import mock

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprise_export.channels import CHANNELS
from enterprise_export.models import LearnerDataTransmissionAudit, get_enrollment_model
from test_utils.factories import (
    EnterpriseCustomerFactory,
    SapAuditFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.transmissions import END_MS, RUN

pytestmark = pytest.mark.django_db

SAP_AUDITS = 'admin:enterprise_export_sapsuccessfactorslearnerdatatransmissionaudit_changelist'
SAP_AUDIT = 'admin:enterprise_export_sapsuccessfactorslearnerdatatransmissionaudit_change'
REFUSED_LEARNER = 'The channel refused the learner: invalid user identifier or record (HTTP 400).'
LAST_ATTEMPT = datetime.datetime(2026, 6, 1, 3, 4, 5, tzinfo=datetime.UTC)


@pytest.fixture
def ada():
    """Ada's failed SAP record at Acme, beside Bob's sent one in another course."""
    configuration = SAPConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(name='Acme', slug='acme'))
    customer = configuration.enterprise_customer
    ada_enrollment = consenting_enrollment(customer, user=UserFactory(username='Ada.Lovelace', email='Ada@Example.com'))
    bob_enrollment = consenting_enrollment(customer, 'course-v1:edX+Other+2026', user=UserFactory(username='bob'))
    failed = SapAuditFactory(plugin_configuration_id=configuration.pk,
                             enterprise_course_enrollment_id=ada_enrollment.pk, course_id='edX+DemoX',
                             sapsf_user_id='SAP-ADA', status=400, completed_timestamp=END_MS,
                             error_message='{"error": "invalid userID SAP-ADA secret-echo"}', run_id=uuid.uuid4())
    sent = SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=bob_enrollment.pk,
                           course_id='course-v1:edX+Other+2026', sapsf_user_id='SAP-BOB')
    type(failed).objects.filter(pk=failed.pk).update(modified=LAST_ATTEMPT)
    failed.refresh_from_db()
    return {'configuration': configuration, 'enrollment': ada_enrollment, 'failed': failed, 'other': sent}


def _listed(response):
    assert response.status_code == 200
    return {row.pk for row in response.context['cl'].result_list}


@pytest.mark.parametrize('term', ['Ada.Lovelace', 'ada.lovelace', 'ADA.LOVELACE', 'ada@example.com',
                                  ' Ada@Example.com '])
def test_a_learner_is_found_by_username_or_email_in_any_case(staff_client, ada, term):
    assert _listed(staff_client.get(reverse(SAP_AUDITS), {'q': term})) == {ada['failed'].pk}


def test_rows_are_found_by_the_channel_identity_the_enrollment_and_the_course(staff_client, ada):
    url = reverse(SAP_AUDITS)
    assert _listed(staff_client.get(url, {'q': 'SAP-ADA'})) == {ada['failed'].pk}
    assert _listed(staff_client.get(url, {'q': str(ada['enrollment'].pk)})) == {ada['failed'].pk}
    assert _listed(staff_client.get(url, {'q': 'course-v1:edX+Other+2026'})) == {ada['other'].pk}
    assert _listed(staff_client.get(url, {'q': 'edX+DemoX'})) == {ada['failed'].pk}


@pytest.mark.parametrize('term', ['Ada', 'lovelace', 'example.com', 'SAP-AD', 'DemoX', 'nobody@example.com'])
def test_only_a_whole_value_finds_rows(staff_client, ada, term):
    assert _listed(staff_client.get(reverse(SAP_AUDITS), {'q': term})) == set()


@pytest.mark.parametrize('channel', list(CHANNELS.values()), ids=list(CHANNELS))
def test_every_channels_rows_are_found_by_its_identity_of_the_learner(staff_client, channel):
    customer = EnterpriseCustomerFactory()
    enrollment = consenting_enrollment(customer, user=UserFactory(username='grace'))
    row = channel.audit_model.objects.create(enterprise_course_enrollment_id=enrollment.pk, course_id=RUN,
                                             plugin_configuration_id=1, **{channel.identity_field: 'Id-Of-Grace'})
    channel.audit_model.objects.create(enterprise_course_enrollment_id=enrollment.pk + 1, course_id=RUN,
                                       plugin_configuration_id=1, **{channel.identity_field: 'someone-else'})
    opts = channel.audit_model._meta
    url = reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')
    assert _listed(staff_client.get(url, {'q': 'Id-Of-Grace'})) == {row.pk}
    assert _listed(staff_client.get(url, {'q': 'GRACE'})) == {row.pk}


def test_a_row_shows_customer_learner_outcome_reason_dates_run_and_links(staff_client, ada):
    failed, configuration, enrollment = ada['failed'], ada['configuration'], ada['enrollment']
    listing = staff_client.get(reverse(SAP_AUDITS), {'q': 'ada.lovelace'})
    detail = staff_client.get(reverse(SAP_AUDIT, args=[failed.pk]))
    configuration_url = reverse('admin:enterprise_export_sapsuccessfactorsenterprisecustomerconfiguration_change',
                                args=[configuration.pk])
    enrollment_model = get_enrollment_model()
    if admin.site.is_registered(enrollment_model):
        enrollment_url = reverse(f'admin:{enrollment_model._meta.app_label}_{enrollment_model._meta.model_name}_change',
                                 args=[enrollment.pk])
        enrollment_shown = f'href="{enrollment_url}"'
    else:  # edx-enterprise's models, without its admin
        enrollment_shown = f'enrollment {enrollment.pk}'
    runs_url = reverse('admin:enterprise_export_transmissionrun_changelist') + f'?q={failed.run_id}'
    for page in (listing.content.decode(), detail.content.decode()):
        for shown in ('Acme (acme)', 'Ada.Lovelace', '>failed<', REFUSED_LEARNER,
                      '2026-03-31T17:45:00Z', '2026-06-01T03:04:05Z', str(failed.run_id),
                      f'href="{configuration_url}"', enrollment_shown, f'href="{runs_url}"'):
            assert shown in page, shown
        assert str(END_MS) not in page  # never epoch milliseconds
        assert 'secret-echo' not in page  # the channel's answer is not shown: the reason is


def test_a_superseded_row_says_so_and_is_not_listed_as_failed(staff_client, ada):
    failed = ada['failed']
    type(failed).objects.filter(pk=failed.pk).update(superseded=True)
    url = reverse(SAP_AUDITS)
    page = staff_client.get(reverse(SAP_AUDIT, args=[failed.pk])).content.decode()
    assert '>superseded<' in page and REFUSED_LEARNER in page
    assert _listed(staff_client.get(url, {'outcome': 'superseded'})) == {failed.pk}
    assert _listed(staff_client.get(url, {'outcome': 'failed'})) == set()
    assert _listed(staff_client.get(url, {'outcome': 'sent'})) == {ada['other'].pk}


def test_the_enrollment_is_text_when_the_admin_has_no_page_for_it(staff_client, ada):
    with mock.patch.dict(admin.site._registry):
        del admin.site._registry[get_enrollment_model()]
        page = staff_client.get(reverse(SAP_AUDIT, args=[ada['failed'].pk])).content.decode()
    assert f'enrollment {ada["enrollment"].pk}' in page
    assert '/enterprisecourseenrollment/' not in page


def test_a_row_whose_enrollment_is_gone_still_shows(staff_client, ada):
    get_enrollment_model()._base_manager.filter(pk=ada['enrollment'].pk).delete()
    page = staff_client.get(reverse(SAP_AUDIT, args=[ada['failed'].pk])).content.decode()
    assert f'enrollment {ada["enrollment"].pk} (gone)' in page and 'Acme (acme)' in page


def _page_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def _rows_of_new_learners(count):
    """``count`` failed SAP rows, each of its own learner, customer and configuration."""
    for index in range(count):
        configuration = SAPConfigurationFactory()
        enrollment = consenting_enrollment(configuration.enterprise_customer, user=UserFactory(username=f'many{index}'))
        SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                        status=500, error_message='x', run_id=uuid.uuid4())


def test_a_page_of_many_rows_costs_the_queries_of_a_page_of_one(staff_client):
    _rows_of_new_learners(1)
    one = _page_queries(staff_client, reverse(SAP_AUDITS))
    _rows_of_new_learners(30)
    assert _page_queries(staff_client, reverse(SAP_AUDITS)) == one


def test_a_search_costs_a_few_queries_however_many_rows_it_finds(staff_client):
    customer = EnterpriseCustomerFactory()
    configuration = SAPConfigurationFactory(enterprise_customer=customer)
    user = UserFactory(username='busy')
    for index in range(12):
        enrollment = consenting_enrollment(customer, f'course-v1:edX+C{index}+2026', user=user)
        SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk)
    url = reverse(SAP_AUDITS)
    with CaptureQueriesContext(connection) as searched:
        assert len(_listed(staff_client.get(url, {'q': 'busy'}))) == 12
    # Two more than an unsearched page: the users of that name, then their enrollments.
    assert len(searched) == _page_queries(staff_client, url) + 2


AUDIT_MODELS = [LearnerDataTransmissionAudit, *(channel.audit_model for channel in CHANNELS.values())]


def _urls(model, pk):
    opts = model._meta
    prefix = f'admin:{opts.app_label}_{opts.model_name}'
    return {'list': reverse(f'{prefix}_changelist'), 'add': reverse(f'{prefix}_add'),
            'change': reverse(f'{prefix}_change', args=[pk]), 'delete': reverse(f'{prefix}_delete', args=[pk])}


@pytest.mark.parametrize('model', AUDIT_MODELS, ids=[model.__name__ for model in AUDIT_MODELS])
def test_nobody_adds_changes_or_deletes_an_audit_row_not_even_a_superuser(staff_client, model):
    row = model.objects.create(enterprise_course_enrollment_id=7, course_id=RUN, grade='Pass', status=200)
    urls = _urls(model, row.pk)
    assert staff_client.get(urls['add']).status_code == 403
    assert staff_client.post(urls['add'], {'course_id': RUN, 'enterprise_course_enrollment_id': 8}).status_code == 403
    assert staff_client.post(urls['change'], {'course_id': 'changed', 'grade': 'Fail'}).status_code == 403
    assert staff_client.get(urls['delete']).status_code == 403
    assert staff_client.post(urls['delete'], {'post': 'yes'}).status_code == 403
    listing = staff_client.post(urls['list'], {'action': 'delete_selected', '_selected_action': [row.pk],
                                               'post': 'yes'}, follow=True)
    assert listing.status_code == 200 and 'delete_selected' not in listing.content.decode()
    assert model.objects.filter(pk=row.pk, course_id=RUN, grade='Pass').exists()
    assert model.objects.count() == 1


def test_a_user_who_may_view_audit_rows_reads_them_and_others_do_not(client, ada):
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    viewer = UserFactory(username='viewer', is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(
        codename='view_sapsuccessfactorslearnerdatatransmissionaudit'))
    client.force_login(viewer)
    assert _listed(client.get(reverse(SAP_AUDITS), {'q': 'Ada@example.com'})) == {ada['failed'].pk}
    assert client.get(reverse(SAP_AUDIT, args=[ada['failed'].pk])).status_code == 200
    client.force_login(UserFactory(username='stranger', is_staff=True))
    assert client.get(reverse(SAP_AUDITS)).status_code == 403
