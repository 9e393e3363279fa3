"""Transmission: what each channel receives, what is skipped, and what the audit rows say."""

import datetime
import json

import pytest
import requests
import time_machine

from enterprise_export.channels import get_channel
from enterprise_export.models import (
    CornerstoneLearnerDataTransmissionAudit,
    DegreedLearnerDataTransmissionAudit,
    SapSuccessFactorsLearnerDataTransmissionAudit,
    get_customer_user_model,
)
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    DegreedConfigurationFactory,
    SAPConfigurationFactory,
)
from test_utils.fake_channels import DEGREED, SAP
from test_utils.transmissions import END, END_MS, RUN, add_learner, audit_rows, transmit

UTC = datetime.UTC

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]


@pytest.fixture
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end=END)


@pytest.mark.usefixtures('ended_course')
class TestSap:

    def test_payload_and_audit(self, lms, channels, http):
        configuration = SAPConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada', sap='SAP-1')
        result = transmit(configuration)
        assert channels.received['SAP'] == [{
            'userID': 'SAP-1', 'courseID': 'edX+DemoX', 'providerID': 'EDX', 'courseCompleted': 'true',
            'completedTimestamp': END_MS, 'grade': 'Pass', 'totalHours': 0.0,
        }]
        # the course key went through: the run id record is not sent, nor saved
        assert audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit) == [
            (enrollment.id, 'edX+DemoX', 200, '', 'Pass')]
        assert (result.sent, result.skipped, result.failed) == (1, 1, 0)
        token_call = next(call for call in http.calls if call.request.url.endswith('/token'))
        assert token_call.request.url == f'{SAP}/learning/oauth-api/rest/v1/token'
        assert json.loads(token_call.request.body) == {'grant_type': 'client_credentials', 'scope': {
            'userId': 'SAP-1', 'companyId': 'ACME', 'userType': 'user', 'resourceType': 'learning_public_api'}}

    def test_failing_course_key_lets_the_run_id_record_go(self, lms, channels):
        configuration = SAPConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada', sap='SAP-1')
        channels.fail('SAP', 500, 'course not found', when=lambda payload: payload['courseID'] == 'edX+DemoX')
        result = transmit(configuration)
        assert [payload['courseID'] for payload in channels.received['SAP']] == [RUN]
        assert audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit) == [
            (enrollment.id, 'edX+DemoX', 500, 'course not found', 'Pass'),
            (enrollment.id, RUN, 200, '', 'Pass'),
        ]
        assert (result.sent, result.failed) == (1, 1)

    def test_one_token_per_sap_user_reused_across_runs(self, lms, channels):
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', sap='SAP-1')
        add_learner(configuration, lms, 'bob', sap='SAP-2')
        channels.fail('SAP', 500, 'try later')
        transmit(configuration)
        transmit(configuration)
        assert channels.tokens['SAP'] == 2

    def test_inactive_user_account_marks_the_learner_inactive(self, lms, channels):
        configuration = SAPConfigurationFactory()
        gone = add_learner(configuration, lms, 'ada', sap='SAP-1')
        stays = add_learner(configuration, lms, 'bob', sap='SAP-2')
        channels.fail('SAP', 400, '{"message": "The User Account Is Inactive"}',
                      when=lambda payload: payload['userID'] == 'SAP-1')
        transmit(configuration)
        learners = get_customer_user_model()._base_manager
        assert learners.get(pk=gone.enterprise_customer_user_id).active is False
        assert learners.get(pk=stays.enterprise_customer_user_id).active is True
        assert [payload['userID'] for payload in channels.received['SAP']] == ['SAP-2']

    def test_in_progress_is_not_sent_nor_saved(self, lms, channels):
        lms.add_course(RUN, pacing='self', end='2026-12-31T00:00:00Z')
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', passed=False, sap='SAP-1')
        result = transmit(configuration)
        assert channels.received['SAP'] == [] and audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit) == []
        assert result.skipped == 2

    def test_failing_learner_is_sent_as_not_completed(self, lms, channels):
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', passed=False, sap='SAP-1')
        transmit(configuration)
        assert [(p['courseCompleted'], p['grade']) for p in channels.received['SAP']] == [('false', 'Fail')]


@pytest.mark.usefixtures('ended_course')
class TestDegreed:

    def test_payload_and_audit(self, lms, channels, http):
        configuration = DegreedConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada')
        transmit(configuration)
        assert channels.received['DEGREED'] == [{'orgCode': 'ORG-1', 'completions': [
            {'email': 'ada@example.com', 'id': 'edX+DemoX', 'completionDate': '2026-03-31'}]}]
        assert audit_rows(DegreedLearnerDataTransmissionAudit) == [(enrollment.id, 'edX+DemoX', 200, '', 'Pass')]
        token_call = next(call for call in http.calls if call.request.url.endswith('/oauth/token'))
        assert dict(pair.split('=') for pair in token_call.request.body.split('&')) == {
            'grant_type': 'client_credentials', 'client_id': 'degreed-client-id',
            'client_secret': 'degreed-client-secret', 'scope': 'provider_completion'}

    def test_failed_learners_are_not_sent(self, lms, channels):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada', passed=False)
        result = transmit(configuration)
        assert channels.received['DEGREED'] == [] and result.skipped == 2
        assert audit_rows(DegreedLearnerDataTransmissionAudit) == []

    def test_one_token_per_configuration(self, lms, channels):
        configuration = DegreedConfigurationFactory()
        for username in ('ada', 'bob', 'cy'):
            add_learner(configuration, lms, username)
        transmit(configuration)
        assert len(channels.received['DEGREED']) == 3 and channels.tokens['DEGREED'] == 1


@pytest.mark.usefixtures('ended_course')
class TestCornerstone:

    def test_payload_url_and_audit(self, lms, channels):
        configuration = CornerstoneConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada', guid='GUID-1')
        transmit(configuration)
        assert channels.received['CSOD'] == [{
            'url': 'https://acme.csod.example.com/services/x/progress-callback/progress?sessionToken=session-ada',
            'payload': [{'courseId': 'edX+DemoX', 'userGuid': 'GUID-1', 'status': 'Completed',
                         'completionDate': '2026-03-31T17:45:00+00:00', 'successStatus': 'Pass'}],
        }]
        assert audit_rows(CornerstoneLearnerDataTransmissionAudit) == [(enrollment.id, 'edX+DemoX', 200, '', 'Pass')]

    def test_expired_session_is_a_401_tried_again_next_run(self, lms, channels):
        configuration = CornerstoneConfigurationFactory()
        add_learner(configuration, lms, 'ada', guid='GUID-1')
        channels.fail('CSOD', 401, 'session expired')
        transmit(configuration)
        channels.failures.clear()
        result = transmit(configuration)
        assert result.sent == 1
        assert audit_rows(CornerstoneLearnerDataTransmissionAudit)[0][2:4] == (200, '')
        assert CornerstoneLearnerDataTransmissionAudit.objects.count() == 1


@pytest.mark.usefixtures('ended_course')
class TestRules:

    @pytest.mark.parametrize('status', [400, 404, 500, 503])
    def test_failure_keeps_the_real_status_and_the_next_record_is_sent(self, lms, channels, status):
        configuration = DegreedConfigurationFactory()
        first = add_learner(configuration, lms, 'ada')
        second = add_learner(configuration, lms, 'bob')
        channels.fail('DEGREED', status, 'x' * 1500,
                      when=lambda payload: payload['completions'][0]['email'] == 'ada@example.com')
        result = transmit(configuration)
        rows = audit_rows(DegreedLearnerDataTransmissionAudit)
        assert [(row[0], row[1], row[2]) for row in rows] == [
            (first.id, 'edX+DemoX', status), (first.id, RUN, status), (second.id, 'edX+DemoX', 200)]
        assert len(rows[0][3]) == 1000
        assert (result.sent, result.failed, result.skipped) == (1, 2, 1)

    def test_no_answer_leaves_the_status_empty(self, lms, http, settings):
        configuration = DegreedConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada')
        http.add(http.POST, f'{DEGREED}/oauth/token', json={'access_token': 't', 'expires_in': 3600})
        http.add(http.POST, f'{DEGREED}/api/v1/provider/completion/course', body=requests.ConnectTimeout('slow'))
        transmit(configuration)
        row = DegreedLearnerDataTransmissionAudit.objects.get(enterprise_course_enrollment_id=enrollment.id,
                                                              course_id='edX+DemoX')
        assert row.status is None and 'ConnectTimeout' in row.error_message

    def test_refused_token_fails_the_record_and_stops_the_run(self, lms, http):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        add_learner(configuration, lms, 'bob')
        http.add(http.POST, f'{DEGREED}/oauth/token', status=401, body='invalid client')
        result = transmit(configuration)
        assert (result.sent, result.failed) == (0, 1)
        assert result.error == 'DEGREED credentials refused (HTTP 401)'
        assert {row[2:4] for row in audit_rows(DegreedLearnerDataTransmissionAudit)} == {(401, 'invalid client')}
        assert len([call for call in http.calls if call.request.url.endswith('/oauth/token')]) == 1

    def test_unreachable_token_endpoint_fails_each_record_without_stopping(self, lms, http):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        http.add(http.POST, f'{DEGREED}/oauth/token', status=503, body='maintenance')
        result = transmit(configuration)
        assert (result.failed, result.error) == (2, None)
        assert {row[2:4] for row in audit_rows(DegreedLearnerDataTransmissionAudit)} == {(503, 'maintenance')}

    @pytest.mark.parametrize('token_answer', [
        {'json': {'expires_in': 3600}}, {'body': 'not json'}, {'json': ['t']}, {'json': {'access_token': ''}},
    ])
    def test_malformed_token_answer_is_a_failure_without_a_2xx_status(self, lms, http, token_answer):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        http.add(http.POST, f'{DEGREED}/oauth/token', status=200, **token_answer)
        result = transmit(configuration)
        assert result.sent == 0 and result.failed == 2
        for row in audit_rows(DegreedLearnerDataTransmissionAudit):
            assert row[2] is None
            assert row[3].startswith('malformed token answer (HTTP 200)')

    def test_a_redirect_is_a_failure(self, lms, http):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        http.add(http.POST, f'{DEGREED}/oauth/token', json={'access_token': 't', 'expires_in': 3600})
        http.add(http.POST, f'{DEGREED}/api/v1/provider/completion/course', status=302,
                 headers={'Location': 'https://elsewhere.example.com/'})
        result = transmit(configuration)
        assert result.failed == 2 and result.sent == 0
        assert len([call for call in http.calls if 'elsewhere' in call.request.url]) == 0

    def test_already_sent_with_the_same_grade_is_not_sent_again(self, lms, channels):
        configuration = DegreedConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        first = transmit(configuration)
        second = transmit(configuration)
        assert len(channels.received['DEGREED']) == 1
        assert (first.sent, second.sent, second.skipped) == (1, 0, 2)

    def test_a_new_grade_is_sent_again_and_updates_the_row(self, lms, channels):
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', passed=False, sap='SAP-1')
        transmit(configuration)
        lms.add_grade('ada', RUN, True, 0.95)
        transmit(configuration)
        assert [payload['grade'] for payload in channels.received['SAP']] == ['Fail', 'Pass']
        assert [row[4] for row in audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit)] == ['Pass']

    def test_each_configuration_checks_its_own_audit_rows(self, lms, channels):
        first = DegreedConfigurationFactory()
        second = DegreedConfigurationFactory(enterprise_customer=first.enterprise_customer)
        add_learner(first, lms, 'ada')
        transmit(first)
        transmit(second)
        assert len(channels.received['DEGREED']) == 2

    def test_dry_run_sends_and_saves_nothing(self, lms, channels, http):
        configuration = SAPConfigurationFactory()
        add_learner(configuration, lms, 'ada', sap='SAP-1')
        result = transmit(configuration, dry_run=True)
        assert [record.course_id for record in result.would_send] == ['edX+DemoX']
        assert channels.received['SAP'] == [] and channels.tokens['SAP'] == 0
        assert audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit) == []
        assert not any(call.request.url.startswith(SAP) for call in http.calls)


def test_cornerstone_base_url_without_subdomain(db, lms, http):
    lms.add_course(RUN, pacing='self', end=END)
    configuration = CornerstoneConfigurationFactory(cornerstone_base_url='https://portal.example.com/',
                                                    completion_status_api_path='progress')
    add_learner(configuration, lms, 'ada', guid='GUID-1')
    http.add(http.POST, 'https://portal.example.com/services/x/progress-callback/progress', status=200)
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        assert transmit(configuration).sent == 1


@pytest.mark.usefixtures('ended_course')
def test_an_unexpected_error_fails_only_that_record(lms, channels, monkeypatch):
    configuration = DegreedConfigurationFactory()
    broken = add_learner(configuration, lms, 'ada')
    kept = add_learner(configuration, lms, 'bob')
    transmitter_class = get_channel('DEGREED').transmitter_class
    send = transmitter_class.send_record

    def send_or_break(self, record):
        if record.enterprise_course_enrollment_id == broken.id:
            raise ValueError('a bug')
        return send(self, record)

    monkeypatch.setattr(transmitter_class, 'send_record', send_or_break)
    result = transmit(configuration)
    assert (result.sent, result.failed) == (1, 2)
    rows = {row[:3] for row in audit_rows(DegreedLearnerDataTransmissionAudit)}
    assert rows == {(broken.id, 'edX+DemoX', None), (broken.id, RUN, None), (kept.id, 'edX+DemoX', 200)}


class StoppingExporter:
    """An exporter whose export stops with ``error`` after its first ``count`` records (the database went away)."""

    def __init__(self, exporter, count, error):
        self.exporter, self.count, self.error = exporter, count, error

    def export(self, request):
        for index, record in enumerate(self.exporter.export(request)):
            if index == self.count:
                raise self.error
            yield record


@pytest.mark.usefixtures('ended_course')
def test_a_run_stopped_by_an_error_reports_what_it_did_beside_the_error(lms, channels, settings):
    from django.db import OperationalError  # noqa: PLC0415

    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 1
    configuration = DegreedConfigurationFactory()
    for username in ('ada', 'bob', 'cy', 'dee'):
        add_learner(configuration, lms, username)
    channel = get_channel(configuration.channel_code)
    exporter = StoppingExporter(channel.build_exporter('worker', configuration), 4,
                                OperationalError('server has gone away'))
    transmitter = channel.build_transmitter(configuration)
    transmitter.batch_size = 2  # records are read in batches: two batches go through before the error
    summary = transmitter.transmit(exporter)
    assert (summary.sent, summary.error) == (2, 'the task raised OperationalError')
    assert len(channels.received['DEGREED']) == 2
    assert DegreedLearnerDataTransmissionAudit.objects.filter(status=200).count() == 2
