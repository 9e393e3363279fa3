"""The SAP SuccessFactors exporter: learners known by their SAP user id, one record per course key and run."""

import logging

from enterprise_export.exporters.accounts import learner_of
from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import SapSuccessFactorsLearnerDataTransmissionAudit
from enterprise_export.utils import get_course_key

LOGGER = logging.getLogger(__name__)


def effort_hours(effort):
    """Course API ``effort`` (``"H:MM"``) in hours; 0.0 when absent or unreadable."""
    try:
        hours, minutes = str(effort).strip().split(':')
        return int(hours) + int(minutes) / 60
    except (AttributeError, ValueError):
        return 0.0


class SapSuccessFactorsLearnerExporter(LearnerExporter):
    """Records for SAP: the learner's ``remote_id`` at the configuration's identity provider."""

    audit_model = SapSuccessFactorsLearnerDataTransmissionAudit

    def __init__(self, user, enterprise_configuration, **kwargs):
        super().__init__(user, enterprise_configuration, **kwargs)
        self._remote_ids = {}  # enrollment id -> the learner's SAP user id (None: not linked), for a chunk

    @property
    def identity_provider(self):
        return self.enterprise_configuration.idp_id

    def fetch_learner_facts(self, run):
        """Read the SAP user id in the worker thread, with the LMS answers of the enrollment."""
        self._remote_ids[run.enrollment_id] = run.remote_id()

    def finish_chunk(self, chunk):
        for enrollment in chunk:
            self._remote_ids.pop(enrollment.id, None)

    def get_remote_id(self, enrollment):
        """The SAP user id of the enrollment's learner, asked now: their LMS remote id at ``idp_id`` (None: none)."""
        return self.lms.remote_id(self.identity_provider, learner_of(enrollment))

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        try:
            if enrollment.id in self._remote_ids:
                sapsf_user_id = self._remote_ids[enrollment.id]
            else:
                sapsf_user_id = self.get_remote_id(enrollment)
        except self.lms.failure_types as error:
            LOGGER.error('Skipped enrollment %s this run: the SAP user id lookup failed: %s', enrollment.id,
                         self.lms.failure_reason(error), extra={'enrollment_id': enrollment.id, 'channel': 'SAP'})
            return []
        if not sapsf_user_id:
            LOGGER.info('No SAP user id for the learner of enrollment %s: nothing to send', enrollment.id,
                        extra={'enrollment_id': enrollment.id, 'channel': 'SAP'})
            return []
        total_hours = 0.0
        if self.enterprise_configuration.transmit_total_hours:
            details = self.get_course_details(enrollment.course_id) or {}
            total_hours = effort_hours(details.get('effort'))
        course_ids = [get_course_key(enrollment.course_id), enrollment.course_id]
        return [
            self.build_record(
                self.audit_model, enrollment, course_id=course_id,
                completed_date=completed_date, grade=grade, is_passing=is_passing,
                sapsf_user_id=sapsf_user_id, total_hours=total_hours,
                plugin_configuration_id=self.enterprise_configuration.id,
            )
            for course_id in course_ids if course_id
        ]
