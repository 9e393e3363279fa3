"""A clock for the rate limiter that only moves when someone sleeps: no test waits for real."""

import threading


class FakeClock:
    """``now()`` in seconds from 0; ``sleep(seconds)`` moves it forward at once. Thread-safe."""

    def __init__(self):
        self._now = 0.0
        self._lock = threading.Lock()
        self.slept = 0.0

    def now(self):
        with self._lock:
            return self._now

    def sleep(self, seconds):
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept += max(0.0, seconds)
