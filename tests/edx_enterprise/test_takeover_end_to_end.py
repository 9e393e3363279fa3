"""
The switch-over end to end, over real sockets: the demo population on edx-enterprise's tables,
what integrated channels sent written to its audit tables, the import, then a transmission to
the demo stand-in that sends nothing already sent.
"""

import io

import pytest
from django.core.management import call_command

from enterprise_export.channels import CHANNELS
from enterprise_export.models import CornerstoneLearnerIdentity
from enterprise_export.utils import from_epoch_milliseconds
from test_utils.demo_runs import load_demo, transmit_all
from tests.edx_enterprise.conftest import needs_edx_enterprise, original_model

pytestmark = [needs_edx_enterprise, pytest.mark.django_db]
ORIGINALS = {'SAP': 'sap_success_factors', 'DEGREED': 'degreed', 'CSOD': 'cornerstone'}
LEARNERS = 24


@pytest.fixture
def population(standin, settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    return load_demo(standin, LEARNERS)


def hand_over_to_integrated_channels():
    """
    Rewrite what this app holds after a transmission as edx-enterprise's integrated channels
    would hold it (configurations, global configurations, audit rows carrying Cornerstone
    identities), then forget this app's configurations, audit rows and identities.
    """
    identities = {(identity.enterprise_customer_user_id, identity.course_id): identity
                  for identity in CornerstoneLearnerIdentity.objects.all()}
    for code, app_label in ORIGINALS.items():
        channel = CHANNELS[code]
        for configuration in channel.configuration_model.objects.all():
            original = _original_configuration(code, app_label, configuration)
            for row in channel.transmitter_class.audit_model.objects.filter(plugin_configuration_id=configuration.pk):
                _original_audit_row(code, app_label, original, row, identities)
        channel.transmitter_class.audit_model.objects.all().delete()
        channel.configuration_model.objects.all().delete()
    CornerstoneLearnerIdentity.objects.all().delete()


def _original_configuration(code, app_label, configuration):
    common = {'enterprise_customer_id': configuration.enterprise_customer_id, 'active': True}
    if code == 'SAP':
        original_model(app_label, 'SAPSuccessFactorsGlobalConfiguration').objects.create(
            enabled=True, oauth_api_path=configuration.oauth_api_path, provider_id=configuration.provider_id,
            completion_status_api_path=configuration.completion_status_api_path)
        return original_model(app_label, 'SAPSuccessFactorsEnterpriseCustomerConfiguration').objects.create(
            sapsf_base_url=configuration.sapsf_base_url, sapsf_company_id=configuration.sapsf_company_id,
            decrypted_key=configuration.key, decrypted_secret=configuration.secret, idp_id=configuration.idp_id,
            transmit_total_hours=configuration.transmit_total_hours, **common)
    if code == 'DEGREED':
        original_model(app_label, 'DegreedGlobalConfiguration').objects.create(
            enabled=True, oauth_api_path=configuration.oauth_api_path,
            completion_status_api_path=configuration.completion_status_api_path)
        return original_model(app_label, 'DegreedEnterpriseCustomerConfiguration').objects.create(
            degreed_base_url=configuration.degreed_base_url, degreed_company_id=configuration.degreed_company_id,
            key=configuration.key, secret=configuration.secret, **common)
    original_model(app_label, 'CornerstoneGlobalConfiguration').objects.create(
        enabled=True, key=configuration.key, secret=configuration.secret,
        completion_status_api_path=configuration.completion_status_api_path)
    return original_model(app_label, 'CornerstoneEnterpriseCustomerConfiguration').objects.create(
        cornerstone_base_url=configuration.cornerstone_base_url, **common)


def _original_audit_row(code, app_label, original, row, identities):
    values = {
        'plugin_configuration_id': original.pk, 'enterprise_course_enrollment_id': row.enterprise_course_enrollment_id,
        'course_id': row.course_id, 'subsection_id': row.subsection_id or None,
        'course_completed': row.course_completed, 'status': str(row.status), 'error_message': row.error_message,
        'is_transmitted': row.sent_successfully,
        'completed_timestamp': from_epoch_milliseconds(row.completed_timestamp) if row.completed_timestamp else None,
    }
    if code == 'SAP':
        original_model(app_label, 'SapSuccessFactorsLearnerDataTransmissionAudit').objects.create(
            sapsf_user_id=row.sapsf_user_id, grade=row.grade, total_hours=row.total_hours,
            sap_completed_timestamp=row.completed_timestamp, **values)
    elif code == 'DEGREED':
        original_model(app_label, 'DegreedLearnerDataTransmissionAudit').objects.create(
            degreed_user_email=row.degreed_user_email, grade=0.9, **values)
    else:
        learner = _learner_of(row.enterprise_course_enrollment_id)
        identity = identities[(learner.pk, row.course_id)]
        original_model(app_label, 'CornerstoneLearnerDataTransmissionAudit').objects.create(
            user_id=learner.user_id, user_guid=row.user_guid, grade=row.grade,
            session_token=identity.session_token, callback_url=identity.callback_url,
            subdomain=identity.subdomain, **values)


def _learner_of(enrollment_id):
    return original_model('enterprise', 'EnterpriseCourseEnrollment')._base_manager.get(
        pk=enrollment_id).enterprise_customer_user


def audit_rows():
    return {code: CHANNELS[code].transmitter_class.audit_model.objects.count() for code in ORIGINALS}


def test_after_the_switch_nothing_already_sent_is_sent_again(population, standin, capsys):
    transmit_all()
    received_before = {code: len(standin.channels.received[code]) for code in ORIGINALS}
    rows_before = audit_rows()
    assert all(received_before.values())
    hand_over_to_integrated_channels()
    standin.channels.reset()

    output = io.StringIO()
    call_command('import_integrated_channels', stdout=output)
    with capsys.disabled():
        print('\n' + output.getvalue())
    assert output.getvalue().splitlines()[-1] == (
        f'Total: 3 configurations (3 created, 0 updated, 0 unchanged), 0 skipped, {sum(rows_before.values())} '
        f"audit rows, {rows_before['CSOD']} identities, 0 bad rows skipped.")
    assert audit_rows() == rows_before
    assert CornerstoneLearnerIdentity.objects.count() == rows_before['CSOD']

    summary = transmit_all()
    with capsys.disabled():
        print(summary)
    assert {code: len(standin.channels.received[code]) for code in ORIGINALS} == {code: 0 for code in ORIGINALS}
    assert summary.splitlines()[-1].startswith('Total: 0 sent,')
