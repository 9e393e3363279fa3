"""
The kinds of a failed send, and the sentence an operator reads for each (SPEC 15's ``reason``).

Whoever knows what went wrong sets the kind: the channel client (no answer, a refusal, an
unreadable token answer), a channel's transmitter (an inactive learner, an expired Cornerstone
session, no Cornerstone identity), the send loop (an unexpected error on our side). The audit
row stores it (``failure_kind``); what operators read comes from the kind and the HTTP status,
never from the channel's answer, which may echo a token, a secret or the payload.
"""

from django.db import models


class FailureKind(models.TextChoices):
    """Why an attempt failed; blank on a sent row, and on rows made before kinds were stored."""

    NO_ANSWER = 'no_answer', 'no answer (network error or timeout)'
    REFUSED = 'refused', 'refused by the channel (its HTTP status says how)'
    UNREADABLE_TOKEN = 'unreadable_token', 'unreadable token answer'
    UNREADABLE_ANSWER = 'unreadable_answer', 'unreadable answer'
    UNEXPECTED = 'unexpected', 'unexpected error on our side'
    INACTIVE_ACCOUNT = 'inactive_account', "learner's account inactive at the channel"
    SESSION_EXPIRED = 'session_expired', "learner's Cornerstone session expired"
    NO_IDENTITY = 'no_identity', 'no Cornerstone identity for the learner'


NO_ANSWER = 'The channel did not answer (network error or timeout); the record is tried again on the next run.'
UNREADABLE_TOKEN = ("The channel's token answer could not be used (no access token in it); "
                    'the record is tried again on the next run.')
UNREADABLE_ANSWER = "The channel's answer could not be read; the record is tried again on the next run."
UNEXPECTED = 'Sending failed on our side with an unexpected error (see the logs); it is tried again on the next run.'
INACTIVE_ACCOUNT = "The channel says the learner's account is inactive (HTTP {status}); the learner is no longer sent."
SESSION_EXPIRED = ("Cornerstone refused the learner's session (HTTP 401): it expired, and the record waits "
                   'until the learner launches the course from Cornerstone again.')
NO_IDENTITY = ('No Cornerstone session is known for the learner in this course: the record waits until the '
               'learner launches the course from Cornerstone.')
BY_STATUS = {
    400: 'The channel refused the learner: invalid user identifier or record (HTTP 400).',
    401: 'The channel refused the credentials (HTTP 401): check the key and secret of the configuration.',
    403: 'The channel refused access (HTTP 403): the credentials lack a permission the channel needs.',
    404: 'The channel has no such address (HTTP 404): check the base URL and API paths of the configuration.',
    410: ('The channel says this address is gone (HTTP 410): the run stopped; check the URL of the '
          'configuration.'),
    429: 'The channel asked to slow down (HTTP 429); the record is tried again on the next run.',
}
REDIRECT = 'The channel answered with a redirect (HTTP {status}), which is not followed: check the base URL.'
CLIENT_ERROR = 'The channel refused the record (HTTP {status}).'
SERVER_ERROR = 'The channel failed with a server error (HTTP {status}); the record is tried again on the next run.'

# The kinds whose sentence does not depend on the status (but may quote it); any other kind
# (a refusal, or a row whose kind is not known) is read from its status.
SENTENCES = {
    FailureKind.NO_ANSWER: NO_ANSWER,
    FailureKind.UNREADABLE_TOKEN: UNREADABLE_TOKEN,
    FailureKind.UNREADABLE_ANSWER: UNREADABLE_ANSWER,
    FailureKind.UNEXPECTED: UNEXPECTED,
    FailureKind.INACTIVE_ACCOUNT: INACTIVE_ACCOUNT,
    FailureKind.SESSION_EXPIRED: SESSION_EXPIRED,
    FailureKind.NO_IDENTITY: NO_IDENTITY,
}


def kind_of_status(status):
    """The kind of a failure known only by its HTTP status: no answer (None), unreadable (2xx), else refused."""
    if status is None:
        return FailureKind.NO_ANSWER
    if 200 <= status < 300:
        return FailureKind.UNREADABLE_ANSWER
    return FailureKind.REFUSED


def failure_sentence(kind, status):
    """What an operator reads for a failure of ``kind`` (blank: not known) with HTTP ``status`` (None: none)."""
    sentence = SENTENCES.get(kind)
    if sentence is not None:
        return sentence.format(status=status)
    return _sentence_of_status(status)


def _sentence_of_status(status):
    if status is None:
        return NO_ANSWER
    if status < 300:
        return UNREADABLE_ANSWER
    if status < 400:
        return REDIRECT.format(status=status)
    if status in BY_STATUS:
        return BY_STATUS[status]
    return (CLIENT_ERROR if status < 500 else SERVER_ERROR).format(status=status)
