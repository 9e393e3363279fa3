"""
The learner-data transmitter: the rules of SPEC section 6 around one channel's ``send_record``.

Records are taken from the exporter in batches: one query finds what was already sent for a
batch, and one statement writes the batch's audit rows (insert, or update the row of the same
configuration, enrollment, course id and subsection).
"""

import logging
from dataclasses import dataclass, field

from tqdm import tqdm

from enterprise_export.clients.exceptions import ChannelError
from enterprise_export.transmitters.base import Transmitter
from enterprise_export.utils import batched, latest_transmitted_grades

LOGGER = logging.getLogger(__name__)

AUDIT_KEY_FIELDS = ('plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id')


@dataclass
class TransmissionSummary:
    """What one transmission did: records sent, skipped (not sent, not saved) and failed."""

    channel: str
    configuration_id: int
    enterprise_customer: str
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    would_send: list = field(default_factory=list)

    def as_dict(self):
        return {'channel': self.channel, 'configuration_id': self.configuration_id,
                'enterprise_customer': self.enterprise_customer,
                'sent': self.sent, 'skipped': self.skipped, 'failed': self.failed}


class LearnerTransmitter(Transmitter):
    """
    Sends learner-data records to one channel configuration and saves an audit row per attempt.

    Subclasses set ``channel_code`` and ``audit_model`` and implement ``send_record``; a channel
    without pass or fail sets ``completions_only``.
    """

    channel_code = None
    audit_model = None
    completions_only = False
    batch_size = 100

    def transmit(self, exporter, *, dry_run=False, **export_kwargs):
        """
        Export and send every record; return a ``TransmissionSummary``.

        With ``dry_run``, nothing is sent or saved: the rules are applied as if every send
        succeeded, and the records that would be sent are in ``summary.would_send``.
        """
        configuration = self.enterprise_configuration
        summary = TransmissionSummary(self.channel_code, configuration.pk, configuration.enterprise_customer.slug)
        self._last_success = None
        records = exporter.export(TransmissionAudit=self.audit_model, app_label=self.channel_code, **export_kwargs)
        progress = tqdm(records, desc=f'{self.channel_code} configuration {configuration.pk}', unit=' records',
                        disable=None, leave=False)
        for batch in batched(progress, self.batch_size):
            self._transmit_batch(batch, summary, dry_run)
        LOGGER.info(
            '%s configuration %s: %s sent, %s skipped, %s failed%s', self.channel_code, configuration.pk,
            summary.sent, summary.skipped, summary.failed, ' (dry run)' if dry_run else '',
            extra={'channel': self.channel_code, 'configuration_id': configuration.pk},
        )
        return summary

    def is_sendable(self, record):
        """True when the channel takes this record at all: it has a date (and is a completion, if asked)."""
        if self.completions_only and not record.course_completed:
            return False
        return record.completed_timestamp is not None

    def send_record(self, record):
        """Send one record; return the channel's HTTP status or raise ``ChannelError``. Override."""
        raise NotImplementedError

    def handle_failure(self, record, error):
        """Hook for what a channel's failure means beyond the audit row (nothing by default)."""

    def _transmit_batch(self, batch, summary, dry_run):
        sent_grades = latest_transmitted_grades(
            self.audit_model, {record.enterprise_course_enrollment_id for record in batch},
            subsection_id=None, plugin_configuration_id=self.enterprise_configuration.pk,
        )
        attempted = []
        for record in batch:
            if not self._should_send(record, sent_grades):
                summary.skipped += 1
                continue
            if dry_run:
                summary.would_send.append(record)
                self._last_success = record.enterprise_course_enrollment_id
                continue
            self._send(record)
            attempted.append(record)
            if record.sent_successfully:
                summary.sent += 1
                self._last_success = record.enterprise_course_enrollment_id
            else:
                summary.failed += 1
        if attempted:
            self._save(attempted)

    def _should_send(self, record, sent_grades):
        enrollment_id = record.enterprise_course_enrollment_id
        if not self.is_sendable(record):
            return False
        if enrollment_id in sent_grades and sent_grades[enrollment_id] == record.grade:
            return False
        # The course-key record of this enrollment was just sent: its run-id record is not.
        return enrollment_id != self._last_success

    def _send(self, record):
        try:
            record.status = self.send_record(record)
            record.error_message = ''
        except ChannelError as error:
            record.status, record.error_message = error.status, error.message
            LOGGER.warning(
                '%s configuration %s: enrollment %s in %s failed: %s', self.channel_code,
                self.enterprise_configuration.pk, record.enterprise_course_enrollment_id, record.course_id, error,
                extra={'channel': self.channel_code, 'enrollment_id': record.enterprise_course_enrollment_id},
            )
            self.handle_failure(record, error)
        except Exception as error:  # noqa: BLE001 - one bad record must never stop the others
            record.status, record.error_message = None, f'{type(error).__name__} while sending (see the logs)'
            LOGGER.exception('%s configuration %s: enrollment %s in %s could not be sent', self.channel_code,
                             self.enterprise_configuration.pk, record.enterprise_course_enrollment_id,
                             record.course_id, extra={'channel': self.channel_code})

    def _save(self, records):
        """Insert the batch's audit rows, or update the rows of the same target, in one statement."""
        update_fields = [
            audit_field.name for audit_field in self.audit_model._meta.concrete_fields
            if not audit_field.primary_key and audit_field.name not in AUDIT_KEY_FIELDS + ('created',)
        ]
        self.audit_model.objects.bulk_create(
            records, update_conflicts=True, unique_fields=list(AUDIT_KEY_FIELDS), update_fields=update_fields,
        )
