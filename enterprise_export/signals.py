"""Receivers of Open edX events: a learner who passes is sent at once."""

import logging

from enterprise_export import tasks

LOGGER = logging.getLogger(__name__)


def handle_course_passing_status_updated(signal, sender, course_passing_status=None, **kwargs):
    """On ``COURSE_PASSING_STATUS_UPDATED`` with ``is_passing``, queue that learner's single-learner transmission."""
    if course_passing_status is None or not course_passing_status.is_passing:
        return
    course_run_id = str(course_passing_status.course.course_key)
    tasks.transmit_single_learner_data.delay(course_passing_status.user.pii.username, course_run_id)
    LOGGER.info('Queued the transmission of a passing learner', extra={'course_id': course_run_id})


def connect_openedx_events():
    """Connect the receivers when openedx-events is installed; without it, connect nothing. Returns whether."""
    try:
        from openedx_events.learning.signals import COURSE_PASSING_STATUS_UPDATED
    except ImportError:
        return False
    COURSE_PASSING_STATUS_UPDATED.connect(
        handle_course_passing_status_updated, dispatch_uid='enterprise_export.course_passing_status_updated',
    )
    return True
