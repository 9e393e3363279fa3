"""
Reading the channels' audit rows as an operator does: sent or failed, why, and per configuration.

One place for these rules, used by the API (SPEC 15) and the admin. A failed row that was
``superseded`` (its enrollment's course-key record was sent since) is not a failure: it is
left out everywhere.
"""

from django.db.models import Count, OuterRef, Q, Subquery

from enterprise_export.failures import failure_sentence

SENT = 'sent'
FAILED = 'failed'


def sent_q():
    """Rows whose last attempt was sent: a 2xx status and no error message."""
    return Q(status__gte=200, status__lt=300, error_message='')


def outcome(status, error_message):
    """``'sent'`` or ``'failed'`` (a null status included)."""
    return SENT if status is not None and 200 <= status < 300 and not error_message else FAILED


def failure_reason(status, error_message, failure_kind=''):
    """
    A short sentence an operator understands for a failed attempt; empty when it was sent.

    The sentence comes from the row's ``failure_kind`` and ``status`` (``failures``), never
    from ``error_message``, which only tells sent from failed: rewording a channel's answer or
    our own message changes nothing an operator reads. A row without a kind is read by its status.
    """
    if outcome(status, error_message) == SENT:
        return ''
    return failure_sentence(failure_kind, status)


def listed_rows(audit_model):
    """The rows an operator sees: every row but superseded ones."""
    return audit_model.objects.filter(superseded=False)


def with_last_outcome(configurations, channel):
    """
    ``configurations`` (of ``channel``) annotated with ``last_attempt`` and their latest failure
    (``last_failure_status``, ``last_failure_message``, ``last_failure_kind``: None when there is
    none), in the same query.
    """
    rows = listed_rows(channel.audit_model).filter(plugin_configuration_id=OuterRef('pk')).order_by('-modified', '-id')
    failures = rows.exclude(sent_q())
    return configurations.annotate(
        last_attempt=Subquery(rows.values('modified')[:1]),
        last_failure_status=Subquery(failures.values('status')[:1]),
        last_failure_message=Subquery(failures.values('error_message')[:1]),
        last_failure_kind=Subquery(failures.values('failure_kind')[:1]),
    )


def last_error(configuration):
    """The reason of the latest failure of a configuration from ``with_last_outcome``, or None."""
    if configuration.last_failure_message is None:  # never null on a row: no failure at all
        return None
    return failure_reason(configuration.last_failure_status, configuration.last_failure_message,
                          configuration.last_failure_kind)


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
         'last_attempt': configuration.last_attempt, 'last_error': last_error(configuration)}
        for configuration in with_last_outcome(configurations, channel)
    ]
