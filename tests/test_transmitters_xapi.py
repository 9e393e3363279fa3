"""xAPI: the exact statement and headers, the deterministic statement id, and a 409 that counts as sent everywhere."""

import base64
import json
import uuid

import pytest
from django.urls import reverse

from enterprise_export.api.rows import TransmissionRows
from enterprise_export.audits import configuration_outcomes
from enterprise_export.channels import get_channel
from enterprise_export.models import XAPILearnerDataTransmissionAudit
from enterprise_export.utils import is_already_transmitted
from test_utils.factories import UserFactory, XAPIConfigurationFactory
from test_utils.transmissions import END, RUN, add_learner, audit_rows, transmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]
LRS = 'https://lrs.example.com/xAPI'
STATEMENTS = f'{LRS}/statements'


def statement_id(configuration, enrollment, grade='Pass', course_id=RUN):
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, 'enterprise-export')
    return str(uuid.uuid5(namespace, f'XAPI|{configuration.pk}|{enrollment.id}|{course_id}|{grade}'))


def statements(http):
    return [call for call in http.calls if call.request.url == STATEMENTS]


@pytest.fixture
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end=END)


@pytest.mark.usefixtures('ended_course')
class TestStatement:

    def test_the_exact_statement_and_headers(self, lms, http):
        configuration = XAPIConfigurationFactory(version='1.0.3')
        enrollment = add_learner(configuration, lms, 'ada')
        http.add(http.POST, STATEMENTS, status=200, json=['stored-id'])
        result = transmit(configuration)

        [call] = statements(http)
        headers = call.request.headers
        assert headers['X-Experience-API-Version'] == '1.0.3'
        assert headers['Content-Type'] == 'application/json'
        assert headers['Authorization'] == 'Basic ' + base64.b64encode(b'lrs-user:lrs-password').decode()
        assert json.loads(call.request.body) == {
            'id': statement_id(configuration, enrollment),
            'actor': {'objectType': 'Agent', 'mbox': 'mailto:ada@example.com'},
            'verb': {'id': 'http://adlnet.gov/expapi/verbs/completed', 'display': {'en-US': 'completed'}},
            'object': {
                'objectType': 'Activity',
                'id': f'http://lms.example.com/xapi/activities/courserun/{RUN}',
                'definition': {'type': 'http://adlnet.gov/expapi/activities/course', 'name': {'en-US': RUN}},
            },
            'result': {'success': True, 'completion': True,
                       'score': {'scaled': 0.9, 'raw': 90.0, 'min': 0, 'max': 100}},
            'timestamp': '2026-03-31T17:45:00Z',
        }
        assert audit_rows(XAPILearnerDataTransmissionAudit) == [(enrollment.id, RUN, 200, '', 'Pass')]
        row = XAPILearnerDataTransmissionAudit.objects.get()
        assert (row.xapi_user_email, row.statement_id) == ('ada@example.com', statement_id(configuration, enrollment))
        assert (result.sent, result.skipped, result.failed) == (1, 0, 0)

    def test_a_fail_is_sent_unsuccessful_and_the_activity_base_is_joined_with_one_slash(self, lms, http):
        configuration = XAPIConfigurationFactory(activity_base_url='https://courses.example.com/', version='1.0.0',
                                                 lrs_endpoint=f'{LRS}/')
        enrollment = add_learner(configuration, lms, 'bob', passed=False)
        http.add(http.POST, STATEMENTS, status=204)
        transmit(configuration)

        [call] = statements(http)
        statement = json.loads(call.request.body)
        assert call.request.headers['X-Experience-API-Version'] == '1.0.0'
        assert statement['id'] == statement_id(configuration, enrollment, grade='Fail')
        assert statement['object']['id'] == f'https://courses.example.com/xapi/activities/courserun/{RUN}'
        assert statement['result'] == {'success': False, 'completion': True,
                                       'score': {'scaled': 0.2, 'raw': 20.0, 'min': 0, 'max': 100}}
        assert audit_rows(XAPILearnerDataTransmissionAudit) == [(enrollment.id, RUN, 204, '', 'Fail')]

    def test_the_statement_id_is_the_same_on_every_attempt(self, lms, http):
        configuration = XAPIConfigurationFactory()
        add_learner(configuration, lms, 'ada')
        http.add(http.POST, STATEMENTS, status=503, body='busy')
        http.add(http.POST, STATEMENTS, status=200, json=['x'])
        transmit(configuration)
        transmit(configuration)
        first, second = (json.loads(call.request.body)['id'] for call in statements(http))
        assert first == second


@pytest.mark.usefixtures('ended_course')
@pytest.mark.parametrize(('status', 'body', 'sent'), [
    (200, '["id"]', True), (204, '', True), (409, 'statement id already exists', True),
    (401, 'bad credentials', False), (400, 'invalid statement', False), (500, 'oops', False),
])
def test_answers(lms, http, status, body, sent):
    configuration = XAPIConfigurationFactory()
    enrollment = add_learner(configuration, lms, 'ada')
    http.add(http.POST, STATEMENTS, status=status, body=body)
    result = transmit(configuration)
    [(_, _, row_status, error_message, _)] = audit_rows(XAPILearnerDataTransmissionAudit)
    assert row_status == status
    assert (error_message == '') is sent
    assert (result.sent, result.failed) == ((1, 0) if sent else (0, 1))
    assert is_already_transmitted(XAPILearnerDataTransmissionAudit, enrollment.id, 'Pass',
                                  plugin_configuration_id=configuration.pk) is sent


@pytest.mark.usefixtures('ended_course')
def test_a_statement_the_lrs_already_holds_counts_as_sent_everywhere(lms, http, client):
    """A 409 (the LRS kept the first statement of that id) is sent: the next run, the summary and the API agree."""
    configuration = XAPIConfigurationFactory()
    add_learner(configuration, lms, 'ada')
    http.add(http.POST, STATEMENTS, status=409, body='Conflict: statement already stored')
    first = transmit(configuration)
    second = transmit(configuration)

    assert (first.sent, first.failed, second.sent, second.skipped) == (1, 0, 0, 1)
    assert len(statements(http)) == 1  # the next run does not send it again
    channel = get_channel('XAPI')
    [outcome] = configuration_outcomes(channel, channel.configuration_model.objects.filter(pk=configuration.pk))
    assert (outcome['sent'], outcome['failed'], outcome['last_error']) == (1, 0, None)
    rows = TransmissionRows(configuration.enterprise_customer, {'status': 'sent'})
    assert [(row['channel'], row['status']) for row in rows[0:10]] == [('XAPI', 409)]
    assert TransmissionRows(configuration.enterprise_customer, {'status': 'failed'}).count() == 0

    client.force_login(UserFactory(is_staff=True))
    customer_uuid = configuration.enterprise_customer.uuid
    listing = client.get(reverse('enterprise_export:api_transmissions', kwargs={'customer_uuid': customer_uuid}))
    [row] = listing.json()['results']
    assert (row['channel'], row['status'], row['http_status'], row['reason']) == ('XAPI', 'sent', 409, '')
    summary = client.get(reverse('enterprise_export:api_transmissions_summary',
                                 kwargs={'customer_uuid': customer_uuid}))
    assert [(item['channel'], item['sent'], item['failed']) for item in summary.json()] == [('XAPI', 1, 0)]


def test_a_learner_still_in_progress_is_not_sent(lms, http):
    lms.add_course(RUN, pacing='self')  # not ended: a learner who has not passed is in progress
    configuration = XAPIConfigurationFactory()
    add_learner(configuration, lms, 'ada', passed=False)
    result = transmit(configuration)
    assert statements(http) == []
    assert (result.sent, result.failed) == (0, 0)
    assert audit_rows(XAPILearnerDataTransmissionAudit) == []


@pytest.mark.usefixtures('ended_course')
def test_a_run_whose_answers_were_lost_sends_again_and_the_lrs_stores_nothing_twice(lms, channels):
    """A run killed after the LRS stored a statement but before its row was written: the rerun gets 409, sent."""
    configuration = XAPIConfigurationFactory()
    for username in ('ada', 'bob'):
        add_learner(configuration, lms, username)
    transmit(configuration)
    XAPILearnerDataTransmissionAudit.objects.all().delete()  # the answers that never got recorded

    again = transmit(configuration)
    assert (again.sent, again.failed) == (2, 0)
    assert sorted(statement['actor']['mbox'] for statement in channels.received['XAPI']) == [
        'mailto:ada@example.com', 'mailto:bob@example.com']
    assert channels.duplicates['XAPI'] == 2
    assert sorted(status for _, _, status, _, _ in audit_rows(XAPILearnerDataTransmissionAudit)) == [409, 409]


@pytest.mark.usefixtures('ended_course')
def test_the_standin_refuses_wrong_credentials(lms, channels):
    configuration = XAPIConfigurationFactory(secret='not-the-password')
    add_learner(configuration, lms, 'ada')
    result = transmit(configuration)
    assert (result.sent, result.failed) == (0, 1)
    assert audit_rows(XAPILearnerDataTransmissionAudit)[0][2] == 401
