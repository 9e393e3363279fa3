"""
Benchmark of the learner exporter against the demo stand-in over real HTTP (``make bench``).

Population: N enrollments of one customer over 20 runs, half instructor-paced (certificates),
half self-paced (grades), consent granted for all; every LMS call answered after a fixed
latency. For each case it prints one JSON line: N, latency, concurrency, wall seconds,
exporter CPU per enrollment, SQL queries and LMS calls per enrollment, peak memory (RSS of
the export process), the bound the case sits at, and, measured in the same run against the
same stand-in and database:

* ``baseline_*``: the exporter of commit ``BASELINE`` (the code before issue 12), exported
  from ``git archive`` into a temporary directory (skipped outside a git checkout);
* ``reference_*``: the reference path (concurrency 1, no bulk listings), which makes two
  sequential LMS calls per enrollment; it is measured on the first enrollments of a second
  customer (at most ``--reference-limit``, and no more than about 20 seconds of LMS
  latency), and compared per enrollment.

The bound: the LMS floor is ``LMS calls x latency / concurrency``; the CPU floor is the
exporter's CPU time (one core: the GIL). ``bound`` names the larger, ``wall_over_floor`` says
how close the export came to it. On a loaded machine a call takes longer than its latency
(both HTTP stacks, the stand-in, the scheduler): ``measured_call_ms`` is what one call took,
made with the same client and concurrency but without the exporter, just after the exports,
and ``measured_http_floor_seconds`` the export's calls at that pace;
``speedup_ceiling_vs_baseline`` is the baseline's wall over that floor, the most any exporter
could gain here. The last line checks the issue's targets.

    python -m benchmarks.bench_export                      # the cases of the issue
    python -m benchmarks.bench_export --case 2000:5 --case 20000:50:32
    python -m benchmarks.bench_export --baseline none     # without the baseline

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

DEFAULT_CASES = ['2000:0', '2000:5', '20000:0', '20000:5', '100000:5', '20000:50:8', '20000:50:32']
BASELINE = '23b0370'
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REFERENCE_LATENCY_BUDGET_SECONDS = 20


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
    write_lms_rows([('bench', options.enrollments), ('ref', options.reference)])


def write_lms_rows(populations):
    """
    What ``benchmarks.standin_process`` answers, as rows of the LMS's tables (``demo.lms``), for
    the database source: the same runs, enrollments, grades and certificates.
    """
    from django.contrib.auth import get_user_model

    from benchmarks.standin_process import RUNS, is_instructor_paced, run_of
    from demo.lms import models as tables
    from enterprise_export.utils import parse_lms_datetime

    end, certified = parse_lms_datetime('2026-03-01T00:00:00Z'), parse_lms_datetime('2026-02-01T10:00:00Z')
    tables.CourseOverview.objects.bulk_create([tables.CourseOverview(id=course_id, end=end, effort='4:00',
                                                                     self_paced=not is_instructor_paced(course_id))
                                               for course_id in RUNS])
    user_ids = dict(get_user_model().objects.values_list('username', 'pk'))
    enrollments, grades, certificates = [], [], []
    for prefix, count in populations:
        for index in range(count):
            user_id, course_id, passes = user_ids[f'{prefix}-{index:06d}'], run_of(index), index % 5 != 0
            enrollments.append(tables.CourseEnrollment(user_id=user_id, course_id=course_id, mode='verified'))
            if is_instructor_paced(course_id):
                certificates.append(tables.GeneratedCertificate(
                    user_id=user_id, course_id=course_id, status='downloadable' if passes else 'notpassing',
                    grade='0.82', created_date=certified))
            else:
                grades.append(tables.PersistentCourseGrade(user_id=user_id, course_id=course_id,
                                                           percent_grade=0.8 if passes else 0.3,
                                                           letter_grade='Pass' if passes else ''))
    for table, rows in ((tables.CourseEnrollment, enrollments), (tables.PersistentCourseGrade, grades),
                        (tables.GeneratedCertificate, certificates)):
        table.objects.bulk_create(rows, batch_size=5000)


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
                           ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS=options.bulk_min,
                           ENTERPRISE_EXPORT_LMS_SOURCE=options.source), \
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


# Subcommand ``http-floor``: what one LMS call costs on this machine, without the exporter.

def http_floor(options):
    """
    ``--calls`` certificate GETs through the exporter's LMS client, ``--concurrency`` at a time:
    the time one call takes here (latency, both HTTP stacks, the machine's load), for the floor.
    """
    django_setup(options.db, options.standin)
    from benchmarks.bench_lms_client import learners, lms_client_get, run_round

    get = lms_client_get(options.standin, options.concurrency)
    _, wall = run_round(get, options.calls, options.concurrency, learners(options.enrollments))
    print(json.dumps({'calls': options.calls, 'wall_seconds': wall,
                      'seconds_per_call_per_worker': wall * options.concurrency / options.calls}))


def lms_calls(standin_url):
    with urllib.request.urlopen(f'{standin_url}/_control/calls', timeout=10) as answer:
        return json.loads(answer.read())


# The orchestrator.

def run_python(*args, cwd=HERE):
    completed = subprocess.run([sys.executable, '-m', 'benchmarks.bench_export', *args], cwd=cwd, check=True,
                               capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': cwd})
    return json.loads(completed.stdout) if args[0] in ('export', 'http-floor') else completed.stdout


def baseline_checkout(commit, workdir):
    """The tree of ``commit`` in ``workdir`` (None when this is not a git checkout)."""
    target = os.path.join(workdir, f'baseline-{commit}')
    try:
        archive = subprocess.run(['git', 'archive', commit], cwd=HERE, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    os.makedirs(target)
    subprocess.run(['tar', '-x', '-C', target], input=archive.stdout, check=True)
    return target


def reference_count(enrollments, latency_ms, options):
    """Enrollments the reference path is measured on: two sequential calls each."""
    count = min(enrollments, options.reference_limit)
    if latency_ms > 0:
        count = min(count, int(REFERENCE_LATENCY_BUDGET_SECONDS * 1000 / (2 * latency_ms)))
    return max(count, 1)


def measure_case(case, options, workdir, baseline):
    enrollments, latency_ms, concurrency = case
    measured_on = reference_count(enrollments, latency_ms, options)
    db_path = os.path.join(workdir, f'bench-{enrollments}-{measured_on}.sqlite3')
    if not os.path.exists(db_path):
        run_python('load', '--db', db_path, '--enrollments', str(enrollments), '--reference', str(measured_on))
    standin = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.standin_process', '--enrollments', str(enrollments),
         '--reference', str(measured_on), '--latency-ms', str(latency_ms)],
        cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = standin.stdout.readline().strip()
        common = ['--db', db_path, '--standin', url]
        fast_args = [*common, '--customer', 'bench', '--concurrency', str(concurrency),
                     '--bulk-min', str(options.bulk_min)]
        fast = run_python('export', *fast_args)
        old = run_python('export', *fast_args, cwd=baseline) if baseline else None
        reference = run_python('export', *common, '--customer', 'ref', '--concurrency', '1', '--bulk-min', '0')
        floor = run_python('http-floor', *common, '--enrollments', str(enrollments), '--concurrency',
                           str(concurrency), '--calls', str(max(400, 50 * concurrency)))
    finally:
        standin.stdin.close()
        standin.wait(timeout=30)
    return summary(case, options, fast, old, (reference, measured_on), floor)


def summary(case, options, fast, old, measured_reference, http):
    enrollments, latency_ms, concurrency = case
    lms_floor = fast['lms_calls'] * latency_ms / 1000 / concurrency
    http_floor = fast['lms_calls'] * http['seconds_per_call_per_worker'] / concurrency
    floor = max(lms_floor, fast['cpu_seconds'])
    line = {
        'enrollments': enrollments, 'latency_ms': latency_ms, 'concurrency': concurrency,
        'bulk_listing_min_learners': options.bulk_min, 'records': fast['records'],
        'wall_seconds': round(fast['wall_seconds'], 2),
        'exporter_cpu_seconds': round(fast['cpu_seconds'], 2),
        'cpu_ms_per_enrollment': round(fast['cpu_seconds'] * 1000 / enrollments, 3),
        'lms_floor_seconds': round(lms_floor, 2),
        'bound': 'lms' if lms_floor >= fast['cpu_seconds'] else 'cpu',
        'wall_over_floor': round(fast['wall_seconds'] / floor, 2),
        # the same calls, made without the exporter on this machine now: latency plus HTTP and load
        'measured_call_ms': round(http['seconds_per_call_per_worker'] * 1000, 2),
        'measured_http_floor_seconds': round(http_floor, 2),
        'wall_over_measured_http_floor': round(fast['wall_seconds'] / http_floor, 2),
        'sql_queries_per_enrollment': round(fast['sql_queries'] / enrollments, 4),
        'lms_calls_per_enrollment': round(fast['lms_calls'] / enrollments, 4),
        'peak_rss_mb': round(fast['peak_rss_mb'], 1),
    }
    if old is not None:
        line.update({
            'baseline': BASELINE,
            'baseline_wall_seconds': round(old['wall_seconds'], 2),
            'baseline_cpu_ms_per_enrollment': round(old['cpu_seconds'] * 1000 / enrollments, 3),
            'baseline_sql_queries_per_enrollment': round(old['sql_queries'] / enrollments, 4),
            'baseline_lms_calls_per_enrollment': round(old['lms_calls'] / enrollments, 4),
            'baseline_peak_rss_mb': round(old['peak_rss_mb'], 1),
            'speedup_vs_baseline': round(old['wall_seconds'] / fast['wall_seconds'], 2),
            # what no exporter could beat here: the baseline's wall against the calls' own time
            'speedup_ceiling_vs_baseline': round(old['wall_seconds'] / http_floor, 2),
        })
    reference, measured_on = measured_reference
    line.update({
        'reference_measured_on': measured_on,
        'reference_wall_seconds': round(reference['wall_seconds'], 2),
        'reference_lms_calls_per_enrollment': round(reference['lms_calls'] / measured_on, 4),
        'speedup_vs_reference': round(reference['wall_seconds'] / measured_on
                                      / (fast['wall_seconds'] / enrollments), 1),
    })
    return line


def targets(lines):
    """The issue's targets, checked on the lines of this run (absent cases are not checked)."""
    by_case = {(line['enrollments'], line['latency_ms'], line['concurrency']): line for line in lines}
    checks = {}
    for case in [(2000, 5.0, 8), (20000, 5.0, 8)]:
        if case in by_case and 'speedup_vs_baseline' in by_case[case]:
            checks[f'{case[0]}@5ms >= 1.6x baseline'] = by_case[case]['speedup_vs_baseline'] >= 1.6
    if (20000, 0.0, 8) in by_case:
        checks['20000@0ms CPU <= 0.3 ms/enrollment'] = by_case[(20000, 0.0, 8)]['cpu_ms_per_enrollment'] <= 0.3
    if (20000, 50.0, 32) in by_case:
        line = by_case[(20000, 50.0, 32)]
        checks['20000@50ms c32 within 1.2x LMS floor'] = line['wall_seconds'] <= 1.2 * line['lms_floor_seconds']
    if (100000, 5.0, 8) in by_case and (20000, 5.0, 8) in by_case:
        ratio = by_case[(100000, 5.0, 8)]['peak_rss_mb'] / by_case[(20000, 5.0, 8)]['peak_rss_mb']
        checks[f'peak RSS 100000 / 20000 = {ratio:.2f} <= 1.5'] = ratio <= 1.5
    compared = [line for line in lines if 'baseline' in line]
    if compared:
        checks['queries and LMS calls per enrollment no worse than baseline'] = all(
            line['sql_queries_per_enrollment'] <= line['baseline_sql_queries_per_enrollment']
            and line['lms_calls_per_enrollment'] <= line['baseline_lms_calls_per_enrollment']
            for line in compared
        )
    return {'targets': checks, 'all_met': all(checks.values())}


def parse_case(text, concurrency):
    parts = text.split(':')
    return int(parts[0]), float(parts[1]), int(parts[2]) if len(parts) > 2 else concurrency


def orchestrate(options):
    with tempfile.TemporaryDirectory(prefix='enterprise-export-bench-') as workdir:
        baseline = None if options.baseline == 'none' else baseline_checkout(options.baseline, workdir)
        lines = []
        for case in options.case or DEFAULT_CASES:
            lines.append(measure_case(parse_case(case, options.concurrency), options, workdir, baseline))
            print(json.dumps(lines[-1]), flush=True)
        print(json.dumps(targets(lines)), flush=True)


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
    exporter.add_argument('--source', choices=['api', 'database'], default='api',
                          help='where the LMS answers come from (default: the REST APIs of the stand-in)')
    floor = sub.add_parser('http-floor')
    floor.add_argument('--db', required=True)
    floor.add_argument('--standin', required=True)
    floor.add_argument('--enrollments', type=int, required=True)
    floor.add_argument('--concurrency', type=int, required=True)
    floor.add_argument('--calls', type=int, required=True)
    parser.add_argument('--case', action='append', metavar='N:LATENCY_MS[:CONCURRENCY]',
                        help=f'a case to run (repeatable); default: {" ".join(DEFAULT_CASES)}')
    parser.add_argument('--concurrency', type=int, default=8,
                        help="concurrency of cases that name none (default: the setting's 8)")
    parser.add_argument('--bulk-min', type=int, default=20, help='fast path bulk-listing threshold (default 20)')
    parser.add_argument('--reference-limit', type=int, default=5000,
                        help='measure the reference path on at most this many enrollments (default 5000)')
    parser.add_argument('--baseline', default=BASELINE,
                        help=f'the commit to compare with (default {BASELINE}; "none" to skip)')
    options = parser.parse_args()
    {'load': load, 'export': export, 'http-floor': http_floor}.get(options.command, orchestrate)(options)


if __name__ == '__main__':
    main()
