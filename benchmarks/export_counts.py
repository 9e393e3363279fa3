"""
Count the SQL queries and LMS calls of one export, with the LMS faked by ``responses``.

    .venv/bin/python -m benchmarks.export_counts [--enrollments 1000] [--runs 10] [--concurrency 8]
                                                 [--bulk-min 20]

``--concurrency 1 --bulk-min 0`` is the reference path.

Prints one JSON line. It counts; it does not time (``responses`` keeps every call in memory,
so times and memory here say nothing about a real LMS).
"""

import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--enrollments', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=10)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--bulk-min', type=int, default=20)
    options = parser.parse_args()

    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'test_settings')
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = options.concurrency
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = options.bulk_min
    call_command('migrate', verbosity=0)
    import responses

    from enterprise_export.exporters.learner_data import LearnerExporter
    from test_utils.factories import EnterpriseCustomerFactory, UserFactory, consenting_enrollment
    from test_utils.fake_lms import FakeLms

    customer = EnterpriseCustomerFactory()
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 500,
                                                'id': 1})()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        lms = FakeLms(mock)
        runs = [f'course-v1:Bench+C{index}+2026' for index in range(options.runs)]
        for index, run in enumerate(runs):
            lms.add_course(run, pacing='instructor' if index % 2 else 'self', end='2026-01-01T00:00:00Z')
        for index in range(options.enrollments):
            user, run = UserFactory(), runs[index % options.runs]
            consenting_enrollment(customer, run, user=user)
            lms.learner(user.username, run, passed=True, certificate={'is_passing': True})
        with CaptureQueriesContext(connection) as queries:
            records = list(LearnerExporter('bench', configuration).export())
    print(json.dumps({
        'enrollments': options.enrollments,
        'runs': options.runs,
        'records': len(records),
        'sql_queries': len(queries),
        'lms_calls': dict(sorted(lms.calls.items())),
        'lms_calls_total': sum(lms.calls.values()),
    }))


if __name__ == '__main__':
    main()
