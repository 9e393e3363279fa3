"""The Degreed v2 transmitter: only completions, with the percent grade as ``percentile``."""

from enterprise_export.models import Degreed2LearnerDataTransmissionAudit
from enterprise_export.transmitters.learner_data import LearnerTransmitter
from enterprise_export.utils import from_epoch_milliseconds


def percentile(grade_percent):
    """The LMS's percent grade (``0.9`` or ``"0.9"``) as Degreed's percentile (``90.0``); None when unknown."""
    if grade_percent is None or grade_percent == '':
        return None
    try:
        return round(float(grade_percent) * 100, 4)
    except (TypeError, ValueError):
        return None


class Degreed2LearnerTransmitter(LearnerTransmitter):
    channel_code = 'DEGREED2'
    audit_model = Degreed2LearnerDataTransmissionAudit
    completions_only = True

    def send_record(self, record):
        completed_at = from_epoch_milliseconds(record.completed_timestamp)
        payload = {'data': {'attributes': {
            'user-id': record.degreed_user_email,
            'user-identifier-type': 'Email',
            'content-id': record.course_id,
            'content-id-type': 'externalId',
            'content-type': 'course',
            'completed-at': completed_at.strftime('%Y-%m-%dT%H:%M:%S'),
            'percentile': percentile(getattr(record, 'grade_percent', None)),
        }}}
        return self.client.create_course_completion(payload)
