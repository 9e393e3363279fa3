"""The Degreed exporter: learners known by their email, one record per course key and run."""

import logging

from enterprise_export.exporters.accounts import learner_email
from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import DegreedLearnerDataTransmissionAudit
from enterprise_export.utils import get_course_key

LOGGER = logging.getLogger(__name__)


class DegreedLearnerExporter(LearnerExporter):
    """
    Records for Degreed: the learner's email identifies them there.

    Each record also carries the LMS's percent grade as ``grade_percent`` (an attribute of the
    unsaved row, not a column) for a channel that reports it. Override ``audit_model`` and
    ``channel_code`` for another Degreed API.
    """

    audit_model = DegreedLearnerDataTransmissionAudit
    channel_code = 'DEGREED'

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        email = learner_email(enrollment)
        if not email:
            LOGGER.info('The learner of enrollment %s has no address on file: nothing to send to Degreed',
                        enrollment.id,
                        extra={'enrollment_id': enrollment.id, 'channel': self.channel_code})
            return []
        course_ids = [get_course_key(enrollment.course_id), enrollment.course_id]
        records = [
            self.build_record(
                self.audit_model, enrollment, course_id=course_id, completed_date=completed_date,
                grade=grade, is_passing=is_passing,
                degreed_user_email=email,
                plugin_configuration_id=self.enterprise_configuration.id,
            )
            for course_id in course_ids if course_id
        ]
        for record in records:
            record.grade_percent = grade_percent
        return records
