"""The Cornerstone exporter: learners known by the identity saved at their launch, one record per course key."""

import logging

from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import CornerstoneLearnerDataTransmissionAudit, CornerstoneLearnerIdentity
from enterprise_export.utils import get_course_key

LOGGER = logging.getLogger(__name__)


class CornerstoneLearnerExporter(LearnerExporter):
    """Records for Cornerstone: the ``user_guid`` saved when the learner launched the course from it."""

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        course_key = get_course_key(enrollment.course_id) or enrollment.course_id
        user_guid = CornerstoneLearnerIdentity.objects.filter(
            enterprise_customer_user_id=enrollment.enterprise_customer_user_id, course_id=course_key,
        ).values_list('user_guid', flat=True).first()
        if not user_guid:
            LOGGER.info('No Cornerstone identity for the learner of enrollment %s: nothing to send', enrollment.id,
                        extra={'enrollment_id': enrollment.id, 'channel': 'CSOD'})
            return []
        return [self.build_record(
            CornerstoneLearnerDataTransmissionAudit, enrollment, course_id=course_key, completed_date=completed_date,
            grade=grade, is_passing=is_passing, user_guid=user_guid,
            plugin_configuration_id=self.enterprise_configuration.id,
        )]
