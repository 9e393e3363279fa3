"""Course keys, timestamps and the already-transmitted check (SPEC sections 3, 5 and 7)."""

import datetime

import pytest

from enterprise_export.models import LearnerDataTransmissionAudit
from enterprise_export.utils import get_course_key, is_already_transmitted, parse_lms_datetime, to_epoch_milliseconds
from test_utils.factories import LearnerDataTransmissionAuditFactory

RUN = 'course-v1:edX+DemoX+Demo_2026'


@pytest.mark.parametrize('run_id, course_key', [
    ('course-v1:edX+DemoX+Demo_2026', 'edX+DemoX'),
    ('course-v1:Org.X+CS-101+2026_T1', 'Org.X+CS-101'),
    ('edX/Old/2014', 'edX+Old'),
    ('not a course key', None),
])
def test_course_key_of_a_run(run_id, course_key):
    assert get_course_key(run_id) == course_key


@pytest.mark.parametrize('moment, expected', [
    ('2017-04-04T18:45:51Z', 1491331551000),
    ('2017-04-04T18:45:51', 1491331551000),  # naive: UTC
    ('2017-04-04T20:45:51+02:00', 1491331551000),
    (datetime.datetime(2017, 4, 4, 18, 45, 51, tzinfo=datetime.UTC), 1491331551000),
    (None, None),
])
def test_epoch_milliseconds(moment, expected):
    assert to_epoch_milliseconds(moment) == expected


UTC = datetime.UTC


@pytest.mark.parametrize('text, expected', [
    ('2026-02-01T10:00:00Z', datetime.datetime(2026, 2, 1, 10, tzinfo=UTC)),
    ('2026-02-01T10:00:00.250000Z', datetime.datetime(2026, 2, 1, 10, 0, 0, 250000, tzinfo=UTC)),
    ('2026-02-01T12:00:00+02:00', datetime.datetime(2026, 2, 1, 10, tzinfo=UTC)),
    ('2026-02-01T10:00:00', datetime.datetime(2026, 2, 1, 10, tzinfo=UTC)),  # naive: UTC
    ('2026-02-01', datetime.datetime(2026, 2, 1, tzinfo=UTC)),
    ('20260201T100000Z', datetime.datetime(2026, 2, 1, 10, tzinfo=UTC)),  # basic format
    ('2026-W05-7T10:00:00Z', datetime.datetime(2026, 2, 1, 10, tzinfo=UTC)),  # week date
])
def test_lms_dates_read_in_every_iso_form(text, expected):
    assert parse_lms_datetime(text) == expected


@pytest.mark.parametrize('text', ['yesterday', '', '2026-13-01T00:00:00Z', None, 20260201])
def test_an_unreadable_lms_date_is_a_value_error_naming_it(text):
    with pytest.raises(ValueError, match='unreadable date'):
        parse_lms_datetime(text)


@pytest.mark.django_db
class TestIsAlreadyTransmitted:

    def check(self, grade, **kwargs):
        return is_already_transmitted(LearnerDataTransmissionAudit, 7, grade, **kwargs)

    def test_same_grade_sent_successfully(self):
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade='Pass', status=200)
        assert self.check('Pass') is True

    def test_different_grade_is_not_transmitted(self):
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade='Fail', status=200)
        assert self.check('Pass') is False

    @pytest.mark.parametrize('status', [None, 301, 400, 404, 500])
    def test_failed_attempt_is_not_transmitted(self, status):
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade='Pass', status=status)
        assert self.check('Pass') is False

    def test_2xx_with_an_error_message_is_not_transmitted(self):
        LearnerDataTransmissionAuditFactory(
            enterprise_course_enrollment_id=7, grade='Pass', status=200, error_message='partial failure',
        )
        assert self.check('Pass') is False

    def test_the_latest_successful_row_decides(self):
        first = LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade='Fail', status=200)
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade='Pass', status=200)
        assert self.check('Pass') is True
        first.save()  # now the most recently updated
        assert self.check('Pass') is False and self.check('Fail') is True

    def test_same_modified_time_falls_back_to_the_highest_id(self):
        rows = [
            LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, grade=grade, status=200)
            for grade in ('Fail', 'Pass')
        ]
        LearnerDataTransmissionAudit.objects.filter(pk__in=[row.pk for row in rows]).update(
            modified=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
        assert self.check('Pass') is True

    def test_another_enrollment_does_not_count(self):
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=8, grade='Pass', status=200)
        assert self.check('Pass') is False

    def test_subsection_rows_are_checked_apart_from_course_rows(self):
        LearnerDataTransmissionAuditFactory(enterprise_course_enrollment_id=7, subsection_id='block-1', grade='0.5')
        assert self.check('0.5') is False
        assert self.check('0.5', subsection_id='block-1') is True
        assert self.check(0.5, subsection_id='block-1') is True  # a numeric grade, compared as text
        assert self.check('0.5', subsection_id='block-2') is False
