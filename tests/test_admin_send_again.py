"""
The admin's "send again" (SPEC 20, 21): what the operator is told afterwards, per configuration
when the tasks ran in the request (eager Celery), or the run ids to look for when they were queued.
"""

import re
from unittest import mock

import pytest
from django.urls import reverse

from enterprise_export.models import (
    DegreedLearnerDataTransmissionAudit,
    TransmissionRun,
    get_customer_user_model,
)
from test_utils.factories import (
    DegreedAuditFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SapAuditFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.transmissions import RUN, add_learner

pytestmark = pytest.mark.django_db

DEGREED_AUDITS = 'admin:enterprise_export_degreedlearnerdatatransmissionaudit_changelist'
SAP_AUDITS = 'admin:enterprise_export_sapsuccessfactorslearnerdatatransmissionaudit_changelist'


@pytest.fixture
def lms_knows_the_run(lms, channels, fixed_clock):
    lms.add_course(RUN, pacing='self', end=None)
    UserFactory(username='enterprise_channel_worker')


def _failed_rows(configuration, enrollment):
    """The two failed course-level rows a run leaves when the channel answered 500 (course key, then run)."""
    return [DegreedAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                                course_id=course_id, degreed_user_email='ada@example.com', status=500,
                                error_message='Internal Server Error', failure_kind='refused')
            for course_id in ('edX+DemoX', RUN)]


def _send_again(client, url_name, rows):
    response = client.post(reverse(url_name), {'action': 'send_again', '_selected_action': [row.pk for row in rows]},
                           follow=True)
    assert response.status_code == 200
    return [str(message) for message in response.context['messages']]


def test_when_the_task_runs_in_the_request_each_configuration_says_what_it_did(staff_client, lms, channels,
                                                                                lms_knows_the_run):
    configuration = DegreedConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(slug='globex'))
    enrollment = add_learner(configuration, lms, 'ada')
    rows = _failed_rows(configuration, enrollment)
    told = _send_again(staff_client, DEGREED_AUDITS, rows)
    assert told == ['Ran 1 learner run(s) to send again; 0 selected row(s) were skipped (sent or superseded).',
                    f'DEGREED configuration {configuration.pk} (globex): 1 sent, 1 skipped, 0 failed.']
    assert len(channels.received['DEGREED']) == 1
    run = TransmissionRun.objects.get(channel='DEGREED', configuration_id=configuration.pk)
    assert (run.sent, run.skipped, run.error) == (1, 1, '')
    course_key_row = DegreedLearnerDataTransmissionAudit.objects.get(pk=rows[0].pk)
    assert (course_key_row.status, course_key_row.run_id) == (200, run.run_id)
    assert DegreedLearnerDataTransmissionAudit.objects.get(pk=rows[1].pk).superseded


def test_a_run_that_could_not_do_its_job_says_why(staff_client, lms, channels, lms_knows_the_run):
    configuration = DegreedConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(slug='globex'),
                                                secret='not-the-secret')
    rows = _failed_rows(configuration, add_learner(configuration, lms, 'ada'))
    told = _send_again(staff_client, DEGREED_AUDITS, rows[:1])
    assert told[1] == (f'DEGREED configuration {configuration.pk} (globex): 0 sent, 0 skipped, 1 failed, '
                       'error: DEGREED credentials refused (HTTP 401).')


def test_a_configuration_the_task_did_not_run_for_the_learner_is_told(staff_client, lms, channels, lms_knows_the_run):
    configuration = DegreedConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(slug='globex'))
    enrollment = add_learner(configuration, lms, 'ada')
    rows = _failed_rows(configuration, enrollment)
    # The learner chose another customer since (edx-enterprise keeps one active per learner).
    get_customer_user_model()._base_manager.filter(pk=enrollment.enterprise_customer_user_id).update(active=False)
    told = _send_again(staff_client, DEGREED_AUDITS, rows)
    assert told[1] == (f'DEGREED configuration {configuration.pk} (globex): 0 sent, 0 skipped, 0 failed, '
                       'error: not run: the configuration or its customer is inactive, or the learner is not an '
                       'active, linked learner of its customer.')
    assert channels.received['DEGREED'] == []


def test_queued_runs_name_the_run_id_to_look_for_one_task_per_learner_run(staff_client):
    customer = EnterpriseCustomerFactory(slug='acme')
    first, second = SAPConfigurationFactory(enterprise_customer=customer), SAPConfigurationFactory(
        enterprise_customer=customer)
    enrollment = consenting_enrollment(customer, user=UserFactory(username='ada'))
    rows = [SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                            status=500, error_message='x') for configuration in (first, second)]
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        response = staff_client.post(reverse(SAP_AUDITS), {'action': 'send_again',
                                                       '_selected_action': [row.pk for row in rows]}, follow=True)
    [call] = task.delay.call_args_list
    assert (call.args, call.kwargs['configurations']) == (('ada', RUN), [['SAP', first.pk], ['SAP', second.pk]])
    run_ids = call.kwargs['run_ids']
    assert len(set(run_ids)) == 2
    page = response.content.decode()
    assert 'Queued 1 learner run(s) to send again; 0 selected row(s) were skipped (sent or superseded).' in page
    runs_list = reverse('admin:enterprise_export_transmissionrun_changelist')
    for configuration, run_id in zip((first, second), run_ids, strict=True):
        assert re.search(rf'SAP configuration {configuration.pk} \(acme\): queued 1 learner run\(s\); look for run id '
                         rf'<a href="{re.escape(runs_list)}\?q={run_id}">{run_id}</a>', page)


def test_a_failed_row_beside_a_sent_one_of_the_other_course_id_stops_being_a_failure(staff_client, lms, channels,
                                                                                   lms_knows_the_run):
    configuration = DegreedConfigurationFactory()
    enrollment = add_learner(configuration, lms, 'ada')
    DegreedAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                        course_id=RUN, grade='Pass', status=200)
    failed = DegreedAuditFactory(plugin_configuration_id=configuration.pk, course_id='edX+DemoX', grade='Pass',
                                 enterprise_course_enrollment_id=enrollment.pk, status=500, error_message='x')
    _send_again(staff_client, DEGREED_AUDITS, [failed])
    failed.refresh_from_db()
    assert failed.sent_successfully or failed.superseded


def test_a_task_that_cannot_be_queued_is_told_without_the_brokers_words(staff_client):
    configuration = SAPConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(slug='acme'))
    enrollment = consenting_enrollment(configuration.enterprise_customer, user=UserFactory(username='ada'))
    row = SapAuditFactory(plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=enrollment.pk,
                          status=500, error_message='x')
    with mock.patch('enterprise_export.tasks.transmit_single_learner_data') as task:
        task.delay.side_effect = ConnectionError('redis://:hunter2@broker:6379 refused')
        told = _send_again(staff_client, SAP_AUDITS, [row])
    assert told == ['Queued 0 learner run(s) to send again; 0 selected row(s) were skipped (sent or superseded).',
                    f'SAP configuration {configuration.pk} (acme): 0 sent, 0 skipped, 0 failed, '
                    'error: the task could not be queued or raised ConnectionError.']
