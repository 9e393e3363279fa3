"""
The learner-data transmitter: the rules of SPEC section 6 around one channel's ``send_record``.

Records are taken from the exporter in batches: one query finds what was already sent for a
batch. Each record's audit row is then committed as soon as the channel has answered (insert,
or update the row of the same configuration, enrollment, course id and subsection), so a run
killed at any moment has recorded every answer it got but those of the records in flight
(SPEC section 11).

Sending is one loop (``transmitters/sending.py``): one record at a time, or with
``ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY`` above 1 several HTTP calls in flight at once, and a dry
run, all give the same rows and summaries.
"""

import logging

from tqdm import tqdm

from enterprise_export.conf import get_setting
from enterprise_export.exporters.request import EVERY_LEARNER
from enterprise_export.fields import SECRET_UNREADABLE_ERROR, unreadable_secret_names
from enterprise_export.outcomes import RunAbortedError, TransmissionSummary
from enterprise_export.runs import RecordedRun
from enterprise_export.transmitters.base import Transmitter
from enterprise_export.transmitters.sending import AUDIT_KEY_FIELDS, SendRun
from enterprise_export.workers import Workers

LOGGER = logging.getLogger(__name__)

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

    def transmit(self, exporter, request=EVERY_LEARNER, *, dry_run=False, force=False, run_id=None):
        """
        Export (``request``: an ``ExportRequest``, every learner by default) and send every
        record; return a ``TransmissionSummary``.

        The run is recorded (a ``TransmissionRun`` under ``run_id``, a new one by default), and
        every audit row it writes carries its id. ``force`` sends records already sent with the
        same grade too (a resend on request). With ``dry_run``, nothing is sent or saved and no
        run is recorded: the rules are applied as if every send succeeded, and the records that
        would be sent are in ``summary.would_send``. A run that cannot do its job at all
        (credentials refused), or that an error stopped mid-way (the database went away), stops
        and says why in ``summary.error``, beside what it did before.
        """
        configuration = self.enterprise_configuration
        summary = TransmissionSummary(self.channel_code, configuration.pk, configuration.enterprise_customer.slug)
        if dry_run:
            return self._transmit(exporter, request, summary, dry_run=True, force=force)
        run = RecordedRun(self.channel_code, configuration, run_id).start()
        summary.run_id = str(run.run_id)
        try:
            self._transmit(exporter, request, summary, dry_run=False, force=force)
        finally:
            run.finish(summary)
        return summary

    def _transmit(self, exporter, request, summary, *, dry_run, force):
        configuration = self.enterprise_configuration
        extra = {'channel': self.channel_code, 'configuration_id': configuration.pk}
        unreadable = unreadable_secret_names(configuration)
        if unreadable:
            # Sending with an empty secret would only be refused: nothing is exported or sent.
            summary.error = SECRET_UNREADABLE_ERROR
            LOGGER.error('%s configuration %s: run stopped: %s (%s)', self.channel_code, configuration.pk,
                         SECRET_UNREADABLE_ERROR, ', '.join(unreadable), extra=extra)
            return summary
        width = 1 if dry_run else get_setting('ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY')
        executor = self.send_executor(width)
        sends = SendRun(self, summary, executor=executor, width=width, dry_run=dry_run, force=force)
        records = exporter.export(request)
        progress = tqdm(records, desc=f'{self.channel_code} configuration {configuration.pk}', unit=' records',
                        disable=None, leave=False)
        try:
            sends.send(progress)
        except RunAbortedError as aborted:
            summary.error = aborted.reason
            LOGGER.error('%s configuration %s: run stopped: %s', self.channel_code, configuration.pk,
                         aborted.reason, extra=extra)
        except Exception as error:  # noqa: BLE001 - what the run did is reported beside why it stopped
            summary.error = f'the task raised {type(error).__name__}'
            LOGGER.exception('%s configuration %s: run stopped by %s after %s sent and %s failed', self.channel_code,
                             configuration.pk, type(error).__name__, summary.sent, summary.failed, extra=extra)
        finally:
            progress.close()
            if hasattr(records, 'close'):
                records.close()  # a stopped run ends the export too (its LMS workers)
            executor.shutdown(wait=True, cancel_futures=True)
        lms_failures = getattr(exporter, 'lms_failures', None)
        if lms_failures is not None:
            summary.lms_errors = lms_failures.failed
            summary.error = summary.error or lms_failures.error
        if dry_run:
            LOGGER.info(
                '%s configuration %s (dry run): %s would be sent, %s skipped, %s lms_errors, error: %s',
                self.channel_code, configuration.pk, len(summary.would_send), summary.skipped, summary.lms_errors,
                summary.error, extra=extra,
            )
        return summary

    def is_sendable(self, record):
        """True when the channel takes this record at all: it has a date (and is a completion, if asked)."""
        if self.completions_only and not record.course_completed:
            return False
        return record.completed_timestamp is not None

    def send_executor(self, width):
        """What makes the channel calls: ``width`` threads, or at once in the calling thread (``width`` 1)."""
        return Workers(width, name='channel-send')

    def load_batch(self, records):
        """
        Called in the calling thread with each batch of records before any of them is sent: read
        from the database, in a few queries for the whole batch, what ``send_record`` needs and put
        it on the records (``send_record`` may run in a worker thread, which must not query).
        Override when the channel needs more than the record; nothing by default.
        """

    def send_record(self, record):
        """
        Send one record; return the channel's HTTP status or raise ``ChannelError`` (its ``kind``
        set when the channel knows better than the status). Override.

        It may run in a worker thread: HTTP through ``self.client`` only, no database.
        """
        raise NotImplementedError

    def handle_failure(self, record, error):
        """
        Called in the calling thread with a record's ``ChannelError``, in the transaction that
        records it: what a channel's failure means beyond the audit row (nothing by default).
        """
