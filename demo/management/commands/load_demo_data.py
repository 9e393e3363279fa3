"""``manage.py load_demo_data``: the demo customers, learners, consent and channel configurations."""

from django.core.management.base import BaseCommand, CommandError

from demo.population import (
    CUSTOMERS,
    LEARNERS_PER_CUSTOMER,
    build_population,
    channel_urls,
    load_lms_rows,
    load_population,
)
from enterprise_export.channels import CHANNELS


class Command(BaseCommand):
    help = 'Load the demo population (idempotent: running it again changes nothing).'

    def add_arguments(self, parser):
        parser.add_argument('--learners-per-customer', type=int, default=LEARNERS_PER_CUSTOMER,
                            help=f'Learners of each demo customer (default {LEARNERS_PER_CUSTOMER}).')
        parser.add_argument('--standin', metavar='URL', default='http://127.0.0.1:0',
                            help='Point the channel configurations at a running stand-in (run_demo does it itself).')
        parser.add_argument('--requests-per-minute', type=int, metavar='N',
                            help="Every configuration's rate limit (0: none); default: each channel's own default.")
        parser.add_argument('--no-refused-learner', action='store_true',
                            help='Leave out the one more learner per customer whom every channel of the stand-in '
                                 'refuses (for tests that count what arrives).')

    def handle(self, *args, **options):
        if options['learners_per_customer'] < 1:
            raise CommandError('--learners-per-customer must be at least 1.')
        population = build_population(options['learners_per_customer'],
                                      refused_learner=not options['no_refused_learner'])
        urls = channel_urls(options['standin'].rstrip('/'))
        load_population(population, urls)  # points the configurations at ``urls`` too
        load_lms_rows(population)  # what the LMS knows, in its tables (the database source reads them)
        if options['requests_per_minute'] is not None:
            if options['requests_per_minute'] < 0:
                raise CommandError('--requests-per-minute must be 0 (no limit) or more.')
            for channel in CHANNELS.values():
                channel.configuration_model.objects.update(requests_per_minute=options['requests_per_minute'])
        cases = sorted({learner.case for learner in population})
        refused = '' if options['no_refused_learner'] else ' and one whom every channel refuses'
        self.stdout.write(
            f'Demo data: {len(CUSTOMERS)} customers ({", ".join(f"{slug}: {code}" for slug, _, code in CUSTOMERS)}), '
            f'{options["learners_per_customer"]} learners each{refused} ({len(population)} in all), '
            f'cases: {", ".join(cases)}.'
        )
