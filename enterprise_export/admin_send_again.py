"""
The admin's "send again" (SPEC 20, 21): one single-learner task per learner and course run of the
selected failed rows, for their configurations, each run with an id told in advance, and what
the operator is then told.

Tasks that ran in the request (eager Celery) report what each configuration's run did; tasks
queued for workers report the run id to look for in the transmission runs.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from celery.result import EagerResult
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.utils.html import format_html, format_html_join

from enterprise_export import audits, tasks
from enterprise_export.admin_display import runs_url
from enterprise_export.channels import channel_of, get_channel
from enterprise_export.models import get_enrollment_model

# What a configuration's run that the task did not start (no summary for it) means.
NOT_RUN = ('not run: the configuration or its customer is inactive, or the learner is not an active, '
           'linked learner of its customer')


@dataclass
class ConfigurationReport:
    """What the send-again runs of one configuration did (eager) or where to look for them (queued)."""

    channel_code: str
    configuration_id: int
    customer: str = ''
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)
    queued_run_ids: list = field(default_factory=list)
    ran: int = 0  # tasks that ran in the request

    def add_result(self, result, run_id):
        """Count what one task did for this configuration: its summary, nothing, or the exception it raised."""
        if not isinstance(result, EagerResult):
            self.queued_run_ids.append(run_id)
            return
        self.ran += 1
        outcome = result.get(propagate=False)
        if isinstance(outcome, BaseException):
            self.add_error(f'the task raised {type(outcome).__name__}')
            return
        summaries = [summary for summary in outcome or () if summary.get('configuration_id') == self.configuration_id]
        if not summaries:
            self.add_error(NOT_RUN)
        for summary in summaries:
            self.customer = summary.get('enterprise_customer') or self.customer
            self.sent += summary.get('sent', 0)
            self.skipped += summary.get('skipped', 0)
            self.failed += summary.get('failed', 0)
            if summary.get('error'):
                self.add_error(summary['error'])

    def add_error(self, error):
        if error not in self.errors:
            self.errors.append(error)

    @property
    def title(self):
        return f'{self.channel_code} configuration {self.configuration_id} ({self.customer})'

    def message(self, admin_site):
        """``SAP configuration 3 (acme): 1 sent, 0 skipped, 0 failed.``, or the queued runs' ids as links."""
        if self.queued_run_ids:
            links = format_html_join(', ', '<a href="{}">{}</a>',
                                     ((runs_url(admin_site, run_id), run_id) for run_id in self.queued_run_ids))
            queued = format_html('{}: queued {} learner run(s); look for run id {} in the transmission runs.',
                                 self.title, len(self.queued_run_ids), links)
            return format_html('{} Not queued: {}.', queued, '; '.join(self.errors)) if self.errors else queued
        counts = f'{self.title}: {self.sent} sent, {self.skipped} skipped, {self.failed} failed'
        return f'{counts}, error: {"; ".join(self.errors)}.' if self.errors else f'{counts}.'

    @property
    def level(self):
        if self.queued_run_ids:
            return messages.INFO
        return messages.WARNING if self.errors or self.failed else messages.SUCCESS


def send_again(model_admin, request, queryset):
    """
    Queue the single-learner task once per learner and course run of the failed rows of
    ``queryset``, for their configurations only (sent and superseded rows are skipped), each
    configuration's run under a run id of its own; tell the operator what each configuration's
    runs did, or which run ids to look for.
    """
    channel_code = channel_of(queryset.model).code
    failed = queryset.exclude(audits.sent_q(queryset.model)).filter(superseded=False)
    selected, failed_count = queryset.count(), failed.count()  # before the tasks run: eager ones change the rows
    targets = learner_run_configurations(
        failed.values_list('enterprise_course_enrollment_id', 'plugin_configuration_id').distinct(), channel_code)
    reports, learner_runs = {}, 0
    for (username, course_run_id), configurations in targets.items():
        run_ids = [str(uuid.uuid4()) for _ in configurations]
        learner_reports = [reports.setdefault((code, configuration_id), ConfigurationReport(code, configuration_id))
                           for code, configuration_id in configurations]
        try:
            # Asked afresh (as_passed=False): the LMS alone says what to send, record by record.
            result = tasks.transmit_single_learner_data.delay(
                username, course_run_id, configurations=configurations, run_ids=run_ids, as_passed=False)
        except Exception as error:  # noqa: BLE001 - a broker that is down, or an eager task that raised
            for report in learner_reports:
                # The type only: a broker's error may quote its URL, and with it a password.
                report.add_error(f'the task could not be queued or raised {type(error).__name__}')
            continue
        learner_runs += 1
        for report, run_id in zip(learner_reports, run_ids, strict=True):
            report.add_result(result, run_id)
    _name_customers(reports.values())
    model_admin.message_user(request, _what_was_done(reports.values(), learner_runs, skipped=selected - failed_count),
                             messages.INFO)
    for report in sorted(reports.values(), key=lambda report: (report.channel_code, report.configuration_id)):
        model_admin.message_user(request, report.message(model_admin.admin_site), report.level)


def _what_was_done(reports, learner_runs, *, skipped):
    """The first line: how many learner runs ran (eager) or were queued, and how many selected rows were skipped."""
    queued = any(report.queued_run_ids for report in reports)
    ran = any(report.ran for report in reports)
    done = 'Queued' if queued or not ran else 'Ran'
    return (f'{done} {learner_runs} learner run(s) to send again; {skipped} selected row(s) were skipped '
            '(sent or superseded).')


def _name_customers(reports):
    """Give the reports that no summary named their customer's slug (queued runs, runs that did not start)."""
    unnamed = defaultdict(list)
    for report in reports:
        if not report.customer:
            unnamed[report.channel_code].append(report)
    for code, channel_reports in unnamed.items():
        configurations = get_channel(code).configuration_model.objects.select_related('enterprise_customer').in_bulk(
            [report.configuration_id for report in channel_reports])
        for report in channel_reports:
            configuration = configurations.get(report.configuration_id)
            report.customer = configuration.enterprise_customer.slug if configuration else 'deleted'


def learner_run_configurations(enrollment_configurations, channel_code):
    """
    ``{(username, course run id): [[channel code, configuration id], ...]}`` for
    ``(enrollment id, configuration id)`` pairs, leaving out enrollments whose learner no longer exists.
    """
    configurations_of = {}
    for enrollment_id, configuration_id in enrollment_configurations:
        configurations_of.setdefault(enrollment_id, set()).add(configuration_id)
    enrollments = list(get_enrollment_model()._base_manager.filter(pk__in=list(configurations_of)).values_list(
        'pk', 'enterprise_customer_user__user_id', 'course_id'))
    usernames = dict(get_user_model().objects.filter(
        pk__in={user_id for _, user_id, _ in enrollments}).values_list('pk', 'username'))
    targets = {}
    for enrollment_id, user_id, course_run_id in enrollments:
        if user_id in usernames:
            targets.setdefault((usernames[user_id], course_run_id), set()).update(
                (channel_code, configuration_id) for configuration_id in configurations_of[enrollment_id])
    return {target: sorted([list(pair) for pair in pairs]) for target, pairs in sorted(targets.items())}
