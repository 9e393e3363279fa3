"""The xAPI transmitter: one "completed" statement per record, its id the completion's event id."""


from enterprise_export.conf import get_setting
from enterprise_export.models import XAPILearnerDataTransmissionAudit
from enterprise_export.transmitters.events import EventLearnerTransmitter, event_moment

COMPLETED_VERB = {'id': 'http://adlnet.gov/expapi/verbs/completed', 'display': {'en-US': 'completed'}}
COURSE_ACTIVITY_TYPE = 'http://adlnet.gov/expapi/activities/course'


def score(grade_fraction):
    """The statement's ``result.score`` of a percent grade from 0 to 1; None when the LMS gave none."""
    if grade_fraction is None:
        return None
    return {'scaled': grade_fraction, 'raw': round(grade_fraction * 100, 4), 'min': 0, 'max': 100}


class XAPILearnerTransmitter(EventLearnerTransmitter):
    channel_code = 'XAPI'
    audit_model = XAPILearnerDataTransmissionAudit

    def activity_base_url(self):
        base_url = self.enterprise_configuration.activity_base_url or get_setting('LMS_ROOT_URL')
        return base_url.rstrip('/')

    def statement(self, record):
        """The xAPI statement of one record (SPEC 17)."""
        result = {'success': bool(record.course_completed), 'completion': True}
        record_score = score(getattr(record, 'grade_fraction', None))
        if record_score is not None:
            result['score'] = record_score
        return {
            'id': record.statement_id,
            'actor': {'objectType': 'Agent', 'mbox': f'mailto:{record.xapi_user_email}'},
            'verb': COMPLETED_VERB,
            'object': {
                'objectType': 'Activity',
                'id': f'{self.activity_base_url()}/xapi/activities/courserun/{record.course_id}',
                'definition': {'type': COURSE_ACTIVITY_TYPE, 'name': {'en-US': record.course_id}},
            },
            'result': result,
            'timestamp': event_moment(record.completed_timestamp),
        }

    def send_record(self, record):
        return self.client.create_course_completion(self.statement(record))
