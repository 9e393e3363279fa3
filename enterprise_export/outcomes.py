"""
What a run reports (SPEC section 11): the summary of one configuration's transmission, and the
tally of what the LMS could not tell about during an export.

The numbers must be true on every database and under every failure: an LMS that refused the
credentials or answered nothing is an ``error`` of the run, never a quiet zero.
"""

import logging
import threading
from dataclasses import dataclass, field

import requests

LOGGER = logging.getLogger(__name__)

# The OAuth token answers that mean "these credentials are not accepted".
REFUSED_TOKEN_STATUSES = (400, 401, 403)


class RunAbortedError(Exception):
    """The run cannot do its job at all (``reason`` says why); the next run tries again."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class LmsCredentialsRefusedError(RunAbortedError):
    """The LMS's OAuth endpoint refused the client credentials."""

    def __init__(self, status):
        super().__init__(f'LMS credentials refused (HTTP {status})')
        self.status = status


def refused_token_status(error):
    """The HTTP status when ``error`` is the LMS OAuth endpoint refusing the credentials, else None."""
    response = getattr(error, 'response', None)
    if not isinstance(error, requests.HTTPError) or response is None:
        return None
    if response.status_code in REFUSED_TOKEN_STATUSES and '/access_token' in (response.url or ''):
        return response.status_code
    return None


class LmsFailures:
    """
    The tally of one export: whether the LMS answered about any enrollment, and how many it
    could not tell about (5xx, timeout, unreadable answer). Kept from the exporter's worker threads.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.answered = False
        self.failed = 0

    def add_answer(self):
        self.answered = True  # only whether any came matters: no lock, no count

    def add_failure(self, count=1):
        with self._lock:
            self.failed += count

    @property
    def error(self):
        """A run-level error when the LMS could not tell about any enrollment at all, else None."""
        if self.failed and not self.answered:
            return f'LMS unreachable: no enrollment could be asked about ({self.failed} failed)'
        return None


@dataclass
class TransmissionSummary:
    """
    What one transmission did: records sent, skipped (not sent, not saved), failed (the channel
    refused or did not answer), enrollments the LMS could not tell about, and the run's error.
    """

    channel: str
    configuration_id: int
    enterprise_customer: str
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    lms_errors: int = 0
    error: str | None = None
    would_send: list = field(default_factory=list)
    run_id: str | None = None  # the recorded run's (SPEC 19); None for a dry run

    def as_dict(self):
        return {'channel': self.channel, 'configuration_id': self.configuration_id,
                'enterprise_customer': self.enterprise_customer,
                'sent': self.sent, 'skipped': self.skipped, 'failed': self.failed,
                'lms_errors': self.lms_errors, 'error': self.error}
