"""
The learner-data transmitter: the rules of SPEC section 6 around one channel's ``send_record``.

Records are taken from the exporter in batches: one query finds what was already sent for a
batch. Each record's audit row is then written as soon as the channel has answered (insert, or
update the row of the same configuration, enrollment, course id and subsection), so a run
killed at any moment has recorded every answer it got (SPEC section 11).

With ``ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY`` above 1, the HTTP calls of several records are in
flight at once (``transmitters/concurrent.py``); the decisions and the audit writes stay here,
in the calling thread, and give the same rows as one record at a time.
"""

import logging

from django.db import connections, router
from tqdm import tqdm

from enterprise_export.audits import sent_q
from enterprise_export.clients.exceptions import ChannelError, ChannelTokenError
from enterprise_export.conf import get_setting
from enterprise_export.exporters.request import EVERY_LEARNER
from enterprise_export.fields import SECRET_UNREADABLE_ERROR, unreadable_secret_names
from enterprise_export.outcomes import RunAbortedError, TransmissionSummary
from enterprise_export.transmitters.base import Transmitter
from enterprise_export.transmitters.concurrent import ConcurrentSends
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

    def transmit(self, exporter, request=EVERY_LEARNER, *, dry_run=False):
        """
        Export (``request``: an ``ExportRequest``, every learner by default) and send every
        record; return a ``TransmissionSummary``.

        With ``dry_run``, nothing is sent or saved: the rules are applied as if every send
        succeeded, and the records that would be sent are in ``summary.would_send``. A run that
        cannot do its job at all (credentials refused) stops and says why in ``summary.error``.
        """
        configuration = self.enterprise_configuration
        summary = TransmissionSummary(self.channel_code, configuration.pk, configuration.enterprise_customer.slug)
        extra = {'channel': self.channel_code, 'configuration_id': configuration.pk}
        unreadable = unreadable_secret_names(configuration)
        if unreadable:
            # Sending with an empty secret would only be refused: nothing is exported or sent.
            summary.error = SECRET_UNREADABLE_ERROR
            LOGGER.error('%s configuration %s: run stopped: %s (%s)', self.channel_code, configuration.pk,
                         SECRET_UNREADABLE_ERROR, ', '.join(unreadable), extra=extra)
            return summary
        self._sent_enrollments = set()
        concurrency = get_setting('ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY')
        self._concurrent = ConcurrentSends(self, concurrency) if concurrency > 1 and not dry_run else None
        records = exporter.export(request)
        progress = tqdm(records, desc=f'{self.channel_code} configuration {configuration.pk}', unit=' records',
                        disable=None, leave=False)
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
            if self._concurrent is not None:
                self._concurrent.close()
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

    def prepare_send(self, record):
        """
        Called in the calling thread before ``send_record``: read from the database what sending
        needs (``send_record`` may run in a worker thread, which must not query). Raise
        ``ChannelError`` when the record cannot be sent. Nothing by default.
        """

    def send_record(self, record):
        """
        Send one record; return the channel's HTTP status or raise ``ChannelError``. Override.

        It may run in a worker thread: HTTP through ``self.client`` only, no database.
        """
        raise NotImplementedError

    def handle_failure(self, record, error):
        """Hook for what a channel's failure means beyond the audit row (nothing by default)."""

    def _transmit_batch(self, batch, summary, dry_run):
        enrollment_ids = {record.enterprise_course_enrollment_id for record in batch}
        sent_grades = latest_transmitted_grades(
            self.audit_model, enrollment_ids,
            subsection_id=None, plugin_configuration_id=self.enterprise_configuration.pk,
        )
        self._with_failed_rows = set(self._failed_rows(enrollment_ids).values_list(
            'enterprise_course_enrollment_id', flat=True))
        if self._concurrent is not None:
            self._concurrent.send_batch(batch, sent_grades, summary)
        else:
            for record in batch:
                if not self.should_send(record, sent_grades):
                    summary.skipped += 1
                elif dry_run:
                    summary.would_send.append(record)
                    self._sent_enrollments.add(record.enterprise_course_enrollment_id)
                else:
                    self.finish_record(record, self.check_ready(record) or self.call_channel(record), summary)
        # An enrollment's records come out together: only the last one can go on into the next batch.
        self._sent_enrollments &= {batch[-1].enterprise_course_enrollment_id}

    def finish_record(self, record, answer, summary):
        """Record one send's ``answer`` and make it durable at once; a refused channel token ends the run."""
        token_error = self._apply_answer(record, *answer)
        self._save(record)
        if record.sent_successfully:
            summary.sent += 1
            self._sent_enrollments.add(record.enterprise_course_enrollment_id)
            self._supersede_failed_run_rows(record)
            return
        summary.failed += 1
        if token_error is not None and token_error.refused:
            raise RunAbortedError(f'{self.channel_code} credentials refused (HTTP {token_error.status})')

    # What ``ConcurrentSends`` uses, in the calling thread (``call_channel`` in its workers):
    # ``should_send``, ``check_ready``, ``finish_record``.

    def should_send(self, record, sent_grades):
        """The rules of SPEC section 6 for one record, given the batch's ``sent_grades``."""
        enrollment_id = record.enterprise_course_enrollment_id
        if not self.is_sendable(record):
            return False
        if enrollment_id in sent_grades and sent_grades[enrollment_id] == record.grade:
            return False
        # The course-key record of this enrollment was just sent: its run-id record is not.
        return enrollment_id not in self._sent_enrollments

    def check_ready(self, record):
        """None when ``record`` is ready to send; else the failed answer ``(None, error)``."""
        try:
            self.prepare_send(record)
        except Exception as error:  # noqa: BLE001 - one bad record must never stop the others
            return None, error
        return None

    def call_channel(self, record):
        """Send ``record``: ``(status, None)``, or ``(None, error)``. HTTP only: safe in a worker thread."""
        try:
            return self.send_record(record), None
        except Exception as error:  # noqa: BLE001 - one bad record must never stop the others
            return None, error

    def _apply_answer(self, record, status, error):
        """Put the answer on ``record``; return the ``ChannelTokenError`` if that was the failure."""
        if error is None:
            record.status, record.error_message = status, ''
            return None
        if isinstance(error, ChannelError):
            record.status, record.error_message = error.status, error.message
            LOGGER.warning(
                '%s configuration %s: enrollment %s in %s failed: %s', self.channel_code,
                self.enterprise_configuration.pk, record.enterprise_course_enrollment_id, record.course_id, error,
                extra={'channel': self.channel_code, 'enrollment_id': record.enterprise_course_enrollment_id},
            )
            self.handle_failure(record, error)
            return error if isinstance(error, ChannelTokenError) else None
        record.status, record.error_message = None, f'{type(error).__name__} while sending (see the logs)'
        LOGGER.error('%s configuration %s: enrollment %s in %s could not be sent', self.channel_code,
                     self.enterprise_configuration.pk, record.enterprise_course_enrollment_id,
                     record.course_id, exc_info=error, extra={'channel': self.channel_code})
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
        if record.enterprise_course_enrollment_id not in self._with_failed_rows:
            return  # nothing failed for this enrollment before its batch (its run id comes after its course key)
        self._failed_rows([record.enterprise_course_enrollment_id]).exclude(
            course_id=record.course_id,
        ).update(superseded=True)

    def _failed_rows(self, enrollment_ids):
        """The course-level rows of ``enrollment_ids`` whose last attempt failed and that nothing superseded."""
        return self.audit_model.objects.filter(
            plugin_configuration_id=self.enterprise_configuration.pk,
            enterprise_course_enrollment_id__in=list(enrollment_ids),
            subsection_id='', superseded=False,
        ).exclude(sent_q())
