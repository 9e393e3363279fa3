"""
A configuration's run as operators and monitoring see it (SPEC 19, 21): its ``TransmissionRun``
row, its one summary line in the log, and its custom attributes in the APM.

Every run of either task and every resend is recorded, a locked one included; a dry run is not.
The row is written when the run starts, so a run that died shows no ``finished``.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone
from edx_django_utils.monitoring import set_custom_attribute

from enterprise_export.conf import get_setting
from enterprise_export.models import TransmissionRun

LOGGER = logging.getLogger(__name__)

ATTRIBUTE_PREFIX = 'enterprise_export.'


class RecordedRun:
    """
    One configuration's run: ``start()`` writes its row, ``finish(summary)`` completes it, sets
    the telemetry and logs the summary line. ``run_id`` goes on every audit row the run writes.

    A run id given again (a single-learner task retried after a lock) names the same run: its row
    is started again.
    """

    def __init__(self, channel_code, configuration, run_id=None):
        self.channel_code = channel_code
        self.configuration = configuration
        self.run_id = uuid.UUID(str(run_id)) if run_id else uuid.uuid4()
        self._started_at = None

    def start(self):
        self._started_at = time.monotonic()
        values = {
            'channel': self.channel_code, 'configuration_id': self.configuration.pk,
            'enterprise_customer_id': self.configuration.enterprise_customer_id, 'started': timezone.now(),
            'finished': None, 'sent': 0, 'skipped': 0, 'failed': 0, 'lms_errors': 0, 'error': '',
        }
        # Single statements, not update_or_create: its read-then-write transaction fails at once on
        # SQLite ("database is locked") when another process is writing, where a lone write waits.
        if not TransmissionRun.objects.filter(run_id=self.run_id).update(**values):
            TransmissionRun.objects.create(run_id=self.run_id, **values)
        return self

    def finish(self, summary):
        """Record what ``summary`` says the run did, tell the APM, and log the run's summary line."""
        duration = time.monotonic() - self._started_at
        counts = {name: getattr(summary, name) for name in ('sent', 'skipped', 'failed', 'lms_errors')}
        error = summary.error or ''
        extra = {'channel': self.channel_code, 'configuration_id': self.configuration.pk, 'run_id': str(self.run_id)}
        try:
            TransmissionRun.objects.filter(run_id=self.run_id).update(finished=timezone.now(), error=error, **counts)
        except DatabaseError:
            # The database that stopped the run may still be gone: what the run did is told below all the same.
            LOGGER.exception('%s configuration %s run %s: its end could not be recorded', self.channel_code,
                             self.configuration.pk, self.run_id, extra=extra)
        attributes = {'channel': self.channel_code, 'configuration_id': int(self.configuration.pk), **counts,
                      'error': error, 'duration_s': round(duration, 3)}
        for name, value in attributes.items():
            set_custom_attribute(ATTRIBUTE_PREFIX + name, value)
        LOGGER.info(
            '%s configuration %s run %s: %s sent, %s skipped, %s failed, %s lms_errors, error: %s, %.2f s',
            self.channel_code, self.configuration.pk, self.run_id, counts['sent'], counts['skipped'],
            counts['failed'], counts['lms_errors'], error or 'none', duration,
            extra={**extra, 'duration_s': duration},
        )


def prune_runs(now=None):
    """Delete the runs started more than ``ENTERPRISE_EXPORT_RUN_RETENTION_DAYS`` ago; return ``(count, cutoff)``."""
    days = get_setting('ENTERPRISE_EXPORT_RUN_RETENTION_DAYS')
    cutoff = (now or timezone.now()) - timedelta(days=days)
    count, _ = TransmissionRun.objects.filter(started__lt=cutoff).delete()
    return count, cutoff
