"""
Benchmark of the learner exporter against the demo stand-in over real HTTP (``make bench``).

Population: N enrollments of one customer over 20 runs, half instructor-paced (certificates),
half self-paced (grades), consent granted for all; every LMS call answered after a fixed
latency. For each case it prints one JSON line: N, latency, wall seconds, SQL queries and LMS
calls per enrollment, peak memory (RSS of the export process), and the speed-up over the
reference path (concurrency 1, no bulk listings) measured in the same run.

The reference path costs two sequential LMS calls per enrollment, so at 100,000 enrollments
it would run for half an hour: it is measured on the first ``--reference-limit`` enrollments
of a second customer (the same mix) and its time per enrollment is compared; the line says
how many enrollments it was measured on.

    python -m benchmarks.bench_export                      # the cases of the issue
    python -m benchmarks.bench_export --case 2000:5 --case 20000:0
    python -m benchmarks.bench_export --concurrency 16    # another concurrency

Each export runs in its own process (so that peak memory is its own), the stand-in in another.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request

DEFAULT_CASES = ['2000:0', '2000:5', '20000:0', '20000:5', '100000:5']
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def django_setup(db_path, standin_url=''):
    os.environ['DJANGO_SETTINGS_MODULE'] = 'benchmarks.settings'
    os.environ['BENCH_DB'] = db_path
    os.environ['BENCH_STANDIN_URL'] = standin_url
    import django
    django.setup()


# Subcommand ``load``: the population in an SQLite file.

def load(options):
    django_setup(options.db)
    from django.core.management import call_command

    from benchmarks.standin_process import RUNS
    from test_utils.factories import EnterpriseCustomerFactory, bulk_enrollments

    call_command('migrate', verbosity=0)
    bulk_enrollments(EnterpriseCustomerFactory(slug='bench'), options.enrollments, RUNS, username_prefix='bench')
    bulk_enrollments(EnterpriseCustomerFactory(slug='ref'), options.reference, RUNS, username_prefix='ref')


# Subcommand ``export``: one export, measured.

def export(options):
    django_setup(options.db, options.standin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from enterprise_export.exporters.learner_data import LearnerExporter
    from enterprise_export.models import get_customer_model

    customer = get_customer_model()._default_manager.get(slug=options.customer)
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 500,
                                                'id': 1})()
    calls_before = lms_calls(options.standin)
    with override_settings(ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS=options.concurrency,
                           ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS=options.bulk_min), \
            CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        records = sum(1 for _ in LearnerExporter('bench', configuration).export())
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    calls_after = lms_calls(options.standin)
    print(json.dumps({
        'records': records, 'wall_seconds': wall, 'cpu_seconds': cpu, 'sql_queries': len(queries),
        'lms_calls': sum(calls_after.values()) - sum(calls_before.values()),
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def lms_calls(standin_url):
    with urllib.request.urlopen(f'{standin_url}/_control/calls', timeout=10) as answer:
        return json.loads(answer.read())


# The orchestrator.

def run_python(*args):
    completed = subprocess.run([sys.executable, '-m', 'benchmarks.bench_export', *args], cwd=HERE, check=True,
                               capture_output=True, text=True)
    return completed.stdout


def measure_case(enrollments, latency_ms, options, workdir):
    reference_count = min(enrollments, options.reference_limit)
    db_path = os.path.join(workdir, f'bench-{enrollments}.sqlite3')
    if not os.path.exists(db_path):
        run_python('load', '--db', db_path, '--enrollments', str(enrollments), '--reference', str(reference_count))
    standin = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.standin_process', '--enrollments', str(enrollments),
         '--reference', str(reference_count), '--latency-ms', str(latency_ms)],
        cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = standin.stdout.readline().strip()
        fast = json.loads(run_python('export', '--db', db_path, '--standin', url, '--customer', 'bench',
                                     '--concurrency', str(options.concurrency), '--bulk-min', str(options.bulk_min)))
        reference = json.loads(run_python('export', '--db', db_path, '--standin', url, '--customer', 'ref',
                                          '--concurrency', '1', '--bulk-min', '0'))
    finally:
        standin.stdin.close()
        standin.wait(timeout=30)
    per_fast = fast['wall_seconds'] / enrollments
    per_reference = reference['wall_seconds'] / reference_count
    return {
        'enrollments': enrollments,
        'latency_ms': latency_ms,
        'concurrency': options.concurrency,
        'bulk_listing_min_learners': options.bulk_min,
        'wall_seconds': round(fast['wall_seconds'], 2),
        'exporter_cpu_seconds': round(fast['cpu_seconds'], 2),
        'records': fast['records'],
        'sql_queries_per_enrollment': round(fast['sql_queries'] / enrollments, 4),
        'lms_calls_per_enrollment': round(fast['lms_calls'] / enrollments, 4),
        'peak_rss_mb': round(fast['peak_rss_mb'], 1),
        'reference_wall_seconds': round(reference['wall_seconds'], 2),
        'reference_measured_on': reference_count,
        'reference_lms_calls_per_enrollment': round(reference['lms_calls'] / reference_count, 4),
        'reference_sql_queries_per_enrollment': round(reference['sql_queries'] / reference_count, 4),
        'speedup': round(per_reference / per_fast, 1),
    }


def orchestrate(options):
    with tempfile.TemporaryDirectory(prefix='enterprise-export-bench-') as workdir:
        for case in options.case or DEFAULT_CASES:
            enrollments, latency = case.split(':')
            print(json.dumps(measure_case(int(enrollments), float(latency), options, workdir)), flush=True)


def main():
    parser = argparse.ArgumentParser(description='Benchmark the learner exporter against the demo stand-in.')
    sub = parser.add_subparsers(dest='command')
    loader = sub.add_parser('load')
    loader.add_argument('--db', required=True)
    loader.add_argument('--enrollments', type=int, required=True)
    loader.add_argument('--reference', type=int, required=True)
    exporter = sub.add_parser('export')
    exporter.add_argument('--db', required=True)
    exporter.add_argument('--standin', required=True)
    exporter.add_argument('--customer', required=True)
    exporter.add_argument('--concurrency', type=int, required=True)
    exporter.add_argument('--bulk-min', type=int, required=True)
    parser.add_argument('--case', action='append', metavar='N:LATENCY_MS',
                        help=f'a case to run (repeatable); default: {" ".join(DEFAULT_CASES)}')
    parser.add_argument('--concurrency', type=int, default=8, help='fast path concurrency (default: the setting\'s 8)')
    parser.add_argument('--bulk-min', type=int, default=20, help='fast path bulk-listing threshold (default 20)')
    parser.add_argument('--reference-limit', type=int, default=5000,
                        help='measure the reference path on at most this many enrollments (default 5000)')
    options = parser.parse_args()
    {'load': load, 'export': export}.get(options.command, orchestrate)(options)


if __name__ == '__main__':
    main()
