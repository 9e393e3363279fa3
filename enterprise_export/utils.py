"""Small helpers shared by models, exporters and transmitters: course keys, dates, batches (no models)."""

import datetime
import itertools
import logging

from dateutil import parser as date_parser
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

# SPEC 7 names ``utils.is_already_transmitted``: the audit queries live in ``audits``, read from here too.
from enterprise_export.audits import is_already_transmitted, latest_transmitted_grades, normalize_grade  # noqa: F401

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


def batched(iterable, size):
    """Lists of ``size`` items of ``iterable`` (the last may be shorter); ``itertools.batched`` is 3.12+."""
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
