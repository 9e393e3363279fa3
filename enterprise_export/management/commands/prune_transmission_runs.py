"""``manage.py prune_transmission_runs``: forget the runs older than ``ENTERPRISE_EXPORT_RUN_RETENTION_DAYS``."""

from django.core.management.base import BaseCommand

from enterprise_export.runs import prune_runs


class Command(BaseCommand):
    help = ('Delete the transmission runs (the admin\'s list of runs) started more than '
            'ENTERPRISE_EXPORT_RUN_RETENTION_DAYS days ago (default 90). Audit rows are kept.')

    def handle(self, *args, **options):
        count, cutoff = prune_runs()
        self.stdout.write(f'Deleted {count} transmission runs started before {cutoff:%Y-%m-%dT%H:%M:%SZ}.')
