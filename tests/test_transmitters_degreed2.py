"""Degreed v2: the exact token and completion requests, the percentile, and what the audit rows say."""

import json
from urllib.parse import parse_qs

import pytest

from enterprise_export.models import Degreed2LearnerDataTransmissionAudit
from test_utils.factories import Degreed2ConfigurationFactory, UserFactory, consenting_enrollment
from test_utils.fake_channels import DEGREED2, DEGREED2_AUTH
from test_utils.transmissions import END, RUN, add_learner, audit_rows, transmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]
COMPLETIONS = f'{DEGREED2}/api/v2/completions'


def degreed2_calls(http, url):
    return [call for call in http.calls if call.request.url == url]


def completion(email, course_id, percentile, completed_at='2026-03-31T17:45:00'):
    return {'data': {'attributes': {
        'user-id': email, 'user-identifier-type': 'Email', 'content-id': course_id,
        'content-id-type': 'externalId', 'content-type': 'course', 'completed-at': completed_at,
        'percentile': percentile,
    }}}


@pytest.fixture
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end=END)


@pytest.mark.usefixtures('ended_course')
class TestRequests:

    def test_token_form_bearer_and_json_body(self, lms, http):
        configuration = Degreed2ConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada')
        http.add(http.POST, f'{DEGREED2}/oauth/token', json={'access_token': 'tok-2', 'expires_in': 3600})
        http.add(http.POST, COMPLETIONS, status=201, json={'data': {'id': 'c-1'}})
        result = transmit(configuration)

        [token_call] = degreed2_calls(http, f'{DEGREED2}/oauth/token')
        assert token_call.request.headers['Content-Type'] == 'application/x-www-form-urlencoded'
        assert parse_qs(token_call.request.body) == {
            'grant_type': ['client_credentials'], 'client_id': ['degreed2-client-id'],
            'client_secret': ['degreed2-client-secret'], 'scope': ['completions:write']}
        [completion_call] = degreed2_calls(http, COMPLETIONS)
        assert completion_call.request.headers['Authorization'] == 'Bearer tok-2'
        assert json.loads(completion_call.request.body) == completion('ada@example.com', 'edX+DemoX', 90.0)
        assert audit_rows(Degreed2LearnerDataTransmissionAudit) == [(enrollment.id, 'edX+DemoX', 201, '', 'Pass')]
        assert (result.sent, result.skipped, result.failed) == (1, 1, 0)

    def test_tokens_from_their_own_host_once_per_configuration(self, lms, channels, http):
        configuration = Degreed2ConfigurationFactory(degreed_token_fetch_base_url=f'{DEGREED2_AUTH}/')
        for username in ('ada', 'bob', 'cy'):
            add_learner(configuration, lms, username)
        transmit(configuration)
        assert len(degreed2_calls(http, f'{DEGREED2_AUTH}/oauth/token')) == 1
        assert not degreed2_calls(http, f'{DEGREED2}/oauth/token')
        assert channels.tokens['DEGREED2'] == 1
        assert sorted(payload['data']['attributes']['user-id'] for payload in channels.received['DEGREED2']) == [
            'ada@example.com', 'bob@example.com', 'cy@example.com']

    def test_failed_learners_are_not_sent(self, lms, channels):
        configuration = Degreed2ConfigurationFactory()
        add_learner(configuration, lms, 'ada', passed=False)
        result = transmit(configuration)
        assert channels.received['DEGREED2'] == [] and result.skipped == 2
        assert audit_rows(Degreed2LearnerDataTransmissionAudit) == []

    def test_a_refused_course_key_lets_the_run_id_go(self, lms, channels):
        configuration = Degreed2ConfigurationFactory()
        enrollment = add_learner(configuration, lms, 'ada')
        channels.fail('DEGREED2', 400, 'unknown content',
                      when=lambda payload: payload['data']['attributes']['content-id'] == 'edX+DemoX')
        transmit(configuration)
        assert [payload['data']['attributes']['content-id'] for payload in channels.received['DEGREED2']] == [RUN]
        assert audit_rows(Degreed2LearnerDataTransmissionAudit) == [
            (enrollment.id, 'edX+DemoX', 400, 'unknown content', 'Pass'), (enrollment.id, RUN, 200, '', 'Pass')]


@pytest.mark.parametrize(('certificate_grade', 'percentile'), [('0.9', 90.0), ('0.82', 82.0), ('', None)])
def test_percentile_of_a_certificate(lms, channels, certificate_grade, percentile):
    lms.add_course(RUN, pacing='instructor', end=END)
    configuration = Degreed2ConfigurationFactory()
    user = UserFactory(username='ada', email='ada@example.com')
    consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
    lms.learner('ada', RUN, certificate={'created_date': '2026-05-01T10:00:00Z', 'grade': certificate_grade})
    transmit(configuration)
    assert channels.received['DEGREED2'] == [
        completion('ada@example.com', 'edX+DemoX', percentile, completed_at='2026-05-01T10:00:00')]


@pytest.mark.usefixtures('ended_course')
def test_a_cached_token_never_goes_to_a_new_host(lms, http):
    configuration = Degreed2ConfigurationFactory()
    add_learner(configuration, lms, 'ada')
    http.add(http.POST, f'{DEGREED2}/oauth/token', json={'access_token': 'token-of-degreed', 'expires_in': 3600})
    http.add(http.POST, COMPLETIONS, status=201, json={})
    transmit(configuration)

    elsewhere = 'https://collector.example.net'
    configuration.degreed_base_url = elsewhere
    configuration.save()
    add_learner(configuration, lms, 'bob')
    http.add(http.POST, f'{elsewhere}/oauth/token', json={'access_token': 'token-of-elsewhere', 'expires_in': 3600})
    http.add(http.POST, f'{elsewhere}/api/v2/completions', status=201, json={})
    transmit(configuration)

    [sent_elsewhere] = degreed2_calls(http, f'{elsewhere}/api/v2/completions')
    assert sent_elsewhere.request.headers['Authorization'] == 'Bearer token-of-elsewhere'
    assert len(degreed2_calls(http, f'{elsewhere}/oauth/token')) == 1
