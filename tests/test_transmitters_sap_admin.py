"""SAP SuccessFactors' admin path: one token for the configuration's own user, events to OCNLearningEvents."""

import base64
import json

import pytest
from django.core.exceptions import ValidationError

from enterprise_export.models import SapSuccessFactorsLearnerDataTransmissionAudit
from test_utils.factories import SAPConfigurationFactory
from test_utils.fake_channels import SAP
from test_utils.transmissions import END, END_MS, RUN, add_learner, audit_rows, transmit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]
TOKEN_URL = f'{SAP}/learning/oauth-api/rest/v1/token'
ADMIN_URL = f'{SAP}/learning/odatav4/public/admin/learningevent-service/v1/OCNLearningEvents'


@pytest.fixture
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end=END)


def admin_configuration(**fields):
    return SAPConfigurationFactory(prevent_self_submit_grades=True, sapsf_user_id='edx-service', **fields)


@pytest.mark.usefixtures('ended_course')
class TestAdminPath:

    def test_token_for_the_configuration_user_and_boolean_completion(self, lms, http):
        configuration = admin_configuration(user_type='admin')
        enrollment = add_learner(configuration, lms, 'ada', sap='SAP-1')
        http.add(http.POST, TOKEN_URL, json={'access_token': 'admin-token', 'expires_in': 3600})
        http.add(http.POST, ADMIN_URL, status=200, json={})
        result = transmit(configuration)

        [token_call] = [call for call in http.calls if call.request.url == TOKEN_URL]
        assert token_call.request.headers['Authorization'] == 'Basic ' + base64.b64encode(
            b'sap-client-id:sap-client-secret').decode()
        assert json.loads(token_call.request.body) == {'grant_type': 'client_credentials', 'scope': {
            'userId': 'edx-service', 'companyId': 'ACME', 'userType': 'admin', 'resourceType': 'learning_public_api'}}
        [event_call] = [call for call in http.calls if call.request.url == ADMIN_URL]
        assert event_call.request.headers['Authorization'] == 'Bearer admin-token'
        assert json.loads(event_call.request.body) == {
            'userID': 'SAP-1', 'courseID': 'edX+DemoX', 'providerID': 'EDX', 'courseCompleted': True,
            'completedTimestamp': END_MS, 'grade': 'Pass', 'totalHours': 0.0,
        }
        assert audit_rows(SapSuccessFactorsLearnerDataTransmissionAudit) == [
            (enrollment.id, 'edX+DemoX', 200, '', 'Pass')]
        assert (result.sent, result.failed) == (1, 0)

    def test_one_token_for_every_learner(self, lms, channels, http):
        configuration = admin_configuration()
        for index, username in enumerate(('ada', 'bob', 'cy')):
            add_learner(configuration, lms, username, passed=index != 1, sap=f'SAP-{index}')
        transmit(configuration)
        assert channels.tokens['SAP'] == 1
        assert sorted((payload['userID'], payload['courseCompleted']) for payload in channels.received['SAP']) == [
            ('SAP-0', True), ('SAP-1', False), ('SAP-2', True)]
        assert {call.request.url for call in http.calls if call.request.url.startswith(SAP)} == {TOKEN_URL, ADMIN_URL}

    def test_off_keeps_the_learners_path(self, lms, http, channels):
        configuration = SAPConfigurationFactory(sapsf_user_id='edx-service')
        add_learner(configuration, lms, 'ada', sap='SAP-1')
        transmit(configuration)
        assert [payload['courseCompleted'] for payload in channels.received['SAP']] == ['true']
        assert not [call for call in http.calls if call.request.url == ADMIN_URL]


def test_the_admin_path_needs_its_user():
    configuration = SAPConfigurationFactory.build(prevent_self_submit_grades=True, sapsf_user_id='')
    with pytest.raises(ValidationError) as raised:
        configuration.clean()
    assert 'sapsf_user_id' in raised.value.message_dict
