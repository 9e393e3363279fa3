"""
One run per channel configuration (SPEC section 11), held in the database.

A run holds a ``ConfigurationLock`` row for its whole life. The row's unique constraint makes
taking it atomic on every backend and for every process and machine that shares the database
(the Django cache may be per process, so it is not used). A row whose ``expires_at`` has passed
belongs to a holder that died: the next run takes it over. The lock is not re-entrant: a second
run in the same process is refused like any other.
"""

import datetime
import logging
import uuid
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from enterprise_export.conf import get_setting
from enterprise_export.models import ConfigurationLock

LOGGER = logging.getLogger(__name__)


@contextmanager
def configuration_lock(channel_code, configuration_id):
    """
    Hold the lock of one configuration for the ``with`` block; yield True when this run holds
    it, False when another run does (then do nothing). Released on the way out, even on error.
    """
    holder = acquire(channel_code, configuration_id)
    try:
        yield holder is not None
    finally:
        if holder is not None:
            release(channel_code, configuration_id, holder)


def acquire(channel_code, configuration_id):
    """Take the lock; return this holder's id, or None when a live run holds it."""
    now = timezone.now()
    key = {'channel_code': channel_code, 'configuration_id': configuration_id}
    expired = ConfigurationLock.objects.filter(**key, expires_at__lte=now).delete()[0]
    if expired:
        LOGGER.warning('%s configuration %s: took over a lock whose holder did not release it',
                       channel_code, configuration_id, extra=_extra(channel_code, configuration_id))
    holder = uuid.uuid4().hex
    seconds = int(get_setting('ENTERPRISE_EXPORT_LOCK_SECONDS'))
    try:
        with transaction.atomic():
            ConfigurationLock.objects.create(
                **key, holder=holder, acquired_at=now, expires_at=now + datetime.timedelta(seconds=seconds),
            )
    except IntegrityError:
        LOGGER.info('%s configuration %s is locked by another run', channel_code, configuration_id,
                    extra=_extra(channel_code, configuration_id))
        return None
    return holder


def release(channel_code, configuration_id, holder):
    """Give the lock back, if this holder still has it (an expired lock may have been taken over)."""
    ConfigurationLock.objects.filter(channel_code=channel_code, configuration_id=configuration_id,
                                     holder=holder).delete()


def is_locked(channel_code, configuration_id):
    """True when a live run holds the configuration's lock."""
    return ConfigurationLock.objects.filter(channel_code=channel_code, configuration_id=configuration_id,
                                            expires_at__gt=timezone.now()).exists()


def _extra(channel_code, configuration_id):
    return {'channel': channel_code, 'configuration_id': configuration_id}
