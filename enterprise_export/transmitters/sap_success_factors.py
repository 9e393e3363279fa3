"""The SAP SuccessFactors transmitter: learning events, and learners whose account SAP closed."""

import logging

from enterprise_export.clients.exceptions import ChannelError
from enterprise_export.failures import FailureKind
from enterprise_export.models import (
    SapSuccessFactorsLearnerDataTransmissionAudit,
    get_customer_user_model,
    get_enrollment_model,
)
from enterprise_export.transmitters.learner_data import LearnerTransmitter

LOGGER = logging.getLogger(__name__)

# SAP's answer when the learner's account is closed (SPEC 6), in any case.
INACTIVE_ACCOUNT = 'user account is inactive'


class SapSuccessFactorsLearnerTransmitter(LearnerTransmitter):
    channel_code = 'SAP'
    audit_model = SapSuccessFactorsLearnerDataTransmissionAudit

    def send_record(self, record):
        payload = {
            'userID': record.sapsf_user_id,
            'courseID': record.course_id,
            'providerID': self.enterprise_configuration.provider_id,
            'courseCompleted': self._course_completed(record.course_completed),
            'completedTimestamp': record.completed_timestamp,
            'grade': record.grade,
            'totalHours': record.total_hours or 0.0,
        }
        try:
            return self.client.create_course_completion(record.sapsf_user_id, payload)
        except ChannelError as error:
            if error.status is not None and INACTIVE_ACCOUNT in error.message.lower():
                error.kind = FailureKind.INACTIVE_ACCOUNT
            raise

    def _course_completed(self, completed):
        """The admin path takes a JSON boolean; the learner's path the text ``"true"``/``"false"``."""
        if self.enterprise_configuration.prevent_self_submit_grades:
            return bool(completed)
        return 'true' if completed else 'false'

    def handle_failure(self, record, error):
        """SAP closed the learner's account (the employee left): stop reporting them."""
        if error.kind != FailureKind.INACTIVE_ACCOUNT:
            return
        learner_ids = get_enrollment_model()._base_manager.filter(
            id=record.enterprise_course_enrollment_id,
        ).values('enterprise_customer_user_id')
        get_customer_user_model()._base_manager.filter(id__in=learner_ids).update(active=False)
        LOGGER.info('SAP says the learner of enrollment %s is inactive: marked inactive',
                    record.enterprise_course_enrollment_id,
                    extra={'enrollment_id': record.enterprise_course_enrollment_id, 'channel': 'SAP'})
