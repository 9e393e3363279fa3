"""The webhook transmitter: one ``course.completed`` event per record, compact JSON with sorted keys."""

import json
import uuid

from enterprise_export.models import WebhookLearnerDataTransmissionAudit
from enterprise_export.transmitters.events import EventLearnerTransmitter, event_moment
from enterprise_export.utils import get_course_key

EVENT_TYPE = 'course.completed'


def event_body(event):
    """The bytes POSTed (and signed): compact JSON, keys sorted."""
    return json.dumps(event, separators=(',', ':'), sort_keys=True).encode()


class WebhookLearnerTransmitter(EventLearnerTransmitter):
    channel_code = 'WEBHOOK'
    audit_model = WebhookLearnerDataTransmissionAudit

    def event(self, record):
        """The event of one record (SPEC 17)."""
        customer_uuid = uuid.UUID(str(self.enterprise_configuration.enterprise_customer_id))
        return {
            'id': record.event_id,
            'type': EVENT_TYPE,
            'occurred_at': event_moment(record.completed_timestamp),
            'enterprise_customer': str(customer_uuid),
            'learner': {'email': record.webhook_user_email, 'lms_user_id': getattr(record, 'lms_user_id', None)},
            'course': {'course_run_id': record.course_id, 'course_key': get_course_key(record.course_id)},
            'grade': {'word': record.grade, 'passed': bool(record.course_completed),
                      'percent': getattr(record, 'grade_fraction', None)},
        }

    def send_record(self, record):
        return self.client.create_course_completion(record.event_id, event_body(self.event(record)))
