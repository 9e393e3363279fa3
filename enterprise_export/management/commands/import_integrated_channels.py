"""
``manage.py import_integrated_channels``: take over from edx-enterprise's integrated channels.

A thin wrapper of ``enterprise_export.takeover.import_integrated_channels`` (SPEC section 13):
one line per configuration, the rows it skipped on stderr, and a total (the same lines in a
dry run, which says on stderr that it wrote nothing).
"""

from django.core.management.base import BaseCommand, CommandError

from enterprise_export.channels import CHANNELS
from enterprise_export.management import customer_uuid
from enterprise_export.takeover import import_integrated_channels, installed_original_channels

CODES = [code for code, channel in CHANNELS.items() if channel.integrated_channel is not None]


class Command(BaseCommand):
    help = ("Import edx-enterprise's integrated-channels configurations, the completions they sent and "
            "Cornerstone learner identities, so that the next transmission resends nothing.")

    def add_arguments(self, parser):
        parser.add_argument('--enterprise_customer', dest='enterprise_customer', metavar='UUID',
                            help='Only this customer.')
        parser.add_argument('--channel', dest='channel', metavar='CODE',
                            help=f"Only this channel: {', '.join(CODES)} (any case).")
        parser.add_argument('--dry-run', dest='dry_run', action='store_true',
                            help='Show what would be imported; write nothing.')

    def handle(self, *args, **options):
        channel = options['channel']
        if channel is not None and channel.upper() not in CODES:
            raise CommandError(f"Unknown channel {channel!r}; choose one of {', '.join(CODES)}.")
        if not installed_original_channels(channel):
            raise CommandError("None of edx-enterprise's integrated-channels apps to import from is installed.")
        summary = import_integrated_channels(
            enterprise_customer=customer_uuid(options['enterprise_customer']),
            channel_code=channel, dry_run=options['dry_run'],
        )
        for configuration in summary.configurations:
            self.stdout.write(configuration.line())
            for bad_row in configuration.bad_rows:
                self.stderr.write(f'  skipped {bad_row}')
        self.stdout.write(summary.total_line())
        if summary.dry_run:
            self.stderr.write('Dry run: nothing was written.')

