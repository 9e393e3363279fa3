"""The Cornerstone exporter: learners known by the identity saved at their launch, one record per course key."""

import logging

from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import CornerstoneLearnerDataTransmissionAudit, CornerstoneLearnerIdentity
from enterprise_export.utils import get_course_key

LOGGER = logging.getLogger(__name__)


class CornerstoneLearnerExporter(LearnerExporter):
    """Records for Cornerstone: the ``user_guid`` saved when the learner launched the course from it."""

    audit_model = CornerstoneLearnerDataTransmissionAudit

    def __init__(self, user, enterprise_configuration, **kwargs):
        super().__init__(user, enterprise_configuration, **kwargs)
        self._user_guids = {}  # enrollment id -> the learner's Cornerstone id for its course key (or None)

    def prepare_chunk(self, chunk):
        """The chunk's learners' Cornerstone ids, in one query."""
        guids = dict(
            ((learner_id, course_key), guid)
            for learner_id, course_key, guid in CornerstoneLearnerIdentity.objects.filter(
                enterprise_customer_user_id__in={enrollment.enterprise_customer_user_id for enrollment in chunk},
            ).values_list('enterprise_customer_user_id', 'course_id', 'user_guid')
        )
        for enrollment in chunk:
            course_key = get_course_key(enrollment.course_id) or enrollment.course_id
            self._user_guids[enrollment.id] = guids.get((enrollment.enterprise_customer_user_id, course_key))

    def finish_chunk(self, chunk):
        for enrollment in chunk:
            self._user_guids.pop(enrollment.id, None)

    def get_user_guid(self, enrollment, course_key):
        """The learner's Cornerstone id for the course key (None: no launch from Cornerstone yet)."""
        if enrollment.id in self._user_guids:
            return self._user_guids[enrollment.id]
        return CornerstoneLearnerIdentity.objects.filter(
            enterprise_customer_user_id=enrollment.enterprise_customer_user_id, course_id=course_key,
        ).values_list('user_guid', flat=True).first()

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        course_key = get_course_key(enrollment.course_id) or enrollment.course_id
        user_guid = self.get_user_guid(enrollment, course_key)
        if not user_guid:
            LOGGER.info('No Cornerstone identity for the learner of enrollment %s: nothing to send', enrollment.id,
                        extra={'enrollment_id': enrollment.id, 'channel': 'CSOD'})
            return []
        return [self.build_record(
            self.audit_model, enrollment, course_id=course_key, completed_date=completed_date,
            grade=grade, is_passing=is_passing, user_guid=user_guid,
            plugin_configuration_id=self.enterprise_configuration.id,
        )]
