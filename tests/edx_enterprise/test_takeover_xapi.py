"""Taking over edx-enterprise's xAPI configurations and the statements it sent (SPEC 13 and 17)."""

import datetime

import pytest
import time_machine

from enterprise_export.channels import get_channel
from enterprise_export.models import XAPIEnterpriseCustomerConfiguration, XAPILearnerDataTransmissionAudit
from enterprise_export.takeover import import_integrated_channels
from test_utils.factories import EnterpriseCustomerFactory, UserFactory, consenting_enrollment
from tests.edx_enterprise.conftest import SENT_AT_MS, needs_edx_enterprise

RUN = 'course-v1:edX+DemoX+Demo_2026'
pytestmark = [needs_edx_enterprise, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def fixed_clock(settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        yield


def learner(customer, username, lms=None):
    user = UserFactory(username=username, email=f'{username}@example.com')
    enrollment = consenting_enrollment(customer, RUN, user=user)
    if lms is not None:
        lms.learner(username, RUN, passed=True, percent=0.9)
    return user, enrollment


def test_the_lrs_configuration_is_imported_with_its_credentials_once(integrated_channels):
    customer = EnterpriseCustomerFactory()
    original = integrated_channels.xapi(customer, version='1.0.1')
    integrated_channels.xapi(EnterpriseCustomerFactory(), active=False)
    first = import_integrated_channels(channel_code='XAPI')
    assert [(item.channel, item.action) for item in first.configurations] == [('XAPI', 'created'), ('XAPI', 'created')]
    ours = XAPIEnterpriseCustomerConfiguration.objects.get(imported_from_id=original.pk)
    assert (ours.enterprise_customer_id, ours.lrs_endpoint, ours.version, ours.key, ours.secret, ours.active) == (
        customer.pk, 'https://lrs.example.com/xAPI/', '1.0.1', 'lrs-user', 'lrs-password', True)
    assert XAPIEnterpriseCustomerConfiguration.objects.filter(active=False).count() == 1
    second = import_integrated_channels(channel_code='XAPI')
    assert [item.action for item in second.configurations] == ['unchanged', 'unchanged']
    assert XAPIEnterpriseCustomerConfiguration.objects.count() == 2


def test_completions_it_sent_are_imported_and_enrollment_statements_are_not(integrated_channels):
    customer = EnterpriseCustomerFactory()
    original = integrated_channels.xapi(customer)
    ada, completed = learner(customer, 'ada')
    bob, enrolled_only = learner(customer, 'bob')
    cyd, refused = learner(customer, 'cyd')
    integrated_channels.xapi_audit(original, completed, ada)
    integrated_channels.xapi_audit(original, enrolled_only, bob, course_completed=False, grade=None)
    integrated_channels.xapi_audit(original, refused, cyd, status='500', error_message='LRS down')
    [item] = import_integrated_channels(channel_code='XAPI').configurations
    assert item.audit_rows == 1
    [row] = XAPILearnerDataTransmissionAudit.objects.all()
    assert (row.enterprise_course_enrollment_id, row.course_id, row.grade, row.status, row.completed_timestamp,
            row.xapi_user_email, row.statement_id, row.plugin_configuration_id) == (
        completed.pk, RUN, 'Pass', 200, SENT_AT_MS, 'ada@example.com', '', item.configuration_id)
    assert import_integrated_channels(channel_code='XAPI').configurations[0].audit_rows == 0


def test_after_the_import_the_lrs_is_sent_only_what_it_was_not(integrated_channels, lms, channels):
    customer = EnterpriseCustomerFactory()
    original = integrated_channels.xapi(customer, endpoint='https://lrs.example.com/xAPI')
    lms.add_course(RUN, pacing='self', end='2026-03-31T00:00:00Z')
    ada, sent = learner(customer, 'ada', lms)
    learner(customer, 'bob', lms)
    integrated_channels.xapi_audit(original, sent, ada)
    import_integrated_channels()
    configuration = XAPIEnterpriseCustomerConfiguration.objects.get()
    channel = get_channel('XAPI')
    summary = channel.build_transmitter(configuration).transmit(channel.build_exporter('worker', configuration))
    # The stand-in LRS checks the basic auth: the imported credentials work.
    assert [statement['actor']['mbox'] for statement in channels.received['XAPI']] == ['mailto:bob@example.com']
    assert (summary.sent, summary.failed) == (1, 0)
