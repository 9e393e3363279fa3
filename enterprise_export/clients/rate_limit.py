"""
Rate limits of channel calls: a sliding-window limiter per configuration, and how long a 429 asks to wait.

Every call a channel client makes (tokens, completions, and urllib3's retries of them) first
takes a slot from its configuration's ``RateLimiter``: no window of ``window`` seconds
(``[t, t + window)``) holds more than ``limit`` calls. A call leaves a little after it takes
its slot, and arrives later still: the limiter keeps ``margin`` seconds more than the window,
so that the channel, counting arrivals, sees the limit kept too. A 429 pauses the limiter, so that every
worker of the configuration waits, not only the one that was told.

Time is read through the module's ``CLOCK`` (a monotonic clock and its sleep), the one seam a
test replaces with a fake clock.
"""

import datetime
import email.utils
import threading
import time
from collections import deque

from urllib3.util.retry import Retry

# A 429 with no usable header waits this long, doubled on each further 429 of the same call.
DEFAULT_RETRY_AFTER = 1.0
# Seconds added to the window (see above): 1 s in 60 costs under 2% of the allowed rate.
WINDOW_MARGIN = 1.0
# An ``X-Rate-Limit-Reset`` above this is an epoch time, not a number of seconds.
EPOCH_THRESHOLD = 1_000_000_000


class Clock:
    """Monotonic seconds and a sleep; replaced by a fake in tests."""

    def now(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)


CLOCK = Clock()


class RateLimiter:
    """
    At most ``limit`` calls in any ``window`` seconds (``limit`` 0: no limit), shared by threads;
    ``margin`` seconds are added to the window it keeps.

    ``acquire()`` blocks until a call may be made and counts it; ``pause(seconds)`` holds every
    caller back for that long (a channel's 429).
    """

    def __init__(self, limit, window=60.0, clock=None, margin=WINDOW_MARGIN):
        self.limit = int(limit or 0)
        self.window = float(window) + margin
        self.clock = clock or CLOCK
        self._calls = deque()
        self._paused_until = None
        self._lock = threading.Lock()

    def acquire(self):
        """Wait until a call fits the limit (and any pause is over), then count it."""
        while True:
            with self._lock:
                wait = self._wait_seconds(self.clock.now())
                if wait <= 0:
                    self._calls.append(self.clock.now())
                    return
            self.clock.sleep(wait)

    def pause(self, seconds):
        """Make every caller wait ``seconds`` from now (a longer pause already set stays)."""
        with self._lock:
            until = self.clock.now() + max(0.0, seconds)
            self._paused_until = until if self._paused_until is None else max(self._paused_until, until)

    def _wait_seconds(self, now):
        if self._paused_until is not None and now < self._paused_until:
            return self._paused_until - now
        if not self.limit:
            return 0.0
        while self._calls and self._calls[0] <= now - self.window:
            self._calls.popleft()
        if len(self._calls) < self.limit:
            return 0.0
        return self._calls[0] + self.window - now


def retry_after_seconds(response, attempt=1):
    """
    How long a 429 ``response`` asks to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``X-Rate-Limit-Reset`` (seconds, or an epoch time), else a default doubled per ``attempt``.
    """
    for header in ('Retry-After', 'X-Rate-Limit-Reset'):
        seconds = _header_seconds(response.headers.get(header))
        if seconds is not None:
            return seconds
    return DEFAULT_RETRY_AFTER * 2 ** (attempt - 1)


def _header_seconds(value):
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    now = datetime.datetime.now(tz=datetime.UTC)
    try:
        number = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return max(0.0, (moment - now).total_seconds())
    if number > EPOCH_THRESHOLD:
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


class RateLimitedRetry(Retry):
    """urllib3's ``Retry`` whose every retry (after its backoff) also takes a slot of ``limiter``."""

    def __init__(self, *args, limiter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.limiter = limiter

    def new(self, **kwargs):
        kwargs.setdefault('limiter', self.limiter)
        return super().new(**kwargs)

    def sleep(self, response=None):
        super().sleep(response)
        if self.limiter is not None:
            self.limiter.acquire()
