"""
The one send loop of a transmission: the rules of SPEC section 6 per record, up to ``width``
records in flight, and each answer's audit row committed before its slot is free again.

One at a time is this loop over ``workers.Workers(1)`` (its ``submit`` makes the call at once);
several in flight, over ``Workers(width)``, the pool type of the exporter's LMS fan-out, whose
threads only make the HTTP calls
(``transmitter.send_record``); a dry run sends nothing (its "send" succeeds without a call) and
saves nothing. The decisions, the database reads and the audit writes stay in the calling
thread, so the audit rows and what the channel receives are those of one record at a time:

- a record waits while another record of its enrollment is in flight (the course-key record
  is answered before the run-id record is even considered, and not sent when the former was);
- the run's first call is made alone, so that the token it fetches serves every worker
  (and refused credentials stop the run after one record, as they do one at a time);
- a record's slot is free again only once its row is committed, so that no more than
  ``width`` records are ever sent but not recorded (SPEC 11); the answers that came in while
  the previous commit ran are committed together, in one transaction;
- the next batch is read (one query for what was already sent, the channel's ``load_batch``)
  while the last records of the previous one are in flight;
- a run that stops (credentials refused) first records the answers already on their way.
"""

import logging
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, wait
from functools import cached_property

from django.db import connections, router, transaction

from enterprise_export.audits import latest_transmitted_grades, sent_q
from enterprise_export.clients.exceptions import ChannelError, ChannelStopError, ChannelTokenError
from enterprise_export.failures import FailureKind
from enterprise_export.outcomes import RunAbortedError
from enterprise_export.utils import batched

LOGGER = logging.getLogger(__name__)

AUDIT_KEY_FIELDS = ('plugin_configuration_id', 'enterprise_course_enrollment_id', 'course_id', 'subsection_id')


def call_channel(send_record, record):
    """``(status, None)`` or ``(None, error)`` of ``send_record(record)``: HTTP only, safe in a worker thread."""
    try:
        return send_record(record), None
    except Exception as error:  # noqa: BLE001 - one bad record must never stop the others
        return None, error


def pretend_to_send(record):
    """A dry run's send: it succeeds without a call."""
    return None, None


class SendRun:
    """
    One transmission's sends and what they need to remember: the ``summary``, what was already
    sent for the records read so far, the enrollments whose course-key record was just sent,
    which enrollments have failed rows, and the records in flight (sent, row not yet committed).

    ``send(records)`` returns once each record is answered and recorded; it raises
    ``RunAbortedError`` when the channel refuses the credentials or says to stop.
    """

    def __init__(self, transmitter, summary, *, executor, width=1, dry_run=False, force=False):
        self.transmitter = transmitter
        self.summary = summary
        self.executor = executor
        self.width = width
        self.dry_run = dry_run
        self.force = force  # a resend on request: what was sent with the same grade is sent again
        self.run_id = summary.run_id
        self.audit_model = transmitter.audit_model
        self.configuration_id = transmitter.enterprise_configuration.pk
        self._database = router.db_for_write(self.audit_model)
        self._send = pretend_to_send if dry_run else self._call_channel
        self._queue = deque()  # records read and not yet decided, in export order
        self._in_flight = {}  # future -> record: its slot is taken until its row is committed
        self._busy = set()  # the enrollments of the records in flight
        self._held = defaultdict(deque)  # enrollment id -> its records waiting for the one in flight
        self._sent_grades = {}  # enrollment id -> the grade it was last sent with (when its batch was read)
        self._sent_enrollments = set()  # enrollments whose course-key record this run sent
        self._with_failed_rows = set()  # enrollments with a failed course-level row nothing superseded
        self._last_enrollment = None  # of the last record read: its next records may be in the next batch
        self._first_answered = False

    def send(self, records):
        """Send ``records`` (in export order, an enrollment's records together), ``batch_size`` read at a time."""
        batches = batched(records, self.transmitter.batch_size)
        more = True
        try:
            while more or self._queue or self._in_flight:
                if more and not self._queue:
                    more = self._read_batch(batches)
                self._start_sends()
                # Wait for an answer only when there is nothing else to do (no room, or nothing more to read).
                self._record_answers(block=not (more and not self._queue and self._has_room()))
        except Exception:
            self._record_in_flight()
            raise

    # Reading

    def _read_batch(self, batches):
        """Queue the next batch, with what it needs from the database; False when there is none."""
        batch = next(batches, None)
        if batch is None:
            return False
        self._forget_done_enrollments()
        enrollment_ids = {record.enterprise_course_enrollment_id for record in batch}
        self._sent_grades.update(latest_transmitted_grades(
            self.audit_model, enrollment_ids, subsection_id=None, plugin_configuration_id=self.configuration_id,
        ))
        self._with_failed_rows.update(self._failed_rows(enrollment_ids).values_list(
            'enterprise_course_enrollment_id', flat=True))
        self.transmitter.load_batch(batch)
        self._queue.extend(batch)
        self._last_enrollment = batch[-1].enterprise_course_enrollment_id
        return True

    def _forget_done_enrollments(self):
        """An enrollment's records come out together: only those with records to come are remembered."""
        pending = self._busy | set(self._held) | {self._last_enrollment}
        self._sent_enrollments &= pending
        self._with_failed_rows &= pending
        self._sent_grades = {enrollment_id: grade for enrollment_id, grade in self._sent_grades.items()
                             if enrollment_id in pending}

    # Sending

    def _has_room(self):
        # The first call is made alone: it fetches the token every worker then shares.
        return len(self._in_flight) < (self.width if self._first_answered else 1)

    def _start_sends(self):
        while self._queue and self._has_room():
            record = self._queue.popleft()
            enrollment_id = record.enterprise_course_enrollment_id
            if enrollment_id in self._busy:
                self._held[enrollment_id].append(record)
            elif not self._should_send(record):
                self.summary.skipped += 1
                self._supersede_if_already_sent(record)
            else:
                self._busy.add(enrollment_id)
                self._in_flight[self.executor.submit(self._send, record)] = record

    def _should_send(self, record):
        """The rules of SPEC section 6 for one record."""
        enrollment_id = record.enterprise_course_enrollment_id
        if not self.transmitter.is_sendable(record):
            return False
        if self._already_sent(record) and not self.force:
            return False
        # The course-key record of this enrollment was just sent: its run-id record is not.
        return enrollment_id not in self._sent_enrollments

    def _already_sent(self, record):
        """True when the record's enrollment was sent with its grade (when its batch was read)."""
        enrollment_id = record.enterprise_course_enrollment_id
        return enrollment_id in self._sent_grades and self._sent_grades[enrollment_id] == record.grade

    def _call_channel(self, record):
        return call_channel(self.transmitter.send_record, record)

    # Recording

    def _record_answers(self, block):
        """Record the answers that are in (waiting for one when ``block``), then free their slots."""
        if not self._in_flight:
            return
        if block:
            wait(self._in_flight, return_when=FIRST_COMPLETED)
        done = [future for future in self._in_flight if future.done()]  # in the order they were sent
        if not done:
            return
        self._first_answered = True
        answered = [(self._in_flight.pop(future), future.result()) for future in done]
        stop_reason = self._record(answered)
        for record, _ in answered:
            self._free(record)
        if stop_reason is not None:
            raise RunAbortedError(stop_reason)

    def _free(self, record):
        """The record's slot is free: the records held behind it go back to the front of the queue, in order."""
        enrollment_id = record.enterprise_course_enrollment_id
        self._busy.discard(enrollment_id)
        held = self._held.pop(enrollment_id, None)
        if held:
            self._queue.extendleft(reversed(held))

    def _record_in_flight(self):
        """The run is stopping: record the answers still on their way (nothing new is sent)."""
        self._queue.clear()
        self._held.clear()
        answered = [(record, future.result()) for future, record in self._in_flight.items()]
        self._in_flight.clear()
        self._busy.clear()
        if answered:
            self._record(answered)

    def _record(self, answered):
        """
        Record ``answered`` (``(record, (status, error))`` pairs), their rows in one transaction;
        return why the run must stop (refused credentials, or a channel that says to stop), if any.
        """
        if self.dry_run:
            for record, _ in answered:
                self.summary.would_send.append(record)
                self._sent_enrollments.add(record.enterprise_course_enrollment_id)
            return None
        stop_reason = None
        for record, (status, error) in answered:
            stop_reason = self._apply_answer(record, status, error) or stop_reason
        records = [record for record, _ in answered]
        with transaction.atomic(using=self._database):
            self._save(records)
            for record, (_, error) in answered:
                if isinstance(error, ChannelError):
                    self.transmitter.handle_failure(record, error)
                elif record.sent_successfully:
                    self._supersede_other_failed_rows(record)
        for record in records:
            if record.sent_successfully:
                self.summary.sent += 1
                self._sent_enrollments.add(record.enterprise_course_enrollment_id)
            else:
                self.summary.failed += 1
                if not record.subsection_id:
                    self._with_failed_rows.add(record.enterprise_course_enrollment_id)
        return stop_reason

    def _apply_answer(self, record, status, error):
        """Put the answer on ``record``; return why the run must stop when the answer means it (else None)."""
        if error is None:
            record.status, record.error_message, record.failure_kind = status, '', ''
            return None
        enrollment_id = record.enterprise_course_enrollment_id
        if isinstance(error, ChannelError):
            record.status, record.error_message, record.failure_kind = error.status, error.message, error.kind
            LOGGER.warning(
                '%s configuration %s: enrollment %s in %s failed: %s', self.transmitter.channel_code,
                self.configuration_id, enrollment_id, record.course_id, error,
                extra={'channel': self.transmitter.channel_code, 'enrollment_id': enrollment_id},
            )
            return self._stop_reason(error)
        record.status, record.failure_kind = None, FailureKind.UNEXPECTED
        record.error_message = f'{type(error).__name__} while sending (see the logs)'
        LOGGER.error('%s configuration %s: enrollment %s in %s could not be sent', self.transmitter.channel_code,
                     self.configuration_id, enrollment_id, record.course_id, exc_info=error,
                     extra={'channel': self.transmitter.channel_code})
        return None

    def _stop_reason(self, error):
        """Why the run stops after ``error`` (a ``ChannelError``): refused credentials, a channel's stop; else None."""
        if isinstance(error, ChannelTokenError) and error.refused:
            return f'{self.transmitter.channel_code} credentials refused (HTTP {error.status})'
        if isinstance(error, ChannelStopError):
            return error.reason
        return None

    def _save(self, records):
        """
        Insert the records' audit rows, or update the rows of the same targets, in one statement
        (the records in flight together are of different enrollments: never two of one target).

        Backends that name the conflict target (SQLite, PostgreSQL) get the unique fields; MySQL
        and MariaDB update on any unique key (``ON DUPLICATE KEY UPDATE``) and take none.
        """
        for record in records:
            record.plugin_configuration_id = self.configuration_id
            record.superseded = False
            record.run_id = self.run_id
        features = connections[self._database].features
        unique_fields = list(AUDIT_KEY_FIELDS) if features.supports_update_conflicts_with_target else None
        self.audit_model.objects.using(self._database).bulk_create(
            records, update_conflicts=True, unique_fields=unique_fields, update_fields=self._update_fields,
        )

    @cached_property
    def _update_fields(self):
        """Every field an attempt sets again: all but the key, the id and ``created``."""
        return [
            audit_field.name for audit_field in self.audit_model._meta.concrete_fields
            if not audit_field.primary_key and audit_field.name not in AUDIT_KEY_FIELDS + ('created',)
        ]

    def _supersede_other_failed_rows(self, record):
        """
        After a course-level record is sent, the failed rows of the enrollment's other course id
        (its course key, or its run id) are no longer failures: the completion reached the
        channel by the other target (SPEC 11, 21).
        """
        if record.subsection_id:
            return  # a subsection record supersedes nothing
        if record.enterprise_course_enrollment_id not in self._with_failed_rows:
            return  # nothing failed for this enrollment, before its batch or in this run
        self._failed_rows([record.enterprise_course_enrollment_id]).exclude(
            course_id=record.course_id,
        ).update(superseded=True)

    def _supersede_if_already_sent(self, record):
        """
        A course-level record skipped because its enrollment's completion was already sent with
        its grade (by the other course id): the enrollment's failed rows left from before (imported
        ones, or written before superseding held both ways) are no longer failures either.
        """
        enrollment_id = record.enterprise_course_enrollment_id
        if self.dry_run or record.subsection_id or enrollment_id not in self._with_failed_rows:
            return
        if self._already_sent(record):
            self._failed_rows([enrollment_id]).update(superseded=True)
            self._with_failed_rows.discard(enrollment_id)

    def _failed_rows(self, enrollment_ids):
        """The course-level rows of ``enrollment_ids`` whose last attempt failed and that nothing superseded."""
        return self.audit_model.objects.filter(
            plugin_configuration_id=self.configuration_id,
            enterprise_course_enrollment_id__in=list(enrollment_ids),
            subsection_id='', superseded=False,
        ).exclude(sent_q(self.audit_model))
