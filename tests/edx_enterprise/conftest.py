"""
Builders of edx-enterprise's integrated-channels rows, for the tests that run on its real models
(``make test-edx-enterprise``). edx-enterprise's models are reached through the app registry so
that this module imports where it is not installed (its tests are then skipped).
"""

import datetime

import pytest
from django.apps import apps

from test_utils.fake_channels import DEGREED, SAP

EDX_ENTERPRISE = apps.is_installed('enterprise')
needs_edx_enterprise = pytest.mark.skipif(
    not EDX_ENTERPRISE, reason="needs edx-enterprise's models: run make test-edx-enterprise")

SENT_AT = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=datetime.UTC)
SENT_AT_MS = int(SENT_AT.timestamp() * 1000)


def original_model(app_label, name):
    return apps.get_model(app_label, name)


class IntegratedChannels:
    """Writes edx-enterprise configurations, global configurations and audit rows as an LMS holds them."""

    def global_configurations(self):
        original_model('sap_success_factors', 'SAPSuccessFactorsGlobalConfiguration').objects.create(
            enabled=True, oauth_api_path='learning/oauth-api/rest/v1/token',
            completion_status_api_path='learning/odatav4/public/admin/ocn/v1/current-user/item/learning-event',
            course_api_path='learning/odatav4/searchStudent/v1', search_student_api_path='learning/student',
            provider_id='EDX')
        original_model('degreed', 'DegreedGlobalConfiguration').objects.create(
            enabled=True, oauth_api_path='oauth/token', completion_status_api_path='api/v1/provider/completion/course',
            course_api_path='api/v1/provider/content/course')
        original_model('cornerstone', 'CornerstoneGlobalConfiguration').objects.create(
            enabled=True, key='csod-user', secret='csod-password', completion_status_api_path='/progress',
            oauth_api_path='/oauth')

    def sap(self, customer, **fields):
        fields = {'sapsf_base_url': SAP, 'sapsf_company_id': 'ACME', 'decrypted_key': 'sap-client-id',
                  'decrypted_secret': 'sap-client-secret', 'idp_id': 'saml-acme', 'transmission_chunk_size': 1,
                  **fields}
        return original_model('sap_success_factors', 'SAPSuccessFactorsEnterpriseCustomerConfiguration').objects.create(
            enterprise_customer=customer, active=True, **fields)

    def degreed(self, customer, **fields):
        fields = {'degreed_base_url': DEGREED, 'degreed_company_id': 'ORG-1', 'key': 'degreed-client-id',
                  'secret': 'degreed-client-secret', **fields}
        return original_model('degreed', 'DegreedEnterpriseCustomerConfiguration').objects.create(
            enterprise_customer=customer, active=True, **fields)

    def degreed2(self, customer, **fields):
        fields = {'degreed_base_url': 'https://degreed2.example.com', 'decrypted_client_id': 'degreed2-client-id',
                  'decrypted_client_secret': 'degreed2-client-secret', **fields}
        return original_model('degreed2', 'Degreed2EnterpriseCustomerConfiguration').objects.create(
            enterprise_customer=customer, active=True, **fields)

    def cornerstone(self, customer, **fields):
        fields = {'cornerstone_base_url': 'https://{subdomain}.csod.example.com', **fields}
        return original_model('cornerstone', 'CornerstoneEnterpriseCustomerConfiguration').objects.create(
            enterprise_customer=customer, active=True, **fields)

    def xapi(self, customer, **fields):
        fields = {'endpoint': 'https://lrs.example.com/xAPI/', 'version': '1.0.3', 'key': 'lrs-user',
                  'secret': 'lrs-password', 'active': True, **fields}
        return original_model('xapi', 'XAPILRSConfiguration').objects.create(enterprise_customer=customer, **fields)

    def xapi_audit(self, configuration, enrollment, user, **fields):
        """A completion statement's row as edx-enterprise's xAPI writes it: no configuration id, the percent grade."""
        fields = {'user': user, 'user_email': user.email, 'grade': 0.9, 'plugin_configuration_id': None,
                  'is_transmitted': False, **fields}
        return self.audit('xapi', 'XAPILearnerDataTransmissionAudit', configuration, enrollment, **fields)

    @staticmethod
    def audit(app_label, name, configuration, enrollment, **fields):
        """An audit row as edx-enterprise writes it after a successful send (override to make others)."""
        values = {
            'plugin_configuration_id': configuration.pk,
            'enterprise_customer_uuid': configuration.enterprise_customer_id,
            'enterprise_course_enrollment_id': enrollment.pk if enrollment is not None else None,
            'course_id': enrollment.course_id if enrollment is not None else 'course-v1:edX+DemoX+Demo_2026',
            'course_completed': True, 'completed_timestamp': SENT_AT, 'status': '200', 'error_message': '',
            'is_transmitted': True, **fields,
        }
        return original_model(app_label, name).objects.create(**values)

    def sap_audit(self, configuration, enrollment, **fields):
        fields = {'sapsf_user_id': 'SAP-1', 'grade': 'Pass', 'sap_completed_timestamp': SENT_AT_MS, **fields}
        return self.audit('sap_success_factors', 'SapSuccessFactorsLearnerDataTransmissionAudit',
                          configuration, enrollment, **fields)

    def degreed_audit(self, configuration, enrollment, **fields):
        fields = {'degreed_user_email': 'learner@example.com', 'grade': 0.9, **fields}
        return self.audit('degreed', 'DegreedLearnerDataTransmissionAudit', configuration, enrollment, **fields)

    def cornerstone_audit(self, configuration, enrollment, user, **fields):
        fields = {'user': user, 'user_guid': 'guid-1', 'session_token': 'session-1',
                  'callback_url': '/services/x/progress', 'subdomain': 'acme', 'grade': 'Pass', **fields}
        return self.audit('cornerstone', 'CornerstoneLearnerDataTransmissionAudit', configuration, enrollment,
                          **fields)


@pytest.fixture
def integrated_channels(db):
    channels = IntegratedChannels()
    channels.global_configurations()
    return channels
