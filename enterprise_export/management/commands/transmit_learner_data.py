"""
``manage.py transmit_learner_data``: send learner data of every active channel configuration.

Each configuration is transmitted in its own Celery task. With eager tasks the command prints a
summary per configuration; with real workers it says what it queued. ``--dry-run`` exports in
this process and shows what would be sent, sending and saving nothing.
``--enterprise_enrollment_id`` sends that one enrollment again, in this process (SPEC 19).
"""

import csv
import json
import os

from celery.result import EagerResult
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from enterprise_export import tasks
from enterprise_export.channels import CHANNELS, UnknownChannelError, get_channel
from enterprise_export.exporters.request import EVERY_LEARNER, ExportRequest
from enterprise_export.management import customer_uuid
from enterprise_export.models import get_customer_model, get_enrollment_model
from enterprise_export.outcomes import TransmissionSummary
from enterprise_export.tasks import LOCKED

DRY_RUN_FIELDS = ('channel', 'configuration_id', 'enrollment_id', 'course_id', 'grade', 'course_completed',
                  'completed_timestamp')
SUMMARY_COLUMNS = ('channel', 'configuration_id', 'enterprise_customer', 'sent', 'skipped', 'failed', 'lms_errors',
                   'error')
COUNTED = ('sent', 'skipped', 'failed', 'lms_errors')


class Command(BaseCommand):
    help = "Send enterprise learners' completions to each active channel configuration."

    def add_arguments(self, parser):
        parser.add_argument('--api_user', dest='api_user', help='Username the exports run as (required).')
        parser.add_argument('--enterprise_customer', dest='enterprise_customer', metavar='UUID',
                            help='Only this customer.')
        parser.add_argument('--channel', dest='channel', metavar='CODE',
                            help=f"Only this channel: {', '.join(CHANNELS)} (any case).")
        parser.add_argument('--dry-run', dest='dry_run', action='store_true',
                            help='Export and show what would be sent; send and save nothing.')
        parser.add_argument('--output', dest='output', metavar='FILE',
                            help='With --dry-run: write the records there (CSV for .csv, else JSON lines).')
        parser.add_argument('--fail-if-locked', dest='fail_if_locked', action='store_true',
                            help='Exit with status 1 when another run holds a configuration (default: report it).')
        parser.add_argument('--enterprise_enrollment_id', dest='enrollment_id', metavar='ID', type=int,
                            help='Only this enterprise course enrollment, sent in this process (a resend on request).')
        parser.add_argument('--force', dest='force', action='store_true',
                            help='With --enterprise_enrollment_id: send it even if it was already sent with its grade.')

    def handle(self, *args, **options):
        if options['force'] and options['enrollment_id'] is None:
            raise CommandError('--force needs --enterprise_enrollment_id: only one enrollment is ever forced.')
        user = self._api_user(options['api_user'])
        if options['output'] and not options['dry_run']:
            raise CommandError('--output needs --dry-run.')
        if options['output']:
            _check_output(options['output'])
        self.fail_if_locked = options['fail_if_locked']
        self.force = options['force']
        customer = self._customer(options['enterprise_customer'])
        request = EVERY_LEARNER
        if options['enrollment_id'] is not None:
            customer, request = self._enrollment_request(options['enrollment_id'], customer)
        channels = self._channels(options['channel'])
        configurations = [
            (channel, configuration)
            for channel in channels for configuration in channel.active_configurations(customer)
        ]
        if not configurations:
            self.stdout.write('No active channel configuration of an active customer: nothing to transmit.')
            return
        if options['dry_run']:
            self._dry_run(user, configurations, options['output'], request)
        elif request is EVERY_LEARNER:
            self._queue(user, configurations)
        else:
            self._resend(user, configurations, request)

    @staticmethod
    def _api_user(username):
        if not username:
            raise CommandError('--api_user is required: the username the exports run as.')
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f'No user with username {username!r}.')
        if not user.is_active:
            raise CommandError(f'User {username!r} is inactive: the exports need an active user.')
        return user

    @staticmethod
    def _customer(value):
        wanted = customer_uuid(value)
        if wanted is None:
            return None
        customer = get_customer_model()._default_manager.filter(uuid=wanted).first()
        if customer is None:
            raise CommandError(f'No enterprise customer {value}.')
        if not customer.active:
            raise CommandError(f'Enterprise customer {value} is inactive.')
        return customer

    def _enrollment_request(self, enrollment_id, customer):
        """The customer of enrollment ``enrollment_id`` and the export of that one enrollment."""
        enrollment = get_enrollment_model()._default_manager.select_related(
            'enterprise_customer_user__enterprise_customer',
        ).filter(pk=enrollment_id).first()
        if enrollment is None:
            raise CommandError(f'No enterprise course enrollment {enrollment_id}.')
        learner = enrollment.enterprise_customer_user
        enrollment_customer = learner.enterprise_customer
        if customer is not None and customer.pk != enrollment_customer.pk:
            raise CommandError(f'Enterprise course enrollment {enrollment_id} is not of enterprise customer '
                               f'{customer.uuid}.')
        if not enrollment_customer.active:
            raise CommandError(f'The enterprise customer of enrollment {enrollment_id} is inactive.')
        learner_user = get_user_model().objects.filter(pk=learner.user_id).first()
        if learner_user is None:
            raise CommandError(f'The learner of enrollment {enrollment_id} has no LMS user.')
        # Consent, active and linked learners, and the audit rules still apply: the export checks them.
        return enrollment_customer, ExportRequest(learner=learner_user, course_run_id=enrollment.course_id,
                                                  skip_transmitted=not self.force)

    def _resend(self, user, configurations, request):
        """Export and send the one enrollment of ``request`` to each configuration, here, each under its lock."""
        self._print_summary([
            tasks.transmit_under_lock(channel, configuration, user, request, force=self.force).as_dict()
            for channel, configuration in configurations
        ])

    @staticmethod
    def _channels(code):
        if code is None:
            return list(CHANNELS.values())
        try:
            return [get_channel(code)]
        except UnknownChannelError as error:
            raise CommandError(f'{error}.') from None

    def _queue(self, user, configurations):
        summaries, queued = [], []
        for channel, configuration in configurations:
            result = tasks.transmit_learner_data.delay(user.username, channel.code, configuration.pk)
            if isinstance(result, EagerResult):
                summaries.append(self._eager_summary(result, channel, configuration))
            else:
                queued.append((channel, configuration, result.id))
        for channel, configuration, task_id in queued:
            self.stdout.write(f'Queued {channel.code} configuration {configuration.pk} '
                              f'({configuration.enterprise_customer.slug}) as task {task_id}.')
        if summaries:
            self._print_summary(summaries)

    def _eager_summary(self, result, channel, configuration):
        try:
            return result.get()
        except Exception as error:  # noqa: BLE001 - one configuration's failure must not hide the others'
            self.stderr.write(f'{channel.code} configuration {configuration.pk} failed: {type(error).__name__}')
            return TransmissionSummary(channel.code, configuration.pk, configuration.enterprise_customer.slug,
                                       error=f'the task raised {type(error).__name__}').as_dict()

    def _print_summary(self, summaries):
        """The table, the total line, and exit status 1 when a configuration is in error (SPEC 11)."""
        rows = [{**row, 'error': row['error'] or ''} for row in summaries]
        widths = [max(len(str(column)), *(len(str(row[column])) for row in rows)) for column in SUMMARY_COLUMNS]
        lines = [SUMMARY_COLUMNS] + [tuple(row[column] for column in SUMMARY_COLUMNS) for row in rows]
        for line in lines:
            cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
            self.stdout.write('  '.join(cells).rstrip())
        totals = {name: sum(row[name] for row in summaries) for name in COUNTED}
        in_error = [row for row in summaries if row['error']]
        self.stdout.write(f"Total: {totals['sent']} sent, {totals['skipped']} skipped, {totals['failed']} failed, "
                          f"{totals['lms_errors']} lms_errors, {len(in_error)} configurations in error.")
        fatal = [row for row in in_error if row['error'] != LOCKED or self.fail_if_locked]
        if fatal:
            raise _in_error(f"{row['channel']} {row['configuration_id']}: {row['error']}" for row in fatal)

    def _dry_run(self, user, configurations, output, request):
        rows, errors = [], []
        for channel, configuration in configurations:
            summary = channel.build_transmitter(configuration).transmit(
                channel.build_exporter(user, configuration), request, dry_run=True, force=self.force,
            )
            rows.extend(_dry_run_row(channel.code, configuration.pk, record) for record in summary.would_send)
            if summary.error:
                errors.append(f'{channel.code} {configuration.pk}: {summary.error}')
        if output:
            _write_rows(output, rows)
            self.stdout.write(f'Dry run: {len(rows)} records would be sent; written to {output}.')
        else:
            for row in rows:
                self.stdout.write(json.dumps(row))
            # On stderr: standard output is only the JSON lines, for a pipe into jq or a file.
            self.stderr.write(f'Dry run: {len(rows)} records would be sent; nothing was sent or saved.')
        if errors:
            raise _in_error(errors)


def _dry_run_row(channel_code, configuration_id, record):
    return {
        'channel': channel_code,
        'configuration_id': configuration_id,
        'enrollment_id': record.enterprise_course_enrollment_id,
        'course_id': record.course_id,
        'grade': record.grade,
        'course_completed': record.course_completed,
        'completed_timestamp': record.completed_timestamp,
    }


def _in_error(reasons):
    """The error that ends the command with status 1 once the summary is out (SPEC 11)."""
    reasons = list(reasons)
    return CommandError(f'{len(reasons)} configurations in error: ' + '; '.join(reasons), returncode=1)


def _check_output(path):
    """Refuse an ``--output`` that cannot be written, before anything is exported."""
    if os.path.isdir(path):
        raise CommandError(f'--output {path} is a folder; give a file name.')
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CommandError(f'--output {path}: the folder {folder} does not exist.')
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise CommandError(f'--output {path} cannot be written.')


def _write_rows(path, rows):
    with open(path, 'w', newline='', encoding='utf-8') as output:
        if path.lower().endswith('.csv'):
            writer = csv.DictWriter(output, fieldnames=DRY_RUN_FIELDS)
            writer.writeheader()
            writer.writerows(rows)
        else:
            for row in rows:
                output.write(json.dumps(row) + '\n')
