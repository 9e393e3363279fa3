"""Webhooks: the exact body and headers (the signature recomputed here), the bearer token, and 410 stopping the run."""

import hashlib
import hmac
import json
import uuid

import pytest

from enterprise_export.models import WebhookLearnerDataTransmissionAudit
from test_utils.factories import WebhookConfigurationFactory
from test_utils.transmissions import END, NOW, RUN, add_learner, audit_rows, transmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]
HOOK = 'https://hooks.example.com/completions'
SECRET = 'whsec-0123456789abcdef0123456789abcdef'


def event_id(configuration, enrollment, grade='Pass'):
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, 'enterprise-export')
    return str(uuid.uuid5(namespace, f'WEBHOOK|{configuration.pk}|{enrollment.id}|{RUN}|{grade}'))


def hook_calls(http):
    return [call for call in http.calls if call.request.url == HOOK]


@pytest.fixture(autouse=True)
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end=END)


def test_the_exact_body_and_signed_headers(lms, http):
    configuration = WebhookConfigurationFactory()
    enrollment = add_learner(configuration, lms, 'ada')
    http.add(http.POST, HOOK, status=202)
    result = transmit(configuration)

    [call] = hook_calls(http)
    body = call.request.body
    expected = {
        'id': event_id(configuration, enrollment), 'type': 'course.completed', 'occurred_at': '2026-03-31T17:45:00Z',
        'enterprise_customer': str(configuration.enterprise_customer.uuid),
        'learner': {'email': 'ada@example.com', 'lms_user_id': enrollment.enterprise_customer_user.user_id},
        'course': {'course_run_id': RUN, 'course_key': 'edX+DemoX'},
        'grade': {'word': 'Pass', 'passed': True, 'percent': 0.9},
    }
    assert body == json.dumps(expected, separators=(',', ':'), sort_keys=True).encode()
    headers = call.request.headers
    assert headers['Content-Type'] == 'application/json'
    assert headers['Enterprise-Export-Event-Id'] == event_id(configuration, enrollment)
    timestamp = int(NOW.timestamp())
    digest = hmac.new(SECRET.encode(), f'{timestamp}.'.encode() + body, hashlib.sha256).hexdigest()
    assert headers['Enterprise-Export-Signature'] == f't={timestamp},v1={digest}'
    assert 'Authorization' not in headers
    assert audit_rows(WebhookLearnerDataTransmissionAudit) == [(enrollment.id, RUN, 202, '', 'Pass')]
    assert WebhookLearnerDataTransmissionAudit.objects.get().event_id == event_id(configuration, enrollment)
    assert (result.sent, result.failed, result.error) == (1, 0, None)


def test_a_fail_with_a_bearer_token(lms, http):
    configuration = WebhookConfigurationFactory(bearer_token='hook-token')
    enrollment = add_learner(configuration, lms, 'bob', passed=False)
    http.add(http.POST, HOOK, status=200)
    transmit(configuration)
    [call] = hook_calls(http)
    assert call.request.headers['Authorization'] == 'Bearer hook-token'
    event = json.loads(call.request.body)
    assert event['grade'] == {'word': 'Fail', 'passed': False, 'percent': 0.2}
    assert event['id'] == event_id(configuration, enrollment, grade='Fail')


@pytest.mark.parametrize(('status', 'sent'), [(200, True), (204, True), (409, False), (401, False), (500, False)])
def test_answers(lms, http, status, sent):
    configuration = WebhookConfigurationFactory()
    add_learner(configuration, lms, 'ada')
    http.add(http.POST, HOOK, status=status, body='' if status == 204 else 'answer')
    result = transmit(configuration)
    [(_, _, row_status, error_message, _)] = audit_rows(WebhookLearnerDataTransmissionAudit)
    assert row_status == status and (error_message == '') is sent
    assert (result.sent, result.failed, result.error) == ((1, 0, None) if sent else (0, 1, None))


def test_gone_stops_the_run_with_its_error(lms, http, settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 1
    configuration = WebhookConfigurationFactory()
    for username in ('ada', 'bob', 'cy'):
        add_learner(configuration, lms, username)
    http.add(http.POST, HOOK, status=410, body='gone')
    result = transmit(configuration)
    assert len(hook_calls(http)) == 1  # no further record is sent
    assert (result.sent, result.failed) == (0, 1)
    assert result.error == 'webhook endpoint gone (HTTP 410)'
    [(_, _, status, error_message, _)] = audit_rows(WebhookLearnerDataTransmissionAudit)
    assert (status, error_message) == (410, 'gone')


def test_a_resend_carries_the_same_event_id(lms, http):
    configuration = WebhookConfigurationFactory()
    add_learner(configuration, lms, 'ada')
    http.add(http.POST, HOOK, status=500, body='busy')
    http.add(http.POST, HOOK, status=200)
    transmit(configuration)
    transmit(configuration)
    transmit(configuration)  # sent: nothing more
    first, second = (call.request.headers['Enterprise-Export-Event-Id'] for call in hook_calls(http))
    assert first == second


def test_the_standin_receiver_verifies_the_signature_and_deduplicates(lms, channels):
    configuration = WebhookConfigurationFactory()
    add_learner(configuration, lms, 'ada')
    transmit(configuration)
    WebhookLearnerDataTransmissionAudit.objects.all().delete()  # a run killed before its rows were written
    again = transmit(configuration)
    assert again.sent == 1
    assert [event['learner']['email'] for event in channels.received['WEBHOOK']] == ['ada@example.com']
    assert channels.duplicates['WEBHOOK'] == 1


def test_a_wrong_signing_secret_is_refused(lms, channels):
    configuration = WebhookConfigurationFactory(signing_secret='another-secret-of-at-least-32-characters')
    add_learner(configuration, lms, 'ada')
    result = transmit(configuration)
    assert (result.sent, result.failed) == (0, 1)
    assert channels.received['WEBHOOK'] == []
