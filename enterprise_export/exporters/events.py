"""
Exporters of the event channels (SPEC 17): one record per enrollment, its run id, with the
learner's email and a deterministic event id that lets a receiver tell a resend from a new
completion.
"""

import logging
import uuid

from enterprise_export.exporters.accounts import learner_email, learner_user_id
from enterprise_export.exporters.learner_data import LearnerExporter

LOGGER = logging.getLogger(__name__)

EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, 'enterprise-export')


def event_id(channel_code, configuration_id, enrollment_id, course_id, grade):
    """
    The id of a completion event: the same for the same channel, configuration, enrollment,
    course id and grade word, so that an attempt and its resend carry the same one.
    """
    name = f'{channel_code.upper()}|{configuration_id}|{enrollment_id}|{course_id}|{grade}'
    return str(uuid.uuid5(EVENT_NAMESPACE, name))


def grade_fraction(grade_percent):
    """The LMS's percent grade (``0.9`` or ``"0.9"``) as a number from 0 to 1; None when unknown."""
    if grade_percent is None or grade_percent == '':
        return None
    try:
        return float(grade_percent)
    except (TypeError, ValueError):
        return None


class EventLearnerExporter(LearnerExporter):
    """
    One record per enrollment for a channel of completion events: the run id, the learner's
    email in ``email_field``, the event id in ``event_id_field``.

    Each record also carries, as attributes of the unsaved row (not columns), the LMS's percent
    grade as ``grade_fraction`` and the learner's LMS user id as ``lms_user_id``. Subclasses set
    ``audit_model``, ``channel_code``, ``email_field`` and ``event_id_field``.
    """

    channel_code = None
    email_field = None
    event_id_field = None

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        email = learner_email(enrollment)
        if not email:
            LOGGER.info('The learner of enrollment %s has no address on file: nothing to send', enrollment.id,
                        extra={'enrollment_id': enrollment.id, 'channel': self.channel_code})
            return []
        configuration_id = self.enterprise_configuration.id
        record = self.build_record(
            self.audit_model, enrollment, course_id=enrollment.course_id, completed_date=completed_date,
            grade=grade, is_passing=is_passing, plugin_configuration_id=configuration_id,
            **{self.email_field: email,
               self.event_id_field: event_id(self.channel_code, configuration_id, enrollment.id,
                                             enrollment.course_id, grade)},
        )
        record.grade_fraction = grade_fraction(grade_percent)
        record.lms_user_id = learner_user_id(enrollment)
        return [record]
