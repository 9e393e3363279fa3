"""
What the operators' pages show (SPEC 21): UTC moments, links between admin pages, and an audit
row's learner, customer and outcome, resolved for a whole page at once.
"""

import datetime
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from enterprise_export import audits
from enterprise_export.exporters.accounts import LEARNER_USERNAME, with_learner_accounts
from enterprise_export.models import TransmissionRun, get_enrollment_model

EMPTY = '-'
SUPERSEDED = 'superseded'
SUPERSEDED_NOTE = "superseded: the completion was sent since under the enrollment's other course id"


def utc_iso(moment):
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (a naive one is taken as UTC); None as ``-``."""
    if moment is None:
        return EMPTY
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def epoch_ms_iso(milliseconds):
    """An audit row's ``completed_timestamp`` (epoch milliseconds) as ``utc_iso`` writes it."""
    if milliseconds is None:
        return EMPTY
    return utc_iso(datetime.datetime.fromtimestamp(milliseconds / 1000, tz=datetime.UTC))


def customer_label(customer):
    """A customer as the pages name it, ``Name (slug)``, on this app's customer model and edx-enterprise's alike."""
    if customer is None:
        return EMPTY
    return f'{customer.name} ({customer.slug})'


def change_link(admin_site, model, pk, text):
    """A link to ``model``'s admin page of ``pk`` when ``admin_site`` has one, else ``text``."""
    if not admin_site.is_registered(model):
        return text
    opts = model._meta
    url = reverse(f'{admin_site.name}:{opts.app_label}_{opts.model_name}_change', args=[pk])
    return format_html('<a href="{}">{}</a>', url, text)


def runs_url(admin_site, run_id):
    """The runs list narrowed to the run ``run_id`` (searched by its exact id)."""
    opts = TransmissionRun._meta
    return (reverse(f'{admin_site.name}:{opts.app_label}_{opts.model_name}_changelist')
            + '?' + urlencode({'q': str(run_id)}))


def run_link(admin_site, run_id):
    """A link to the runs list narrowed to ``run_id``; ``-`` when there is none."""
    if run_id is None:
        return EMPTY
    return format_html('<a href="{}">{}</a>', runs_url(admin_site, run_id), run_id)


def outcome(row):
    """``sent``, ``failed``, or ``superseded`` (a failed row whose completion went through by the other target)."""
    if audits.outcome(row.status, row.error_message, type(row)) == audits.SENT:
        return audits.SENT
    return SUPERSEDED if row.superseded else audits.FAILED


def reason(row):
    """SPEC 15's sentence for a failed row (noting when it was superseded); ``-`` when sent."""
    sentence = audits.failure_reason(row.status, row.error_message, row.failure_kind, type(row))
    if not sentence:
        return EMPTY
    return f'{sentence} ({SUPERSEDED_NOTE})' if row.superseded else sentence


def describe_audit_rows(rows, channel=None):
    """
    Put on each of ``rows`` (audit rows, of ``channel`` when given) what the pages show beside its
    own fields: ``enrollment`` (None when gone), ``learner_username``, ``customer`` and, for a
    channel, ``configuration`` (None when gone). Two queries for any number of rows.
    """
    rows = list(rows)
    enrollments = _enrollments({row.enterprise_course_enrollment_id for row in rows})
    configurations = _configurations(channel, {row.plugin_configuration_id for row in rows}) if channel else {}
    for row in rows:
        enrollment = enrollments.get(row.enterprise_course_enrollment_id)
        row.enrollment = enrollment
        row.learner_username = getattr(enrollment, LEARNER_USERNAME, None)
        row.configuration = configurations.get(getattr(row, 'plugin_configuration_id', None))
        if row.configuration is not None:
            row.customer = row.configuration.enterprise_customer
        else:
            row.customer = enrollment.enterprise_customer_user.enterprise_customer if enrollment else None
    return rows


def _enrollments(enrollment_ids):
    """``{id: enrollment}`` with each one's learner, customer and (annotated) username, in one query."""
    if not enrollment_ids:
        return {}
    enrollments = get_enrollment_model()._base_manager.filter(pk__in=enrollment_ids).select_related(
        'enterprise_customer_user__enterprise_customer')
    return {enrollment.pk: enrollment for enrollment in with_learner_accounts(enrollments)}


def _configurations(channel, configuration_ids):
    configuration_ids.discard(None)
    if not configuration_ids:
        return {}
    return channel.configuration_model.objects.select_related('enterprise_customer').in_bulk(configuration_ids)
