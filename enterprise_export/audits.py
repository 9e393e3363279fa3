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


def _also_sent_statuses(audit_model):
    """The answers besides 2xx that mean ``audit_model``'s channel holds the record (xAPI's 409)."""
    return tuple(getattr(audit_model, 'ALSO_SENT_STATUSES', ()))


def sent_q(audit_model=None):
    """
    Rows whose last attempt was sent: a 2xx status (or one of the audit model's
    ``ALSO_SENT_STATUSES``, when ``audit_model`` is given) and no error message.
    """
    statuses = Q(status__gte=200, status__lt=300)
    also_sent = _also_sent_statuses(audit_model)
    if also_sent:
        statuses |= Q(status__in=also_sent)
    return statuses & Q(error_message='')


def outcome(status, error_message, audit_model=None):
    """``'sent'`` or ``'failed'`` (a null status included) of a row of ``audit_model``."""
    if status is None or error_message:
        return FAILED
    return SENT if 200 <= status < 300 or status in _also_sent_statuses(audit_model) else FAILED


def failure_reason(status, error_message, failure_kind='', audit_model=None):
    """
    A short sentence an operator understands for a failed attempt; empty when it was sent.

    The sentence comes from the row's ``failure_kind`` and ``status`` (``failures``), never
    from ``error_message``, which only tells sent from failed: rewording a channel's answer or
    our own message changes nothing an operator reads. A row without a kind is read by its status.
    """
    if outcome(status, error_message, audit_model) == SENT:
        return ''
    return failure_sentence(failure_kind, status)


def listed_rows(audit_model):
    """The rows an operator sees: every row but superseded ones."""
    return audit_model.objects.filter(superseded=False)


def with_last_outcome(configurations, channel):
    """
    ``configurations`` (of ``channel``) annotated with ``last_attempt`` and the id of their latest
    failed row (``last_failure_id``: None when there is none), in the same query; pass them through
    ``with_last_failures`` before ``last_error``.
    """
    rows = listed_rows(channel.audit_model).filter(plugin_configuration_id=OuterRef('pk')).order_by('-modified', '-id')
    failures = rows.exclude(sent_q(channel.audit_model))
    return configurations.annotate(
        last_attempt=Subquery(rows.values('modified')[:1]),
        # One subquery for the failure (its row is read by id afterwards): finding it may read every
        # row of a configuration that never failed, so it is done once, not once per field.
        last_failure_id=Subquery(failures.values('pk')[:1]),
    )


def with_last_failures(configurations, channel):
    """
    Put on each of ``configurations`` (from ``with_last_outcome``) its latest failed row
    (``last_failure``; None when none), in one query.
    """
    configurations = list(configurations)
    failures = channel.audit_model.objects.only('status', 'error_message', 'failure_kind').in_bulk(
        [configuration.last_failure_id for configuration in configurations if configuration.last_failure_id])
    for configuration in configurations:
        configuration.last_failure = failures.get(configuration.last_failure_id)
    return configurations


def last_error(configuration):
    """The reason of the latest failure of a configuration from ``with_last_failures``, or None."""
    failure = configuration.last_failure
    if failure is None:
        return None
    # A failure's status is never one its channel counts as sent: no audit model needed.
    return failure_reason(failure.status, failure.error_message, failure.failure_kind)


def configuration_outcomes(channel, configurations):
    """
    One dict per configuration of ``configurations`` (a queryset of ``channel``'s): ``configuration_id``,
    ``active``, ``sent``, ``failed``, ``last_attempt``, ``last_error``. Three queries in all.
    """
    counts = {row['plugin_configuration_id']: row for row in listed_rows(channel.audit_model).filter(
        plugin_configuration_id__in=configurations.values('pk'),
    ).values('plugin_configuration_id').annotate(
        sent=Count('id', filter=sent_q(channel.audit_model)), failed=Count('id', filter=~sent_q(channel.audit_model)),
    ).order_by()}
    return [
        {'configuration_id': configuration.pk, 'active': configuration.active,
         'sent': counts.get(configuration.pk, {}).get('sent', 0),
         'failed': counts.get(configuration.pk, {}).get('failed', 0),
         'last_attempt': configuration.last_attempt, 'last_error': last_error(configuration)}
        for configuration in with_last_failures(with_last_outcome(configurations, channel), channel)
    ]


# What was sent: the already-transmitted rule (SPEC 7), one query for a chunk or batch.

def normalize_grade(grade):
    """A numeric grade in the form audit rows store it (``0.5``, ``1.0``); anything else as given."""
    if isinstance(grade, (int, float)) and not isinstance(grade, bool):
        return str(float(grade))
    return grade


def _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id):  # noqa: N803
    rows = TransmissionAudit.objects.filter(sent_q(TransmissionAudit))
    if subsection_id:
        rows = rows.filter(subsection_id=subsection_id)
    else:
        rows = rows.filter(Q(subsection_id='') | Q(subsection_id__isnull=True))
    if plugin_configuration_id is not None and _records_configuration(TransmissionAudit):
        rows = rows.filter(plugin_configuration_id=plugin_configuration_id)
    return rows


def _records_configuration(TransmissionAudit):  # noqa: N803
    return any(field.name == 'plugin_configuration_id' for field in TransmissionAudit._meta.get_fields())


def latest_transmitted_grades(TransmissionAudit, enrollment_ids, subsection_id=None,  # noqa: N803
                              plugin_configuration_id=None):
    """
    Map each of ``enrollment_ids`` that was sent successfully to the grade it was last sent with.

    One query for any number of enrollments: the exporter asks once per chunk.
    """
    rows = _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id).filter(
        enterprise_course_enrollment_id__in=list(enrollment_ids),
    ).order_by('enterprise_course_enrollment_id', '-modified', '-id')
    grades = {}
    for enrollment_id, grade in rows.values_list('enterprise_course_enrollment_id', 'grade'):
        grades.setdefault(enrollment_id, grade)
    return grades


def is_already_transmitted(TransmissionAudit, enrollment_id, grade, subsection_id=None,  # noqa: N803
                           plugin_configuration_id=None):
    """
    True when the latest successful transmission of this enrollment carried the same grade.

    "Latest" is the most recently updated row, then the highest id, among rows with a 2xx
    status (or one the audit model counts as sent) and no error message; for ``subsection_id``
    when given, else course-level rows only; and for ``plugin_configuration_id`` when given and
    the audit model records one.
    """
    latest = _successful_rows(TransmissionAudit, subsection_id, plugin_configuration_id).filter(
        enterprise_course_enrollment_id=enrollment_id,
    ).order_by('-modified', '-id').values_list('id', 'grade').first()
    if latest is None:
        return False
    return latest[1] == normalize_grade(grade)
