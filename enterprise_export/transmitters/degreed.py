"""The Degreed transmitter: only completions (Degreed has no pass or fail)."""

import datetime

from enterprise_export.models import DegreedLearnerDataTransmissionAudit
from enterprise_export.transmitters.learner_data import LearnerTransmitter


def completion_date(epoch_milliseconds):
    """``YYYY-MM-DD`` (UTC) of an epoch-milliseconds timestamp."""
    return datetime.datetime.fromtimestamp(epoch_milliseconds / 1000, tz=datetime.UTC).strftime('%Y-%m-%d')


class DegreedLearnerTransmitter(LearnerTransmitter):
    channel_code = 'DEGREED'
    audit_model = DegreedLearnerDataTransmissionAudit

    def is_sendable(self, record):
        return super().is_sendable(record) and record.course_completed

    def send_record(self, record):
        payload = {
            'orgCode': self.enterprise_configuration.degreed_company_id,
            'completions': [{
                'email': record.degreed_user_email,
                'id': record.course_id,
                'completionDate': completion_date(record.completed_timestamp),
            }],
        }
        return self.client.create_course_completion(payload)
