"""The Cornerstone transmitter: completed courses, posted to the callback of the learner's last launch."""

from enterprise_export.clients.exceptions import ChannelError
from enterprise_export.models import (
    CornerstoneLearnerDataTransmissionAudit,
    CornerstoneLearnerIdentity,
    get_enrollment_model,
)
from enterprise_export.transmitters.learner_data import LearnerTransmitter
from enterprise_export.utils import from_epoch_milliseconds


class CornerstoneLearnerTransmitter(LearnerTransmitter):
    channel_code = 'CSOD'
    audit_model = CornerstoneLearnerDataTransmissionAudit
    completions_only = True

    def prepare_send(self, record):
        """Where the learner's last launch from Cornerstone said to send their progress."""
        record.cornerstone_identity = CornerstoneLearnerIdentity.objects.filter(
            enterprise_customer_user_id__in=get_enrollment_model()._base_manager.filter(
                id=record.enterprise_course_enrollment_id,
            ).values('enterprise_customer_user_id'),
            course_id=record.course_id,
        ).first()
        if record.cornerstone_identity is None:
            raise ChannelError(None, 'no Cornerstone identity: the learner must launch the course from Cornerstone')

    def send_record(self, record):
        identity = record.cornerstone_identity
        payload = [{
            'courseId': record.course_id,
            'userGuid': record.user_guid,
            'status': 'Completed',
            'completionDate': from_epoch_milliseconds(record.completed_timestamp).replace(microsecond=0).isoformat(),
            'successStatus': record.grade,
        }]
        return self.client.create_course_completion(
            subdomain=identity.subdomain, callback_url=identity.callback_url,
            session_token=identity.session_token, payload=payload,
        )
