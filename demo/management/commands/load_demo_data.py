"""``manage.py load_demo_data``: the demo customers, learners, consent and channel configurations."""

from django.core.management.base import BaseCommand

from demo.population import CUSTOMERS, LEARNERS_PER_CUSTOMER, build_population, channel_urls, load_population


class Command(BaseCommand):
    help = 'Load the demo population (idempotent: running it again changes nothing).'

    def handle(self, *args, **options):
        population = build_population()
        load_population(population, channel_urls('http://127.0.0.1:0'))
        cases = sorted({learner.case for learner in population})
        self.stdout.write(
            f'Demo data: {len(CUSTOMERS)} customers ({", ".join(f"{slug}: {code}" for slug, _, code in CUSTOMERS)}), '
            f'{LEARNERS_PER_CUSTOMER} learners each ({len(population)} in all), cases: {", ".join(cases)}.'
        )
