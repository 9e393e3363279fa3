"""
Time the operators' API on many audit rows: the listing's pages and the summary.

    .venv/bin/python -m benchmarks.bench_api [--rows 100000] [--repeat 3]
    DJANGO_SETTINGS_MODULE=test_settings_mysql .venv/bin/python -m benchmarks.bench_api   # on MariaDB/MySQL

One customer with a SAP and a Degreed configuration of ``--rows`` audit rows each (one in ten
failed), and another customer's ``--rows`` SAP rows. Prints one JSON line per request: the
best of ``--repeat`` wall times in milliseconds and the number of SQL queries.
"""

import argparse
import json
import os
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--repeat', type=int, default=3)
    options = parser.parse_args()

    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'test_settings')
    import django
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ['*']
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for line in run(options.rows, options.repeat):
            print(json.dumps(line), flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(rows, repeat):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from test_utils.factories import DegreedConfigurationFactory, SAPConfigurationFactory, UserFactory

    customer = fill(rows, SAPConfigurationFactory, DegreedConfigurationFactory)
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    base = f'/enterprise-export/api/v1/customers/{customer.uuid}/transmissions/'
    requests = [('first page', base), ('failures first', f'{base}?ordering=status'),
                ('failed only', f'{base}?status=failed'), ('page 100 of 500', f'{base}?page=100&page_size=500'),
                ('summary', f'{base}summary/')]
    for request, url in requests:
        best, queries = None, 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                assert client.get(url).status_code == 200
                elapsed = time.perf_counter() - started
            best, queries = min(best or elapsed, elapsed), len(captured)
        yield {'database': connection.vendor, 'rows_per_configuration': rows, 'request': request,
               'ms': round(best * 1000, 1), 'queries': queries}


def fill(rows, sap_factory, degreed_factory):
    """The customer of a SAP and a Degreed configuration of ``rows`` rows each, and another customer's rows."""
    from enterprise_export.channels import CHANNELS

    sap = sap_factory()
    degreed = degreed_factory(enterprise_customer=sap.enterprise_customer)
    for code, configuration in (('SAP', sap), ('DEGREED', degreed), ('SAP', sap_factory())):
        audit_model = CHANNELS[code].audit_model
        identity = {'SAP': 'sapsf_user_id', 'DEGREED': 'degreed_user_email'}[code]
        audit_model.objects.bulk_create([audit_model(
            plugin_configuration_id=configuration.pk, enterprise_course_enrollment_id=index, course_id='edX+DemoX',
            grade='Pass', status=500 if index % 10 == 0 else 200, error_message='boom' if index % 10 == 0 else '',
            **{identity: f'learner-{index}'}) for index in range(rows)], batch_size=5000)
    return sap.enterprise_customer


if __name__ == '__main__':
    main()
