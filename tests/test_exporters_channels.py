"""Channel exporters: the learner's identity on each channel, and the records each channel gets."""

import datetime
import logging

import pytest
import time_machine

from enterprise_export.exporters.cornerstone import CornerstoneLearnerExporter
from enterprise_export.exporters.degreed import DegreedLearnerExporter
from enterprise_export.exporters.sap_success_factors import SapSuccessFactorsLearnerExporter, effort_hours
from enterprise_export.models import (
    CornerstoneLearnerDataTransmissionAudit,
    DegreedLearnerDataTransmissionAudit,
    SapSuccessFactorsLearnerDataTransmissionAudit,
)
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.fake_lms import Failure

UTC = datetime.UTC
RUN = 'course-v1:edX+DemoX+Demo_2026'
END = '2026-03-31T00:00:00Z'
END_MS = int(datetime.datetime(2026, 3, 31, tzinfo=UTC).timestamp() * 1000)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        yield


def passing_learner(customer, lms, username='ada', email='ada@example.com', **course):
    lms.add_course(RUN, pacing='self', end=END, **course)
    user = UserFactory(username=username, email=email)
    enrollment = consenting_enrollment(customer, RUN, user=user)
    lms.learner(username, RUN, passed=True, percent=0.9)
    return enrollment


def summary(record):
    return (type(record), record.enterprise_course_enrollment_id, record.course_id, record.course_completed,
            record.completed_timestamp, record.grade, record.plugin_configuration_id)


class TestSap:

    def test_two_records_course_key_then_run(self, lms):
        configuration = SAPConfigurationFactory()
        enrollment = passing_learner(configuration.enterprise_customer, lms)
        lms.remote_ids[('saml-acme', 'ada')] = 'SAP-0042'
        records = list(SapSuccessFactorsLearnerExporter('worker', configuration).export())
        model = SapSuccessFactorsLearnerDataTransmissionAudit
        assert [summary(record) for record in records] == [
            (model, enrollment.id, 'edX+DemoX', True, END_MS, 'Pass', configuration.pk),
            (model, enrollment.id, RUN, True, END_MS, 'Pass', configuration.pk),
        ]
        assert {record.sapsf_user_id for record in records} == {'SAP-0042'}
        assert {record.total_hours for record in records} == {0.0}

    def test_no_remote_id_no_record_and_no_personal_data_in_logs(self, lms, caplog):
        configuration = SAPConfigurationFactory()
        passing_learner(configuration.enterprise_customer, lms)
        with caplog.at_level(logging.DEBUG, logger='enterprise_export'):
            assert list(SapSuccessFactorsLearnerExporter('worker', configuration).export()) == []
        assert any('No SAP user id' in record.getMessage() for record in caplog.records)
        assert not any('ada' in record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)

    def test_remote_id_lookup_failure_skips_only_that_learner(self, lms, settings):
        settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
        configuration = SAPConfigurationFactory()
        passing_learner(configuration.enterprise_customer, lms)
        kept = consenting_enrollment(configuration.enterprise_customer, RUN, user=UserFactory(username='bob'))
        lms.learner('bob', RUN, passed=True)
        lms.remote_ids[('saml-acme', 'bob')] = 'SAP-B'
        lms.remote_ids[('saml-acme', 'ada')] = Failure(503)
        records = list(SapSuccessFactorsLearnerExporter('worker', configuration).export())
        assert {record.enterprise_course_enrollment_id for record in records} == {kept.id}

    def test_total_hours_from_course_effort(self, lms):
        configuration = SAPConfigurationFactory(transmit_total_hours=True)
        passing_learner(configuration.enterprise_customer, lms, effort='5:30')
        lms.remote_ids[('saml-acme', 'ada')] = 'SAP-0042'
        records = list(SapSuccessFactorsLearnerExporter('worker', configuration).export())
        assert [record.total_hours for record in records] == [5.5, 5.5]
        assert lms.calls['course'] == 1

    @pytest.mark.parametrize('effort, hours', [('5:30', 5.5), ('0:45', 0.75), (None, 0.0), ('', 0.0),
                                               ('a while', 0.0), ('12:00', 12.0)])
    def test_effort_hours(self, effort, hours):
        assert effort_hours(effort) == hours


class TestDegreed:

    def test_two_records_with_the_email(self, lms):
        configuration = DegreedConfigurationFactory()
        enrollment = passing_learner(configuration.enterprise_customer, lms)
        records = list(DegreedLearnerExporter('worker', configuration).export())
        model = DegreedLearnerDataTransmissionAudit
        assert [summary(record) for record in records] == [
            (model, enrollment.id, 'edX+DemoX', True, END_MS, 'Pass', configuration.pk),
            (model, enrollment.id, RUN, True, END_MS, 'Pass', configuration.pk),
        ]
        assert {record.degreed_user_email for record in records} == {'ada@example.com'}

    def test_no_email_no_record(self, lms):
        configuration = DegreedConfigurationFactory()
        passing_learner(configuration.enterprise_customer, lms, email='')
        assert list(DegreedLearnerExporter('worker', configuration).export()) == []


class TestCornerstone:

    def test_one_record_for_the_course_key(self, lms):
        configuration = CornerstoneConfigurationFactory()
        enrollment = passing_learner(configuration.enterprise_customer, lms)
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user,
                                          user_guid='GUID-1')
        records = list(CornerstoneLearnerExporter('worker', configuration).export())
        model = CornerstoneLearnerDataTransmissionAudit
        assert [summary(record) for record in records] == [
            (model, enrollment.id, 'edX+DemoX', True, END_MS, 'Pass', configuration.pk),
        ]
        assert records[0].user_guid == 'GUID-1'

    def test_no_identity_no_record(self, lms):
        configuration = CornerstoneConfigurationFactory()
        enrollment = passing_learner(configuration.enterprise_customer, lms)
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user,
                                          course_id='edX+OtherX')
        assert list(CornerstoneLearnerExporter('worker', configuration).export()) == []
