"""
The learner-data transmitter: the rules of SPEC section 6 around one channel's ``send_record``.

Records are taken from the exporter in batches: one query finds what was already sent for a
batch. Each record's audit row is then written as soon as the channel has answered (insert, or
update the row of the same configuration, enrollment, course id and subsection), so a run
killed at any moment has recorded every answer it got (SPEC section 11).
"""

import logging

from django.db import connections, router
from tqdm import tqdm

from enterprise_export.clients.exceptions import ChannelError, ChannelTokenError
from enterprise_export.outcomes import RunAbortedError, TransmissionSummary
from enterprise_export.transmitters.base import Transmitter
from enterprise_export.utils import batched, get_course_key, latest_transmitted_grades

LOGGER = logging.getLogger(__name__)

AUDIT_KEY_FIELDS = ('plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id')

__all__ = ['AUDIT_KEY_FIELDS', 'LearnerTransmitter', 'TransmissionSummary']


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
        succeeded, and the records that would be sent are in ``summary.would_send``. A run that
        cannot do its job at all (credentials refused) stops and says why in ``summary.error``.
        """
        configuration = self.enterprise_configuration
        summary = TransmissionSummary(self.channel_code, configuration.pk, configuration.enterprise_customer.slug)
        self._last_success = None
        records = exporter.export(TransmissionAudit=self.audit_model, app_label=self.channel_code, **export_kwargs)
        progress = tqdm(records, desc=f'{self.channel_code} configuration {configuration.pk}', unit=' records',
                        disable=None, leave=False)
        extra = {'channel': self.channel_code, 'configuration_id': configuration.pk}
        try:
            for batch in batched(progress, self.batch_size):
                self._transmit_batch(batch, summary, dry_run)
        except RunAbortedError as aborted:
            summary.error = aborted.reason
            LOGGER.error('%s configuration %s: run stopped: %s', self.channel_code, configuration.pk,
                         aborted.reason, extra=extra)
        finally:
            progress.close()
            if hasattr(records, 'close'):
                records.close()  # a stopped run ends the export too (its LMS workers)
        lms_failures = getattr(exporter, 'lms_failures', None)
        if lms_failures is not None:
            summary.lms_errors = lms_failures.failed
            summary.error = summary.error or lms_failures.error
        LOGGER.info(
            '%s configuration %s: %s sent, %s skipped, %s failed, %s lms_errors, error: %s%s', self.channel_code,
            configuration.pk, summary.sent, summary.skipped, summary.failed, summary.lms_errors, summary.error,
            ' (dry run)' if dry_run else '', extra=extra,
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
        for record in batch:
            if not self._should_send(record, sent_grades):
                summary.skipped += 1
            elif dry_run:
                summary.would_send.append(record)
                self._last_success = record.enterprise_course_enrollment_id
            else:
                self._transmit_record(record, summary)

    def _transmit_record(self, record, summary):
        """Send one record and make its answer durable at once; a refused channel token ends the run."""
        token_error = self._send(record)
        self._save(record)
        if record.sent_successfully:
            summary.sent += 1
            self._last_success = record.enterprise_course_enrollment_id
            self._supersede_failed_run_rows(record)
            return
        summary.failed += 1
        if token_error is not None and token_error.refused:
            raise RunAbortedError(f'{self.channel_code} credentials refused (HTTP {token_error.status})')

    def _should_send(self, record, sent_grades):
        enrollment_id = record.enterprise_course_enrollment_id
        if not self.is_sendable(record):
            return False
        if enrollment_id in sent_grades and sent_grades[enrollment_id] == record.grade:
            return False
        # The course-key record of this enrollment was just sent: its run-id record is not.
        return enrollment_id != self._last_success

    def _send(self, record):
        """Send ``record``, recording the answer on it; return the ``ChannelTokenError`` if that was the failure."""
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
            return error if isinstance(error, ChannelTokenError) else None
        except Exception as error:  # noqa: BLE001 - one bad record must never stop the others
            record.status, record.error_message = None, f'{type(error).__name__} while sending (see the logs)'
            LOGGER.exception('%s configuration %s: enrollment %s in %s could not be sent', self.channel_code,
                             self.enterprise_configuration.pk, record.enterprise_course_enrollment_id,
                             record.course_id, extra={'channel': self.channel_code})
        return None

    def _save(self, record):
        """
        Insert the record's audit row, or update the row of the same target, in one statement.

        Backends that name the conflict target (SQLite, PostgreSQL) get the unique fields; MySQL
        and MariaDB update on any unique key (``ON DUPLICATE KEY UPDATE``) and take none.
        """
        record.plugin_configuration_id = self.enterprise_configuration.pk
        record.superseded = False
        connection = connections[router.db_for_write(self.audit_model)]
        unique_fields = list(AUDIT_KEY_FIELDS) if connection.features.supports_update_conflicts_with_target else None
        self.audit_model.objects.bulk_create(
            [record], update_conflicts=True, unique_fields=unique_fields, update_fields=self._update_fields(),
        )

    def _update_fields(self):
        return [
            audit_field.name for audit_field in self.audit_model._meta.concrete_fields
            if not audit_field.primary_key and audit_field.name not in AUDIT_KEY_FIELDS + ('created',)
        ]

    def _supersede_failed_run_rows(self, record):
        """
        After a course-key record is sent, the failed rows of the enrollment's other course ids
        (its run id) are no longer failures: the completion reached the channel (SPEC 11).
        """
        if record.subsection_id or get_course_key(record.course_id) is not None:
            return  # a run-id or subsection record supersedes nothing
        self.audit_model.objects.filter(
            plugin_configuration_id=self.enterprise_configuration.pk,
            enterprise_course_enrollment_id=record.enterprise_course_enrollment_id,
            subsection_id='', superseded=False,
        ).exclude(course_id=record.course_id).exclude(
            status__gte=200, status__lt=300, error_message='',
        ).update(superseded=True)
