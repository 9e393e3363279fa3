"""The operator's reading of an audit row: sent or failed, and a fixed sentence saying why."""

import pytest

from enterprise_export.audits import failure_reason, outcome


@pytest.mark.parametrize(('status', 'error_message', 'expected'), [
    (200, '', 'sent'), (201, '', 'sent'), (204, '', 'sent'),
    (200, 'something', 'failed'), (None, '', 'failed'), (302, '', 'failed'), (400, 'x', 'failed'),
    (500, '', 'failed'),
])
def test_outcome(status, error_message, expected):
    assert outcome(status, error_message) == expected


@pytest.mark.parametrize(('status', 'error_message', 'channel', 'starts'), [
    (200, '', 'SAP', ''),
    (None, 'ConnectTimeout: no answer from SAP', 'SAP', 'The channel did not answer'),
    (None, 'malformed token answer (HTTP 200): no access_token in a JSON object', 'DEGREED',
     "The channel's token answer could not be used"),
    (None, 'KeyError while sending (see the logs)', 'SAP', 'Sending failed on our side'),
    (200, 'unexpected body', 'SAP', "The channel's answer could not be read"),
    (302, '', 'SAP', 'The channel answered with a redirect (HTTP 302)'),
    (400, '{"message": "invalid userID"}', 'SAP', 'The channel refused the learner: invalid user identifier'),
    (400, 'The user account is inactive', 'SAP', "The channel says the learner's account is inactive (HTTP 400)"),
    (401, 'Unauthorized', 'SAP', 'The channel refused the credentials (HTTP 401)'),
    (401, 'Unauthorized', 'CSOD', "Cornerstone refused the learner's session (HTTP 401)"),
    (403, 'Forbidden', 'DEGREED', 'The channel refused access (HTTP 403)'),
    (404, 'Not Found', 'DEGREED', 'The channel has no such address (HTTP 404)'),
    (409, 'conflict', 'DEGREED', 'The channel refused the record (HTTP 409).'),
    (429, 'slow down', 'SAP', 'The channel asked to slow down (HTTP 429)'),
    (503, 'Service Unavailable', 'CSOD', 'The channel failed with a server error (HTTP 503)'),
])
def test_failure_reason_is_a_fixed_sentence_per_kind_of_failure(status, error_message, channel, starts):
    reason = failure_reason(status, error_message, channel)
    assert reason.startswith(starts) if starts else reason == ''


def test_failure_reason_never_quotes_the_channels_answer():
    answer = '{"error": "bad secret s3cr3t-value", "access_token": "tok-1", "userID": "SAP-42"}'
    for status in (None, 200, 302, 400, 401, 403, 404, 418, 429, 500):
        reason = failure_reason(status, answer, 'SAP')
        assert not any(leak in reason for leak in ('s3cr3t', 'tok-1', 'SAP-42', 'access_token'))
