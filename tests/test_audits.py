"""The operator's reading of an audit row: sent or failed, and a fixed sentence saying why."""

import pytest

from enterprise_export.audits import failure_reason, outcome
from enterprise_export.failures import FailureKind


@pytest.mark.parametrize(('status', 'error_message', 'expected'), [
    (200, '', 'sent'), (201, '', 'sent'), (204, '', 'sent'),
    (200, 'something', 'failed'), (None, '', 'failed'), (302, '', 'failed'), (400, 'x', 'failed'),
    (500, '', 'failed'),
])
def test_outcome(status, error_message, expected):
    assert outcome(status, error_message) == expected


# Each failed row as it is written: its status, the channel's words, and the kind whoever knew it set.
NO_ANSWER, REFUSED, UNREADABLE_TOKEN = FailureKind.NO_ANSWER, FailureKind.REFUSED, FailureKind.UNREADABLE_TOKEN


@pytest.mark.parametrize(('status', 'error_message', 'kind', 'starts'), [
    (200, '', '', ''),
    (None, 'ConnectTimeout: no answer from SAP', NO_ANSWER, 'The channel did not answer'),
    (None, 'malformed token answer (HTTP 200): no access_token in a JSON object', UNREADABLE_TOKEN,
     "The channel's token answer could not be used"),
    (None, 'KeyError while sending (see the logs)', FailureKind.UNEXPECTED, 'Sending failed on our side'),
    (200, 'unexpected body', FailureKind.UNREADABLE_ANSWER, "The channel's answer could not be read"),
    (302, '', REFUSED, 'The channel answered with a redirect (HTTP 302)'),
    (400, '{"message": "invalid userID"}', REFUSED, 'The channel refused the learner: invalid user identifier'),
    (400, 'The user account is inactive', FailureKind.INACTIVE_ACCOUNT,
     "The channel says the learner's account is inactive (HTTP 400)"),
    (401, 'Unauthorized', REFUSED, 'The channel refused the credentials (HTTP 401)'),
    (401, 'Unauthorized', FailureKind.SESSION_EXPIRED, "Cornerstone refused the learner's session (HTTP 401)"),
    (None, 'no Cornerstone identity', FailureKind.NO_IDENTITY, 'No Cornerstone session is known for the learner'),
    (403, 'Forbidden', REFUSED, 'The channel refused access (HTTP 403)'),
    (404, 'Not Found', REFUSED, 'The channel has no such address (HTTP 404)'),
    (409, 'conflict', REFUSED, 'The channel refused the record (HTTP 409).'),
    (429, 'slow down', REFUSED, 'The channel asked to slow down (HTTP 429)'),
    (503, 'Service Unavailable', REFUSED, 'The channel failed with a server error (HTTP 503)'),
])
def test_failure_reason_is_a_fixed_sentence_per_kind_of_failure(status, error_message, kind, starts):
    reason = failure_reason(status, error_message, kind)
    assert reason.startswith(starts) if starts else reason == ''


@pytest.mark.parametrize(('status', 'starts'), [
    (None, 'The channel did not answer'),
    (200, "The channel's answer could not be read"),
    (302, 'The channel answered with a redirect (HTTP 302)'),
    (400, 'The channel refused the learner: invalid user identifier'),
    (401, 'The channel refused the credentials (HTTP 401)'),
    (418, 'The channel refused the record (HTTP 418).'),
    (503, 'The channel failed with a server error (HTTP 503)'),
])
def test_a_row_without_a_kind_is_read_by_its_status_alone(status, starts):
    """Rows imported from integrated channels, or made with only a status and a message."""
    assert failure_reason(status, 'The user account is inactive; see the logs; token answer', '').startswith(starts)


def test_failure_reason_never_quotes_the_channels_answer():
    answer = '{"error": "bad secret s3cr3t-value", "access_token": "tok-1", "userID": "SAP-42"}'
    for status in (None, 200, 302, 400, 401, 403, 404, 418, 429, 500):
        for kind in ('', *FailureKind.values):
            reason = failure_reason(status, answer, kind)
            assert not any(leak in reason for leak in ('s3cr3t', 'tok-1', 'SAP-42', 'access_token'))
