"""
Fault switches of the stand-in: latency per party, and failures injected into matching requests.

A fault rule (a dict, from ``DEMO_STANDIN`` in the demo settings or ``POST /_control/faults``)::

    {"target": "lms" | "sap" | "degreed" | "csod" | "*",
     "kind": "429" | "500" | "malformed" | "timeout" | "reset",
              (malformed: the LMS answers 200 with a broken body; a channel does the work, then
              answers its status with a broken body)
     "path": "substring of the path (optional)",
     "count": how many requests it hits (optional; absent: every one),
     "retry_after": seconds for 429 (default 1),
     "seconds": how long a timeout stalls before dropping the connection (default 30)}
"""

import threading
from dataclasses import dataclass

KINDS = ('429', '500', 'malformed', 'timeout', 'reset')
TARGETS = ('lms', 'sap', 'degreed', 'csod', '*')


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


class Faults:
    """The stand-in's current latency and fault rules; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.latency_ms = {}
            self.rules = []

    def configure(self, spec):
        """Replace latency and rules with ``spec`` (``{"latency_ms": {...}, "faults": [...]}``)."""
        rules = [Fault(**rule) for rule in spec.get('faults', [])]
        latency = {str(target): float(ms) for target, ms in (spec.get('latency_ms') or {}).items()}
        with self._lock:
            self.latency_ms = latency
            self.rules = rules

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
        return {'latency_ms': dict(self.latency_ms), 'faults': [vars(rule).copy() for rule in self.rules]}
