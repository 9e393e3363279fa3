"""
End to end over real sockets: the demo stand-in plays the LMS and the six channels, the
command runs with eager Celery, and the audit rows and what each channel received are checked.
"""

import pytest
from django.contrib.auth import get_user_model

from demo.population import expected_identities, received_identities, reported
from enterprise_export.models import (
    CornerstoneLearnerDataTransmissionAudit,
    Degreed2EnterpriseCustomerConfiguration,
    Degreed2LearnerDataTransmissionAudit,
    DegreedLearnerDataTransmissionAudit,
    SAPSuccessFactorsEnterpriseCustomerConfiguration,
    SapSuccessFactorsLearnerDataTransmissionAudit,
    WebhookLearnerDataTransmissionAudit,
    XAPILearnerDataTransmissionAudit,
    get_enrollment_model,
)
from enterprise_export.utils import get_course_key
from test_utils.demo_runs import load_demo, transmit_all

pytestmark = pytest.mark.django_db
LEARNERS = 24


@pytest.fixture
def population(standin, settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    return load_demo(standin, LEARNERS)


def transmit():
    return transmit_all()


def of(population, channel):
    return [learner for learner in population if learner.channel == channel]


def enrollment_id(learner):
    user = get_user_model().objects.get(username=learner.username)
    return get_enrollment_model()._base_manager.get(enterprise_customer_user__user_id=user.pk,
                                                  course_id=learner.course_id).id


def test_every_channel_gets_what_it_should(population, standin):
    output = transmit()
    received = standin.channels.received

    degreed = {payload['completions'][0]['email'] for payload in received['DEGREED']}
    assert degreed == {learner.email for learner in of(population, 'DEGREED') if learner.passes}
    assert all(payload['orgCode'] == 'GLOBEX' for payload in received['DEGREED'])

    degreed2 = {(payload['data']['attributes']['user-id'], payload['data']['attributes']['percentile'])
                for payload in received['DEGREED2']}
    assert degreed2 == {(learner.email, 86.0) for learner in of(population, 'DEGREED2') if learner.passes}

    sap = {(payload['userID'], payload['courseCompleted']) for payload in received['SAP']}
    assert sap == {
        (f'SAP-{learner.index:05d}', 'true' if learner.passes else 'false')
        for learner in of(population, 'SAP') if reported(learner) and learner.case != 'no_channel_identity'
    }
    assert {payload['courseID'] for payload in received['SAP']} <= {
        get_course_key(learner.course_id) for learner in population}

    csod = {item['userGuid'] for payload in received['CSOD'] for item in payload['payload']}
    assert csod == {f'guid-{learner.index:05d}' for learner in of(population, 'CSOD')
                    if learner.passes and learner.case != 'no_channel_identity'}
    assert all('/csod/initech/services/api/progress-callback/progress?sessionToken=session-' in payload['url']
               for payload in received['CSOD'])

    for model, channel in ((DegreedLearnerDataTransmissionAudit, 'DEGREED'),
                           (Degreed2LearnerDataTransmissionAudit, 'DEGREED2'),
                           (SapSuccessFactorsLearnerDataTransmissionAudit, 'SAP'),
                           (CornerstoneLearnerDataTransmissionAudit, 'CSOD')):
        assert model.objects.filter(status=200, error_message='').count() == len(received[channel])
        assert not model.objects.exclude(status=200).exists()
    assert output.splitlines()[-1].endswith('0 failed, 0 lms_errors, 0 configurations in error.')


def test_the_lrs_and_the_webhook_get_each_reported_learner_once_and_recognise_a_resend(population, standin):
    output = transmit()
    received, expected = standin.channels.received, expected_identities(population)
    for channel in ('XAPI', 'WEBHOOK'):
        identities = [identity for payload in received[channel] for identity in received_identities(channel, payload)]
        assert sorted(identities) == sorted(expected[channel])
    assert {(payload['actor']['mbox'], payload['result']['success']) for payload in received['XAPI']} == {
        (f'mailto:{learner.email}', learner.passes) for learner in of(population, 'XAPI') if reported(learner)}
    assert {(payload['learner']['email'], payload['grade']['passed']) for payload in received['WEBHOOK']} == {
        (learner.email, learner.passes) for learner in of(population, 'WEBHOOK') if reported(learner)}
    assert output.splitlines()[-1].endswith('0 failed, 0 lms_errors, 0 configurations in error.')

    # A run killed after the channels got the completions but before their rows were written: the
    # rerun sends them again, and the LRS (409) and the receiver (its event ids) keep each once.
    XAPILearnerDataTransmissionAudit.objects.all().delete()
    WebhookLearnerDataTransmissionAudit.objects.all().delete()
    again = transmit()
    assert again.splitlines()[-1].endswith('0 failed, 0 lms_errors, 0 configurations in error.')
    for channel, model in (('XAPI', XAPILearnerDataTransmissionAudit),
                           ('WEBHOOK', WebhookLearnerDataTransmissionAudit)):
        assert len(received[channel]) == len(expected[channel])
        assert standin.channels.duplicates[channel] == len(expected[channel])
        assert model.objects.count() == len(expected[channel])
    assert set(XAPILearnerDataTransmissionAudit.objects.values_list('status', flat=True)) == {409}
    third = transmit()  # 409 rows count as sent: nothing is sent again
    assert standin.channels.duplicates['XAPI'] == len(expected['XAPI'])
    assert third.splitlines()[-1].startswith('Total: 0 sent')


def test_sap_admin_path_one_token_for_the_run(population, standin):
    SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.update(prevent_self_submit_grades=True,
                                                                    sapsf_user_id='acme-service')
    output = transmit()
    sap = {(payload['userID'], payload['courseCompleted']) for payload in standin.channels.received['SAP']}
    assert sap == {
        (f'SAP-{learner.index:05d}', learner.passes)
        for learner in of(population, 'SAP') if reported(learner) and learner.case != 'no_channel_identity'
    }
    assert standin.channels.tokens['SAP'] == 1
    assert output.splitlines()[-1].endswith('0 failed, 0 lms_errors, 0 configurations in error.')


def test_a_channel_past_its_rate_limit_answers_429_and_everything_still_arrives(population, standin):
    # The configuration believes it has no limit; the channel allows 4 requests a second.
    Degreed2EnterpriseCustomerConfiguration.objects.update(requests_per_minute=0)
    standin.faults.configure({'rate_limits': {'degreed2': {'per_minute': 4, 'window_seconds': 1}}})
    output = transmit()
    expected = {learner.email for learner in of(population, 'DEGREED2') if learner.passes}
    assert {payload['data']['attributes']['user-id'] for payload in standin.channels.received['DEGREED2']} == expected
    assert standin.faults.counts['degreed2:429'] > 0
    assert Degreed2LearnerDataTransmissionAudit.objects.filter(status=200).count() == len(expected)
    assert output.splitlines()[-1].endswith('0 failed, 0 lms_errors, 0 configurations in error.')


def test_nobody_without_consent_or_with_an_audit_enrollment_is_sent(population, standin):
    transmit()
    excluded = {learner.email for learner in population
                if learner.case in ('no_consent', 'refused_consent', 'audit', 'unknown_to_lms', 'not_passed_yet')}
    sent = {payload['completions'][0]['email'] for payload in standin.channels.received['DEGREED']}
    assert not sent & excluded


def test_a_channel_answering_500_for_one_learner(population, standin):
    victim = next(learner for learner in of(population, 'DEGREED') if learner.passes)
    standin.channels.fail('DEGREED', 500, 'internal error',
                          when=lambda payload: payload['completions'][0]['email'] == victim.email)
    transmit()
    rows = DegreedLearnerDataTransmissionAudit.objects.filter(enterprise_course_enrollment_id=enrollment_id(victim))
    assert {(row.course_id, row.status, row.error_message) for row in rows} == {
        (get_course_key(victim.course_id), 500, 'internal error'), (victim.course_id, 500, 'internal error')}
    others = {learner.email for learner in of(population, 'DEGREED') if learner.passes} - {victim.email}
    assert {payload['completions'][0]['email'] for payload in standin.channels.received['DEGREED']} == others

    # Next run: the channel is well again; only the failed learner is sent, with its course key.
    standin.channels.failures.clear()
    standin.channels.received.clear()
    transmit()
    assert [(item['email'], item['id']) for payload in standin.channels.received['DEGREED']
            for item in payload['completions']] == [(victim.email, get_course_key(victim.course_id))]
    assert set(rows.values_list('status', flat=True)) == {200, 500}  # the run-id row keeps its last attempt


def test_a_second_run_sends_nothing_new(population, standin):
    first = transmit()
    standin.channels.received.clear()
    second = transmit()
    assert not any(standin.channels.received.values())
    assert second.splitlines()[-1].startswith('Total: 0 sent,')
    assert first.splitlines()[-1] != second.splitlines()[-1]


def test_lms_faults_skip_only_the_learners_they_hit(population, standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    standin.faults.configure({'faults': [
        {'target': 'lms', 'kind': '500', 'path': 'globex-learner-000'},
        {'target': 'lms', 'kind': 'reset', 'path': 'globex-learner-001'},
        {'target': 'lms', 'kind': 'malformed', 'path': 'globex-learner-002'},
    ]})
    transmit()
    sent = {payload['completions'][0]['email'] for payload in standin.channels.received['DEGREED']}
    hit = {f'globex-learner-00{index}@example.com' for index in range(3)}
    assert sent == {learner.email for learner in of(population, 'DEGREED') if learner.passes} - hit
