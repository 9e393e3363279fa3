"""
Fault switches of the stand-in: latency per party, rate limits per party, and failures injected
into matching requests.

Rate limits (``{"rate_limits": {"degreed": {"per_minute": 70, "window_seconds": 60}}}``): past
``per_minute`` requests accepted in the last ``window_seconds`` (default 60; tests use a short
one), a party answers 429 with ``Retry-After`` (whole seconds until a request fits again).
``counts`` keeps the requests each party was sent, and how many it answered 429; ``arrivals``
the moments (``time.monotonic()``) of the requests each channel accepted, for the benchmark.

A fault rule (a dict, from ``DEMO_STANDIN`` in the demo settings or ``POST /_control/faults``)::

    {"target": "lms" | "sap" | "degreed" | "degreed2" | "csod" | "xapi" | "webhook" | "*",
     "kind": "429" | "500" | "malformed" | "timeout" | "reset",
              (malformed: the LMS answers 200 with a broken body; a channel does the work, then
              answers its status with a broken body)
     "path": "substring of the path (optional)",
     "count": how many requests it hits (optional; absent: every one),
     "retry_after": seconds for 429 (default 1),
     "seconds": how long a timeout stalls before dropping the connection (default 30)}
"""

import math
import threading
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

KINDS = ('429', '500', 'malformed', 'timeout', 'reset')
TARGETS = ('lms', 'sap', 'degreed', 'degreed2', 'csod', 'xapi', 'webhook', '*')


@dataclass
class Fault:
    target: str
    kind: str
    path: str = ''
    count: int | None = None
    retry_after: int = 1
    seconds: float = 30.0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f'unknown fault kind {self.kind!r}; one of {", ".join(KINDS)}')
        if self.target not in TARGETS:
            raise ValueError(f'unknown fault target {self.target!r}; one of {", ".join(TARGETS)}')

    def matches(self, target, path):
        return self.target in ('*', target) and self.path in path


@dataclass
class RateLimit:
    per_minute: int
    window_seconds: float = 60.0
    accepted: deque = field(default_factory=deque)

    def retry_after(self, now):
        """None when a request fits now (and counts it), else the whole seconds until one does."""
        while self.accepted and self.accepted[0] <= now - self.window_seconds:
            self.accepted.popleft()
        if len(self.accepted) < self.per_minute:
            self.accepted.append(now)
            return None
        return max(1, math.ceil(self.accepted[0] + self.window_seconds - now))


class Faults:
    """The stand-in's current latency, rate limits and fault rules; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.latency_ms = {}
            self.rules = []
            self.rate_limits = {}
            self.counts = Counter()
            self.arrivals = defaultdict(list)

    def configure(self, spec):
        """
        Replace latency, rate limits and rules with ``spec``
        (``{"latency_ms": {...}, "rate_limits": {...}, "faults": [...]}``).
        """
        rules = [Fault(**rule) for rule in spec.get('faults', [])]
        latency = {str(target): float(ms) for target, ms in (spec.get('latency_ms') or {}).items()}
        rate_limits = {str(target): RateLimit(int(limit['per_minute']), float(limit.get('window_seconds', 60)))
                       for target, limit in (spec.get('rate_limits') or {}).items()}
        with self._lock:
            self.latency_ms = latency
            self.rules = rules
            self.rate_limits = rate_limits

    def rate_limited(self, target, now):
        """Seconds to put in a 429's ``Retry-After`` when ``target`` is past its rate limit; else None."""
        with self._lock:
            self.counts[target] += 1
            limit = self.rate_limits.get(target)
            retry_after = limit.retry_after(now) if limit is not None else None
            if retry_after is not None:
                self.counts[f'{target}:429'] += 1
            elif target != 'lms':
                self.arrivals[target].append(now)
            return retry_after

    def delay_seconds(self, target):
        return self.latency_ms.get(target, self.latency_ms.get('*', 0.0)) / 1000

    def take(self, target, path):
        """The fault to apply to this request, if any (counting it against its rule's ``count``)."""
        with self._lock:
            for rule in self.rules:
                if rule.matches(target, path) and (rule.count is None or rule.count > 0):
                    if rule.count is not None:
                        rule.count -= 1
                    return rule
        return None

    def describe(self):
        return {'latency_ms': dict(self.latency_ms), 'faults': [vars(rule).copy() for rule in self.rules],
                'rate_limits': {target: {'per_minute': limit.per_minute, 'window_seconds': limit.window_seconds}
                                for target, limit in self.rate_limits.items()}}
