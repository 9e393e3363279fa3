"""The learner exporter: who is reported, what the LMS says about them, and how failures stay local."""

import datetime
import logging
import re

import pytest
import requests
import time_machine

from demo.standin.http import Answer
from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.exporters.request import ExportRequest
from enterprise_export.models import LearnerDataTransmissionAudit, get_customer_user_model
from test_utils.factories import (
    DataSharingConsentFactory,
    EnterpriseCourseEnrollmentFactory,
    EnterpriseCustomerFactory,
    LearnerDataTransmissionAuditFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.fake_lms import LMS, Failure

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
RUN = 'course-v1:edX+DemoX+Demo_2026'
PAST_END = '2026-03-31T00:00:00Z'
PAST_END_MS = int(datetime.datetime(2026, 3, 31, tzinfo=UTC).timestamp() * 1000)
FUTURE_END = '2026-12-31T00:00:00Z'
CERT_DATE = '2026-05-01T10:00:00Z'
CERT_MS = int(datetime.datetime(2026, 5, 1, 10, tzinfo=UTC).timestamp() * 1000)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]


@pytest.fixture
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


class RecordingExporter(LearnerExporter):
    """Keeps the arguments of every ``get_learner_data_records`` call: the columns of SPEC's tables."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        self.rows.append((enrollment.id, completed_date, grade, is_passing, grade_percent))
        return super().get_learner_data_records(enrollment, completed_date, grade, is_passing, grade_percent)


def fields(record):
    return (record.enterprise_course_enrollment_id, record.course_id, record.subsection_id,
            record.course_completed, record.completed_timestamp, record.grade)


def export(configuration, **kwargs):
    return list(LearnerExporter('api_worker', configuration).export(**kwargs))


def learner(customer, lms, course_id=RUN, username=None, **lms_facts):
    """A consenting learner's enrollment, and what the LMS knows of it."""
    user = UserFactory(username=username) if username else UserFactory()
    enrollment = consenting_enrollment(customer, course_id, user=user)
    lms.learner(user.username, course_id, **lms_facts)
    return enrollment


class TestCertificatePath:
    """Instructor-paced runs of non-audit enrollments: the certificate decides."""

    @pytest.fixture(autouse=True)
    def instructor_paced(self, lms):
        lms.add_course(RUN, pacing='instructor', end=PAST_END)

    def run(self, customer, configuration, lms, certificate):
        enrollment = learner(customer, lms, username='ada', certificate=certificate)
        exporter = RecordingExporter('api_worker', configuration)
        records = list(exporter.export())
        return enrollment, exporter.rows, records

    def test_passing_certificate_with_a_date(self, customer, configuration, lms):
        enrollment, rows, records = self.run(customer, configuration, lms, {
            'is_passing': True, 'created_date': CERT_DATE, 'grade': '0.82'})
        assert rows == [(enrollment.id, datetime.datetime(2026, 5, 1, 10, tzinfo=UTC), 'Pass', True, '0.82')]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', True, CERT_MS, 'Pass')]
        assert lms.calls['grades'] == 0

    def test_failing_certificate(self, customer, configuration, lms):
        enrollment, rows, records = self.run(customer, configuration, lms, {
            'is_passing': False, 'created_date': CERT_DATE, 'grade': '0.41'})
        assert rows == [(enrollment.id, datetime.datetime(2026, 5, 1, 10, tzinfo=UTC), 'Fail', False, '0.41')]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', False, CERT_MS, 'Fail')]

    def test_certificate_without_a_date_is_completed_now(self, customer, configuration, lms):
        enrollment, rows, records = self.run(customer, configuration, lms, {
            'is_passing': True, 'created_date': None, 'grade': '0.9'})
        assert rows == [(enrollment.id, NOW, 'Pass', True, '0.9')]
        assert records[0].completed_timestamp == NOW_MS

    def test_no_certificate_is_in_progress(self, customer, configuration, lms):
        enrollment, rows, records = self.run(customer, configuration, lms, None)
        assert rows == [(enrollment.id, None, 'In Progress', False, None)]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', False, None, 'In Progress')]

    def test_audit_enrollment_of_an_instructor_paced_run_takes_the_grades_path(self, customer, configuration, lms):
        customer.enable_audit_enrollment = customer.enable_audit_data_reporting = True
        customer.save()
        enrollment = learner(customer, lms, mode='audit', passed=True, percent=0.8,
                             certificate={'is_passing': True})
        records = export(configuration)
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', True, PAST_END_MS, 'Audit')]
        assert lms.calls['certificate'] == 0 and lms.calls['grades'] == 1


class TestGradesPath:
    """Self-paced runs, and audit enrollments: the course grade and the run's end decide."""

    def run(self, customer, configuration, lms, end, **grade):
        lms.add_course(RUN, pacing='self', end=end)
        enrollment = learner(customer, lms, username='ada', **grade)
        exporter = RecordingExporter('api_worker', configuration)
        records = list(exporter.export())
        return enrollment, exporter.rows, records

    def test_user_not_enrolled_404_gives_an_empty_record(self, customer, configuration, lms, caplog):
        with caplog.at_level(logging.INFO, logger='enterprise_export'):
            enrollment, rows, records = self.run(customer, configuration, lms, PAST_END)
        assert rows == [(enrollment.id, None, None, None, None)]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', False, None, None)]
        assert [record.levelname for record in caplog.records if 'not enrolled' in record.message] == ['INFO']

    def test_other_404_gives_an_empty_record_and_an_error(self, customer, configuration, lms, caplog):
        lms.grades[('ada', RUN)] = Failure(404, '')
        enrollment, rows, _ = self.run(customer, configuration, lms, PAST_END)
        assert rows == [(enrollment.id, None, None, None, None)]
        assert any(record.levelname == 'ERROR' and 'No grade' in record.message for record in caplog.records)

    @pytest.mark.parametrize('passed, word', [(True, 'Pass'), (False, 'Fail')])
    def test_ended_run_reports_at_its_end(self, customer, configuration, lms, passed, word):
        enrollment, rows, records = self.run(customer, configuration, lms, PAST_END, passed=passed, percent=0.66)
        assert rows == [(enrollment.id, datetime.datetime(2026, 3, 31, tzinfo=UTC), word, passed, 0.66)]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', passed, PAST_END_MS, word)]

    @pytest.mark.parametrize('passed', [True, False])
    def test_ended_run_reports_audit_enrollments_as_audit(self, customer, configuration, lms, passed):
        customer.enable_audit_enrollment = customer.enable_audit_data_reporting = True
        customer.save()
        enrollment, rows, _ = self.run(customer, configuration, lms, PAST_END, mode='honor', passed=passed,
                                       percent=0.5)
        assert rows == [(enrollment.id, datetime.datetime(2026, 3, 31, tzinfo=UTC), 'Audit', passed, 0.5)]

    @pytest.mark.parametrize('end', [FUTURE_END, None])
    def test_passed_before_the_end_is_completed_now(self, customer, configuration, lms, end):
        enrollment, rows, records = self.run(customer, configuration, lms, end, passed=True, percent=0.93)
        assert rows == [(enrollment.id, NOW, 'Pass', True, 0.93)]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', True, NOW_MS, 'Pass')]

    @pytest.mark.parametrize('end', [FUTURE_END, None])
    def test_not_passed_before_the_end_is_in_progress(self, customer, configuration, lms, end):
        enrollment, rows, records = self.run(customer, configuration, lms, end, passed=False, percent=0.2)
        assert rows == [(enrollment.id, None, 'In Progress', False, 0.2)]
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', False, None, 'In Progress')]

    def test_self_paced_run_asks_no_certificate(self, customer, configuration, lms):
        self.run(customer, configuration, lms, PAST_END, passed=True)
        assert lms.calls['certificate'] == 0 and lms.calls['grades'] == 1


class TestWhoIsExported:

    @pytest.fixture(autouse=True)
    def course(self, lms):
        lms.add_course(RUN, pacing='self', end=PAST_END)

    def exported_ids(self, configuration):
        return [record.enterprise_course_enrollment_id for record in export(configuration)]

    def enrolled_user(self, customer, lms, **learner_fields):
        user = UserFactory()
        learner_row = get_customer_user_model().all_objects.create(
            enterprise_customer=customer, user_id=user.pk, **learner_fields)
        enrollment = EnterpriseCourseEnrollmentFactory(enterprise_customer_user=learner_row, course_id=RUN)
        lms.learner(user.username, RUN, passed=True)
        return user, enrollment

    def test_no_consent_row_is_not_exported_and_asks_the_lms_nothing(self, customer, configuration, lms):
        self.enrolled_user(customer, lms)
        assert self.exported_ids(configuration) == []
        assert sum(lms.calls.values()) == 0

    @pytest.mark.parametrize('granted', [False, None])
    def test_refused_or_undecided_consent_is_not_exported(self, customer, configuration, lms, granted):
        user, _ = self.enrolled_user(customer, lms)
        DataSharingConsentFactory(enterprise_customer=customer, username=user.username, course_id=RUN,
                                  granted=granted)
        assert self.exported_ids(configuration) == []

    def test_consent_on_the_course_key_covers_the_run(self, customer, configuration, lms):
        user, enrollment = self.enrolled_user(customer, lms)
        DataSharingConsentFactory(enterprise_customer=customer, username=user.username, course_id='edX+DemoX')
        assert self.exported_ids(configuration) == [enrollment.id]

    def test_refusal_on_the_run_beats_consent_on_the_course_key(self, customer, configuration, lms):
        user, _ = self.enrolled_user(customer, lms)
        DataSharingConsentFactory(enterprise_customer=customer, username=user.username, course_id='edX+DemoX')
        DataSharingConsentFactory(enterprise_customer=customer, username=user.username, course_id=RUN,
                                  granted=False)
        assert self.exported_ids(configuration) == []

    def test_consent_given_to_another_customer_does_not_count(self, customer, configuration, lms):
        user, _ = self.enrolled_user(customer, lms)
        DataSharingConsentFactory(enterprise_customer=EnterpriseCustomerFactory(), username=user.username,
                                  course_id=RUN)
        assert self.exported_ids(configuration) == []

    @pytest.mark.parametrize('learner_fields', [{'active': False}, {'linked': False}])
    def test_inactive_or_unlinked_learners_are_not_exported(self, customer, configuration, lms, learner_fields):
        user, _ = self.enrolled_user(customer, lms, **learner_fields)
        DataSharingConsentFactory(enterprise_customer=customer, username=user.username, course_id=RUN)
        assert self.exported_ids(configuration) == []
        assert sum(lms.calls.values()) == 0

    def test_another_customers_learners_are_not_exported(self, customer, configuration, lms):
        learner(EnterpriseCustomerFactory(), lms, passed=True)
        mine = learner(customer, lms, passed=True)
        assert self.exported_ids(configuration) == [mine.id]

    @pytest.mark.parametrize('mode', ['audit', 'honor'])
    def test_audit_enrollment_without_audit_reporting_asks_no_grade(self, customer, configuration, lms, mode):
        learner(customer, lms, mode=mode, passed=True)
        assert self.exported_ids(configuration) == []
        assert lms.calls['enrollment'] == 1 and lms.calls['grades'] == 0 and lms.calls['certificate'] == 0

    @pytest.mark.parametrize('flags', [
        {'enable_audit_enrollment': True}, {'enable_audit_data_reporting': True},
    ])
    def test_one_audit_flag_is_not_enough(self, customer, configuration, lms, flags):
        EnterpriseCustomerFactory._meta.model.objects.filter(pk=customer.pk).update(**flags)
        configuration.enterprise_customer.refresh_from_db()
        learner(customer, lms, mode='audit', passed=True)
        assert self.exported_ids(configuration) == []

    def test_audit_enrollment_with_audit_reporting_is_exported(self, customer, configuration, lms):
        customer.enable_audit_enrollment = customer.enable_audit_data_reporting = True
        customer.save()
        enrollment = learner(customer, lms, mode='audit', passed=True)
        assert self.exported_ids(configuration) == [enrollment.id]

    def test_unknown_lms_enrollment_is_not_an_audit_enrollment(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        lms.enrollments.clear()
        assert self.exported_ids(configuration) == [enrollment.id]

    def test_audit_modes_come_from_the_setting(self, customer, configuration, lms, settings):
        settings.ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES = ['verified']
        learner(customer, lms, mode='verified', passed=True)
        audit = learner(customer, lms, mode='audit', passed=True)
        assert self.exported_ids(configuration) == [audit.id]

    def test_a_course_without_details_skips_only_its_enrollments(self, customer, configuration, lms, caplog):
        missing_run = 'course-v1:edX+Gone+2020'
        gone = learner(customer, lms, course_id=missing_run, passed=True)
        kept = learner(customer, lms, passed=True)
        assert self.exported_ids(configuration) == [kept.id]
        errors = [record for record in caplog.records if record.levelname == 'ERROR']
        assert any(str(gone.id) in record.getMessage() and missing_run in record.getMessage() for record in errors)
        assert lms.calls['course'] == 2

    def test_ordered_by_run_then_id(self, customer, configuration, lms):
        runs = ['course-v1:edX+Zeta+2026', 'course-v1:edX+Alpha+2026', 'course-v1:edX+Mid+2026']
        for run in runs:
            lms.add_course(run, pacing='self', end=PAST_END)
        created = [learner(customer, lms, course_id=run, passed=True) for run in runs * 2]
        expected = [enrollment.id for enrollment in sorted(created, key=lambda e: (e.course_id, e.id))]
        assert self.exported_ids(configuration) == expected

    @pytest.mark.parametrize('chunk_size', [1, 2, 3, 500])
    def test_every_chunk_size_exports_the_same_records(self, customer, configuration, lms, chunk_size):
        enrollments = [learner(customer, lms, passed=bool(index % 2)) for index in range(5)]
        configuration.transmission_chunk_size = chunk_size
        assert self.exported_ids(configuration) == [enrollment.id for enrollment in enrollments]

    def test_course_details_are_asked_once_per_run(self, customer, configuration, lms):
        configuration.transmission_chunk_size = 2
        for _ in range(5):
            learner(customer, lms, passed=True)
        assert len(export(configuration)) == 5
        assert lms.calls['course'] == 1

    def test_has_data_sharing_consent(self, customer, configuration, lms):
        consenting = learner(customer, lms, passed=True)
        audit = learner(customer, lms, mode='audit', passed=True)
        user, refused = self.enrolled_user(customer, lms)
        exporter = LearnerExporter('api_worker', configuration)
        assert exporter.has_data_sharing_consent(consenting) is True
        assert exporter.has_data_sharing_consent(audit) is False
        assert exporter.has_data_sharing_consent(refused) is False


class TestAlreadyTransmitted:

    @pytest.fixture(autouse=True)
    def course(self, lms):
        lms.add_course(RUN, pacing='self', end=PAST_END)

    def sent(self, enrollment, grade='Pass', status=200):
        return LearnerDataTransmissionAuditFactory(
            enterprise_course_enrollment_id=enrollment.id, course_id=RUN, grade=grade, status=status)

    def single(self, configuration, enrollment, **kwargs):
        user = enrollment.enterprise_customer_user.user
        return export(configuration, learner_to_transmit=user, course_run_id=RUN,
                      TransmissionAudit=LearnerDataTransmissionAudit, **kwargs)

    def test_same_grade_is_skipped_without_asking_the_lms(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        self.sent(enrollment, 'Pass')
        assert self.single(configuration, enrollment, grade='Pass', is_passing=True) == []
        assert lms.calls['grades'] == 0 and lms.calls['enrollment'] == 0

    def test_different_grade_is_exported(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        self.sent(enrollment, 'Fail')
        assert [record.grade for record in self.single(configuration, enrollment, grade='Pass')] == ['Pass']

    @pytest.mark.parametrize('status', [400, 401, 404, 500, 503])
    def test_failed_transmission_is_exported_again(self, customer, configuration, lms, status):
        enrollment = learner(customer, lms, passed=True)
        self.sent(enrollment, 'Pass', status=status)
        assert len(self.single(configuration, enrollment, grade='Pass')) == 1

    def test_skip_transmitted_false_exports_anyway(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        self.sent(enrollment, 'Pass')
        assert len(self.single(configuration, enrollment, grade='Pass', skip_transmitted=False)) == 1

    def test_bulk_run_checks_every_learner_with_the_callers_grade(self, customer, configuration, lms):
        """One learner's LMS grade never becomes the grade the next learner is checked with."""
        failing = learner(customer, lms, passed=False)  # the LMS says Fail: must not replace the caller's grade
        sent_fail = learner(customer, lms, passed=True)
        sent_pass = learner(customer, lms, passed=True)
        self.sent(sent_fail, 'Fail')
        self.sent(sent_pass, 'Pass')
        records = export(configuration, TransmissionAudit=LearnerDataTransmissionAudit, grade='Pass')
        assert [record.enterprise_course_enrollment_id for record in records] == [failing.id, sent_fail.id]
        # A bulk run gives no grade: nobody was sent with grade None, so everyone is exported.
        records = export(configuration, TransmissionAudit=LearnerDataTransmissionAudit)
        assert len(records) == 3

    def test_one_learners_grade_does_not_affect_anothers_check(self, customer, configuration, lms):
        first = learner(customer, lms, passed=False)
        second = learner(customer, lms, passed=True)
        self.sent(first, 'Fail')
        self.sent(second, 'Fail')
        records = export(configuration, TransmissionAudit=LearnerDataTransmissionAudit, grade='Fail')
        assert records == []

    def test_single_learner_export_lets_the_lms_win_and_logs_the_conflict(self, customer, configuration, lms,
                                                                           caplog):
        enrollment = learner(customer, lms, passed=False, percent=0.3)
        records = self.single(configuration, enrollment, grade='Pass', is_passing=True,
                              completed_date=datetime.datetime(2026, 5, 1, tzinfo=UTC))
        assert [fields(record) for record in records] == [(enrollment.id, RUN, '', False, PAST_END_MS, 'Fail')]
        conflicts = [record for record in caplog.records if 'Conflicting data' in record.getMessage()]
        assert len(conflicts) == 1 and conflicts[0].levelname == 'ERROR'
        assert 'Pass' in conflicts[0].getMessage() and 'Fail' in conflicts[0].getMessage()

    def test_single_learner_export_reads_only_that_enrollment(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        learner(customer, lms, passed=True)
        records = self.single(configuration, enrollment, grade='Pass', is_passing=True)
        assert [record.enterprise_course_enrollment_id for record in records] == [enrollment.id]
        assert lms.calls['grades'] == 1

    def test_learner_without_run_exports_everyone(self, customer, configuration, lms):
        first = learner(customer, lms, passed=True)
        second = learner(customer, lms, passed=True)
        records = export(configuration, learner_to_transmit=first.enterprise_customer_user.user)
        assert [record.enterprise_course_enrollment_id for record in records] == [first.id, second.id]


class TestAssessmentLevel:

    SUBSECTIONS = [
        {'attempted': True, 'module_id': 'block-s1', 'percent': 0.5, 'category': 'Homework', 'label': 'HW 01',
         'score_earned': 1, 'score_possible': 2, 'subsection_name': 'One'},
        {'attempted': True, 'module_id': 'block-s2', 'percent': 0.0, 'category': 'Homework', 'label': 'HW 02',
         'score_earned': 0, 'score_possible': 2, 'subsection_name': 'Two'},
        {'attempted': False, 'module_id': 'block-s3', 'percent': 0.0, 'category': 'Exam', 'label': 'Final',
         'score_earned': 0, 'score_possible': 5, 'subsection_name': 'Three'},
        {'attempted': True, 'module_id': 'block-s4', 'percent': None, 'category': 'Exam', 'label': 'Mid',
         'score_earned': 0, 'score_possible': 5, 'subsection_name': 'Four'},
        {'attempted': True, 'module_id': 'block-s5', 'percent': 1, 'category': 'Exam', 'label': 'Quiz',
         'score_earned': 5, 'score_possible': 5, 'subsection_name': 'Five'},
    ]

    @pytest.fixture(autouse=True)
    def course(self, lms):
        lms.add_course(RUN, pacing='self', end=PAST_END)

    def assessed_learner(self, customer, lms):
        enrollment = learner(customer, lms)
        lms.add_gradebook(enrollment.enterprise_customer_user.username, RUN, self.SUBSECTIONS)
        return enrollment

    def test_bulk_yields_attempted_subsections_and_keeps_zero(self, customer, configuration, lms):
        enrollment = self.assessed_learner(customer, lms)
        learner(customer, lms)  # no gradebook: 404, nothing
        records = list(LearnerExporter('api_worker', configuration).bulk_assessment_level_export())
        assert [(r.enterprise_course_enrollment_id, r.course_id, r.subsection_id, r.grade) for r in records] == [
            (enrollment.id, RUN, 'block-s1', '0.5'),
            (enrollment.id, RUN, 'block-s2', '0.0'),
            (enrollment.id, RUN, 'block-s5', '1.0'),
        ]

    def test_bulk_skips_learners_without_consent(self, customer, configuration, lms):
        self.assessed_learner(customer, lms)
        DataSharingConsentFactory._meta.model.objects.update(granted=False)
        assert list(LearnerExporter('api_worker', configuration).bulk_assessment_level_export()) == []
        assert lms.calls['gradebook'] == 0

    def single(self, configuration, enrollment, **kwargs):
        exporter = LearnerExporter('api_worker', configuration)
        return list(exporter.single_assessment_level_export(
            learner_to_transmit=enrollment.enterprise_customer_user.user, course_run_id=RUN, **kwargs))

    def test_single_yields_every_attempted_subsection(self, customer, configuration, lms):
        enrollment = self.assessed_learner(customer, lms)
        records = self.single(configuration, enrollment, grade=0.5, subsection_id='block-s1',
                              TransmissionAudit=LearnerDataTransmissionAudit)
        assert [record.subsection_id for record in records] == ['block-s1', 'block-s2', 'block-s5']

    def test_single_skips_a_subsection_already_sent_with_that_grade(self, customer, configuration, lms):
        enrollment = self.assessed_learner(customer, lms)
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=enrollment.id, subsection_id='block-s1',
                                            grade='0.5', status=200)
        assert self.single(configuration, enrollment, grade=0.5, subsection_id='block-s1',
                           TransmissionAudit=LearnerDataTransmissionAudit) == []
        assert len(self.single(configuration, enrollment, grade=0.75, subsection_id='block-s1',
                               TransmissionAudit=LearnerDataTransmissionAudit)) == 3

    def test_single_without_course_details_yields_nothing(self, customer, configuration, lms):
        enrollment = self.assessed_learner(customer, lms)
        lms.courses.clear()
        assert self.single(configuration, enrollment) == []

    def test_single_missing_enrollment_yields_nothing(self, customer, configuration, lms):
        exporter = LearnerExporter('api_worker', configuration)
        assert list(exporter.single_assessment_level_export(learner_to_transmit=UserFactory(),
                                                            course_run_id=RUN)) == []

    def test_404_yields_nothing(self, customer, configuration, lms):
        enrollment = learner(customer, lms)
        assert self.single(configuration, enrollment) == []
        assert lms.calls['gradebook'] == 1


class TestLmsFailures:
    """A failure about one learner leaves every other learner's record as it should be."""

    @pytest.fixture(autouse=True)
    def course(self, lms, settings):
        settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
        lms.add_course(RUN, pacing='self', end=PAST_END)

    @pytest.mark.parametrize('failure', [
        Failure(500, 'boom'),
        Failure(503, 'maintenance'),
        Failure(200, '<html>not json</html>'),
        Failure(200, '{"username": "cut off'),
        Failure(403, 'forbidden'),
        Failure(exception=requests.ReadTimeout('read timed out')),
        Failure(exception=requests.ConnectionError('connection reset')),
    ])
    @pytest.mark.parametrize('concurrency', [1, 8])
    def test_grade_failure_of_one_learner(self, customer, configuration, lms, settings, failure, concurrency, caplog):
        settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = concurrency
        before = learner(customer, lms, passed=True)
        broken = learner(customer, lms, passed=True)
        after = learner(customer, lms, passed=False)
        lms.grades[(broken.enterprise_customer_user.username, RUN)] = failure
        records = export(configuration)
        assert [(r.enterprise_course_enrollment_id, r.grade) for r in records] == [
            (before.id, 'Pass'), (after.id, 'Fail')]
        errors = [record.getMessage() for record in caplog.records if record.levelname == 'ERROR']
        assert any(f'Skipped enrollment {broken.id}' in message for message in errors)
        assert not any(broken.enterprise_customer_user.username in message for message in errors)

    @pytest.mark.parametrize('failure', [Failure(500, 'boom'), Failure(exception=requests.ReadTimeout('slow'))])
    def test_enrollment_mode_failure_of_one_learner(self, customer, configuration, lms, failure):
        kept = learner(customer, lms, passed=True)
        broken = learner(customer, lms, passed=True)
        lms.enrollments[(broken.enterprise_customer_user.username, RUN)] = failure
        assert [record.enterprise_course_enrollment_id for record in export(configuration)] == [kept.id]

    def test_certificate_failure_of_one_learner(self, customer, configuration, lms):
        instructor_run = 'course-v1:edX+Paced+2026'
        lms.add_course(instructor_run, pacing='instructor', end=PAST_END)
        broken = learner(customer, lms, course_id=instructor_run, certificate={'is_passing': True})
        kept = learner(customer, lms, course_id=instructor_run, certificate={'is_passing': True})
        lms.certificates[(broken.enterprise_customer_user.username, instructor_run)] = Failure(500)
        assert [record.enterprise_course_enrollment_id for record in export(configuration)] == [kept.id]

    def test_unreadable_certificate_date_skips_only_that_learner(self, customer, configuration, lms):
        instructor_run = 'course-v1:edX+Paced+2026'
        lms.add_course(instructor_run, pacing='instructor', end=PAST_END)
        broken = learner(customer, lms, course_id=instructor_run, certificate={'created_date': 'yesterday-ish'})
        kept = learner(customer, lms, course_id=instructor_run, certificate={'is_passing': True})
        assert broken.id != kept.id
        assert [record.enterprise_course_enrollment_id for record in export(configuration)] == [kept.id]

    def test_course_details_failure_skips_that_run_only(self, customer, configuration, lms):
        broken_run = 'course-v1:edX+Broken+2026'
        lms.courses[broken_run] = Failure(502, 'bad gateway')
        learner(customer, lms, course_id=broken_run, passed=True)
        kept = learner(customer, lms, passed=True)
        assert [record.enterprise_course_enrollment_id for record in export(configuration)] == [kept.id]


OFF_THE_LMS = 'http://lms-mirror.example'


class TestListingStoppedOffTheLms:
    """
    A bulk listing whose ``next`` link leaves the LMS stops there (SPEC 20): every learner it did
    not reach is asked about one by one; none is left out, or answered by the other host.
    """

    LEARNERS, REACHED = 10, 4

    @pytest.fixture(autouse=True)
    def listings(self, lms, settings):
        settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 2
        lms.add_course(RUN, pacing='self', end=PAST_END)

    @pytest.fixture
    def enrollments(self, customer, lms):
        return [learner(customer, lms, passed=True) for _ in range(self.LEARNERS)]

    def stop_listing(self, http, rows, path, change):
        """
        The listing's first page: the rows it reaches, and a ``next`` link off the LMS, whose host
        answers the other rows with ``change`` made to them.
        """
        # Whoever answers there would get the LMS token, and could say what it likes of the others.
        http.get(re.compile(re.escape(OFF_THE_LMS) + '/.*'), json={
            'next': None, 'results': [{**row, **change} for row in rows[self.REACHED:]]})
        return Answer(200, {'next': f'{OFF_THE_LMS}{path}?page=2', 'results': rows[:self.REACHED]})

    def export_asking(self, http, configuration, chunk_size, caplog):
        configuration.transmission_chunk_size = chunk_size
        with caplog.at_level(logging.WARNING):
            records = export(configuration)
        assert all(call.request.url.startswith(f'{LMS}/') for call in http.calls)
        assert any('off the LMS' in record.getMessage() for record in caplog.records if record.levelname == 'WARNING')
        return records

    @pytest.mark.parametrize('chunk_size', [500, 3])
    def test_a_stopped_enrollment_listing(self, http, lms, configuration, enrollments, chunk_size, caplog):
        rows = list(lms.enrollments.values())
        lms._serve_enrollments = lambda request: self.stop_listing(
            http, rows, '/api/enrollment/v1/enrollments/', {'mode': 'audit'})  # the customer reports no audit data
        records = self.export_asking(http, configuration, chunk_size, caplog)
        assert [(record.enterprise_course_enrollment_id, record.grade) for record in records] == [
            (enrollment.id, 'Pass') for enrollment in enrollments]
        assert (lms.calls['enrollments'], lms.calls['enrollment']) == (1, self.LEARNERS - self.REACHED)

    @pytest.mark.parametrize('chunk_size', [500, 3])
    def test_a_stopped_grade_listing(self, http, lms, configuration, enrollments, chunk_size, caplog):
        rows, serve_grades = list(lms.grades.values()), lms._serve_grades

        def grades(request, course_id):
            if request.query.get('username') is None:
                return self.stop_listing(http, rows, f'/api/grades/v1/courses/{course_id}/', {'passed': False})
            return serve_grades(request, course_id)

        lms._serve_grades = grades
        records = self.export_asking(http, configuration, chunk_size, caplog)
        assert [(record.enterprise_course_enrollment_id, record.grade) for record in records] == [
            (enrollment.id, 'Pass') for enrollment in enrollments]
        assert lms.calls['grades'] == 1 + self.LEARNERS - self.REACHED
        assert lms.calls['enrollment'] == 0


class TestQueries:
    """The database is asked a constant number of questions per chunk, never one per enrollment."""

    def population(self, customer, lms, size):
        lms.add_course(RUN, pacing='self', end=PAST_END)
        for _ in range(size):
            learner(customer, lms, passed=True)

    @pytest.mark.parametrize('size', [5, 40])
    def test_queries_do_not_grow_with_enrollments(self, customer, configuration, lms, size,
                                                  django_assert_max_num_queries):
        self.population(customer, lms, size)
        # the runs, one page of the run, then for the chunk: users, earlier transmissions, consent
        with django_assert_max_num_queries(5):
            records = export(configuration, TransmissionAudit=LearnerDataTransmissionAudit)
        assert len(records) == size


class TestExportRequest:

    @pytest.fixture(autouse=True)
    def course(self, lms):
        lms.add_course(RUN, pacing='self', end=PAST_END)

    def test_a_request_asks_what_spec_3s_keywords_ask(self, customer, configuration, lms):
        enrollment = learner(customer, lms, passed=True)
        learner(customer, lms, passed=True)
        user = enrollment.enterprise_customer_user.user
        by_keywords = export(configuration, learner_to_transmit=user, course_run_id=RUN, grade='Pass')
        by_request = list(LearnerExporter('api_worker', configuration).export(
            ExportRequest(learner=user, course_run_id=RUN, grade='Pass')))
        assert [fields(record) for record in by_request] == [fields(record) for record in by_keywords]
        assert [record.enterprise_course_enrollment_id for record in by_request] == [enrollment.id]

    def test_a_request_with_a_grade_skips_what_was_sent_with_it_before_asking_the_lms(self, customer, configuration,
                                                                                        lms):
        enrollment = learner(customer, lms, passed=True)
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=enrollment.id, course_id=RUN,
                                            grade='Pass', status=200)
        exporter = LearnerExporter('api_worker', configuration)
        user = enrollment.enterprise_customer_user.user
        assert list(exporter.export(ExportRequest(learner=user, course_run_id=RUN, grade='Pass'),
                                    TransmissionAudit=LearnerDataTransmissionAudit)) == []
        assert lms.calls['grades'] == 0
        assert not ExportRequest().checks_transmitted  # a full run leaves it to the transmitter
