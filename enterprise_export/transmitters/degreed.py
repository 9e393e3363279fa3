"""The Degreed transmitter: only completions (Degreed has no pass or fail)."""

from enterprise_export.models import DegreedLearnerDataTransmissionAudit
from enterprise_export.transmitters.learner_data import LearnerTransmitter
from enterprise_export.utils import from_epoch_milliseconds


class DegreedLearnerTransmitter(LearnerTransmitter):
    channel_code = 'DEGREED'
    audit_model = DegreedLearnerDataTransmissionAudit
    completions_only = True

    def send_record(self, record):
        payload = {
            'orgCode': self.enterprise_configuration.degreed_company_id,
            'completions': [{
                'email': record.degreed_user_email,
                'id': record.course_id,
                'completionDate': from_epoch_milliseconds(record.completed_timestamp).strftime('%Y-%m-%d'),
            }],
        }
        return self.client.create_course_completion(payload)
