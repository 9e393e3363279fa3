"""Small helpers shared by the models, exporters and transmitters (they import no models)."""

import datetime
import itertools
import logging

from dateutil import parser as date_parser
from django.db.models import Q
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from enterprise_export.audits import sent_q

LOGGER = logging.getLogger(__name__)


def get_course_key(course_run_id):
    """
    Return the course key (``org+course``) of a course run key, or None when it is not one.

    ``course-v1:edX+DemoX+Demo_2026`` → ``edX+DemoX``.
    """
    try:
        run_key = CourseKey.from_string(course_run_id)
    except (InvalidKeyError, TypeError):
        return None
    return f'{run_key.org}+{run_key.course}'


def parse_lms_datetime(value):
    """Parse an ISO 8601 date from the LMS; a naive date is UTC. Raises ValueError when unreadable."""
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        try:
            # The standard library reads the LMS's own form (``2026-02-01T10:00:00Z``) 30 times
            # faster; dateutil reads the ISO 8601 forms it does not.
            parsed = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            parsed = None
        try:
            parsed = parsed or date_parser.isoparse(value)
        except (TypeError, ValueError, OverflowError) as error:
            raise ValueError(f'unreadable date {value!r}') from error
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def to_epoch_milliseconds(moment):
    """``2017-04-04T18:45:51Z`` → ``1491331551000``; None stays None."""
    if moment is None:
        return None
    return int(parse_lms_datetime(moment).timestamp() * 1000)


def from_epoch_milliseconds(epoch_milliseconds):
    """The UTC moment of an epoch-milliseconds timestamp (the inverse of ``to_epoch_milliseconds``)."""
    return datetime.datetime.fromtimestamp(epoch_milliseconds / 1000, tz=datetime.UTC)


def normalize_grade(grade):
    """A numeric grade in the form audit rows store it (``0.5``, ``1.0``); anything else as given."""
    if isinstance(grade, (int, float)) and not isinstance(grade, bool):
        return str(float(grade))
    return grade


def _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id):  # noqa: N803
    rows = TransmissionAudit.objects.filter(sent_q())
    if subsection_id:
        rows = rows.filter(subsection_id=subsection_id)
    else:
        rows = rows.filter(Q(subsection_id='') | Q(subsection_id__isnull=True))
    if plugin_configuration_id is not None and _records_configuration(TransmissionAudit):
        rows = rows.filter(plugin_configuration_id=plugin_configuration_id)
    return rows


def _records_configuration(TransmissionAudit):  # noqa: N803
    return any(field.name == 'plugin_configuration_id' for field in TransmissionAudit._meta.get_fields())


def latest_transmitted_grades(TransmissionAudit, enrollment_ids, subsection_id=None,  # noqa: N803
                              plugin_configuration_id=None):
    """
    Map each of ``enrollment_ids`` that was sent successfully to the grade it was last sent with.

    One query for any number of enrollments: the exporter asks once per chunk.
    """
    rows = _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id).filter(
        enterprise_course_enrollment_id__in=list(enrollment_ids),
    ).order_by('enterprise_course_enrollment_id', '-modified', '-id')
    grades = {}
    for enrollment_id, grade in rows.values_list('enterprise_course_enrollment_id', 'grade'):
        grades.setdefault(enrollment_id, grade)
    return grades


def is_already_transmitted(TransmissionAudit, enrollment_id, grade, subsection_id=None,  # noqa: N803
                           plugin_configuration_id=None):
    """
    True when the latest successful transmission of this enrollment carried the same grade.

    "Latest" is the most recently updated row, then the highest id, among rows with a 2xx
    status and no error message; for ``subsection_id`` when given, else course-level rows
    only; and for ``plugin_configuration_id`` when given and the audit model records one.
    """
    latest = _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id).filter(
        enterprise_course_enrollment_id=enrollment_id,
    ).order_by('-modified', '-id').values_list('id', 'grade').first()
    if latest is None:
        return False
    return latest[1] == normalize_grade(grade)


def batched(iterable, size):
    """Lists of ``size`` items of ``iterable`` (the last may be shorter); ``itertools.batched`` is 3.12+."""
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
