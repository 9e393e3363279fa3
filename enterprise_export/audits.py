"""
Reading the channels' audit rows as an operator does: sent or failed, why, and per configuration.

One place for these rules, used by the API (SPEC 15) and the admin. A failed row that was
``superseded`` (its enrollment's course-key record was sent since) is not a failure: it is
left out everywhere.
"""

from django.db.models import Count, OuterRef, Q, Subquery

SENT = 'sent'
FAILED = 'failed'

# What an operator reads for a failed row: a fixed sentence per kind of failure, never the
# channel's answer (which may echo a token, a secret or the payload).
NO_ANSWER = 'The channel did not answer (network error or timeout); the record is tried again on the next run.'
UNREADABLE_TOKEN = ("The channel's token answer could not be used (no access token in it); "
                    'the record is tried again on the next run.')
UNREADABLE_ANSWER = "The channel's answer could not be read; the record is tried again on the next run."
UNEXPECTED = 'Sending failed on our side with an unexpected error (see the logs); it is tried again on the next run.'
INACTIVE_ACCOUNT = "The channel says the learner's account is inactive (HTTP {status}); the learner is no longer sent."
SESSION_EXPIRED = ("Cornerstone refused the learner's session (HTTP 401): it expired, and the record waits "
                   'until the learner launches the course from Cornerstone again.')
BY_STATUS = {
    400: 'The channel refused the learner: invalid user identifier or record (HTTP 400).',
    401: 'The channel refused the credentials (HTTP 401): check the key and secret of the configuration.',
    403: 'The channel refused access (HTTP 403): the credentials lack a permission the channel needs.',
    404: 'The channel has no such address (HTTP 404): check the base URL and API paths of the configuration.',
    429: 'The channel asked to slow down (HTTP 429); the record is tried again on the next run.',
}
REDIRECT = 'The channel answered with a redirect (HTTP {status}), which is not followed: check the base URL.'
CLIENT_ERROR = 'The channel refused the record (HTTP {status}).'
SERVER_ERROR = 'The channel failed with a server error (HTTP {status}); the record is tried again on the next run.'


def sent_q():
    """Rows whose last attempt was sent: a 2xx status and no error message."""
    return Q(status__gte=200, status__lt=300, error_message='')


def outcome(status, error_message):
    """``'sent'`` or ``'failed'`` (a null status included)."""
    return SENT if status is not None and 200 <= status < 300 and not error_message else FAILED


def failure_reason(status, error_message, channel_code=None):
    """A short sentence an operator understands for a failed attempt; empty when it was sent."""
    if outcome(status, error_message) == SENT:
        return ''
    message = (error_message or '').lower()
    if 'token answer' in message:
        return UNREADABLE_TOKEN
    if status is None:
        return UNEXPECTED if 'see the logs' in message else NO_ANSWER
    if status < 300:
        return UNREADABLE_ANSWER
    if status < 400:
        return REDIRECT.format(status=status)
    if 'user account is inactive' in message:
        return INACTIVE_ACCOUNT.format(status=status)
    if status == 401 and channel_code == 'CSOD':
        return SESSION_EXPIRED
    if status in BY_STATUS:
        return BY_STATUS[status]
    return (CLIENT_ERROR if status < 500 else SERVER_ERROR).format(status=status)


def listed_rows(audit_model):
    """The rows an operator sees: every row but superseded ones."""
    return audit_model.objects.filter(superseded=False)


def with_last_outcome(configurations, channel):
    """
    ``configurations`` (of ``channel``) annotated with ``last_attempt`` and their latest failure
    (``last_failure_status``, ``last_failure_message``: None when there is none), in the same query.
    """
    rows = listed_rows(channel.audit_model).filter(plugin_configuration_id=OuterRef('pk')).order_by('-modified', '-id')
    failures = rows.exclude(sent_q())
    return configurations.annotate(
        last_attempt=Subquery(rows.values('modified')[:1]),
        last_failure_status=Subquery(failures.values('status')[:1]),
        last_failure_message=Subquery(failures.values('error_message')[:1]),
    )


def last_error(configuration, channel_code):
    """The reason of the latest failure of a configuration from ``with_last_outcome``, or None."""
    if configuration.last_failure_message is None:  # never null on a row: no failure at all
        return None
    return failure_reason(configuration.last_failure_status, configuration.last_failure_message, channel_code)


def configuration_outcomes(channel, configurations):
    """
    One dict per configuration of ``configurations`` (a queryset of ``channel``'s): ``configuration_id``,
    ``active``, ``sent``, ``failed``, ``last_attempt``, ``last_error``. Two queries in all.
    """
    counts = {row['plugin_configuration_id']: row for row in listed_rows(channel.audit_model).filter(
        plugin_configuration_id__in=configurations.values('pk'),
    ).values('plugin_configuration_id').annotate(
        sent=Count('id', filter=sent_q()), failed=Count('id', filter=~sent_q()),
    ).order_by()}
    return [
        {'configuration_id': configuration.pk, 'active': configuration.active,
         'sent': counts.get(configuration.pk, {}).get('sent', 0),
         'failed': counts.get(configuration.pk, {}).get('failed', 0),
         'last_attempt': configuration.last_attempt, 'last_error': last_error(configuration, channel.code)}
        for configuration in with_last_outcome(configurations, channel)
    ]
