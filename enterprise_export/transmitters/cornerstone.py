"""The Cornerstone transmitter: completed courses, posted to the callback of the learner's last launch."""

from django.db.models import F

from enterprise_export.clients.exceptions import ChannelError
from enterprise_export.failures import FailureKind
from enterprise_export.fields import UnreadableSecret
from enterprise_export.models import CornerstoneLearnerDataTransmissionAudit, CornerstoneLearnerIdentity
from enterprise_export.transmitters.learner_data import LearnerTransmitter
from enterprise_export.utils import from_epoch_milliseconds

# Cornerstone answers 401 to a progress whose session token expired (SPEC 6).
SESSION_EXPIRED_STATUS = 401
# Why a learner with an identity is not sent: no usable session token (the audit row's error message).
UNREADABLE_SESSION_TOKEN = ('Cornerstone session token unreadable with the configured keys: the learner must '
                            'launch the course from Cornerstone again (or the key that made it be put back)')
NO_SESSION_TOKEN = 'no Cornerstone session token: the learner must launch the course from Cornerstone again'


class CornerstoneLearnerTransmitter(LearnerTransmitter):
    channel_code = 'CSOD'
    audit_model = CornerstoneLearnerDataTransmissionAudit
    completions_only = True

    def load_batch(self, records):
        """Where each learner's last launch from Cornerstone said to send their progress: one query per batch."""
        wanted = {(record.enterprise_course_enrollment_id, record.course_id) for record in records}
        identities = CornerstoneLearnerIdentity.objects.filter(
            enterprise_customer_user__enterprise_enrollments__id__in={enrollment_id for enrollment_id, _ in wanted},
            course_id__in={course_id for _, course_id in wanted},
        ).annotate(enrollment_id=F('enterprise_customer_user__enterprise_enrollments__id'))
        by_target = {(identity.enrollment_id, identity.course_id): identity for identity in identities}
        for record in records:
            record.cornerstone_identity = by_target.get((record.enterprise_course_enrollment_id, record.course_id))

    def send_record(self, record):
        identity = record.cornerstone_identity
        if identity is None:
            raise ChannelError(None, 'no Cornerstone identity: the learner must launch the course from Cornerstone',
                               FailureKind.NO_IDENTITY)
        if not identity.session_token:
            # No key decrypts it (or none was ever saved): a call without it would only be refused. The learner's
            # next launch brings a new one, as it does when no identity is known at all.
            unreadable = isinstance(identity.session_token, UnreadableSecret)
            raise ChannelError(None, UNREADABLE_SESSION_TOKEN if unreadable else NO_SESSION_TOKEN,
                               FailureKind.NO_IDENTITY)
        payload = [{
            'courseId': record.course_id,
            'userGuid': record.user_guid,
            'status': 'Completed',
            'completionDate': from_epoch_milliseconds(record.completed_timestamp).replace(microsecond=0).isoformat(),
            'successStatus': record.grade,
        }]
        try:
            return self.client.create_course_completion(
                subdomain=identity.subdomain, callback_url=identity.callback_url,
                session_token=identity.session_token, payload=payload,
            )
        except ChannelError as error:
            if error.status == SESSION_EXPIRED_STATUS:
                error.kind = FailureKind.SESSION_EXPIRED
            raise
