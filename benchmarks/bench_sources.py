"""
The two sources of LMS answers side by side (``make bench``, after ``bench_export``): the
database source (SPEC 18: the LMS's tables, read in bulk) at 20,000 and 100,000 enrollments,
and the api source (the REST APIs of the stand-in, 5 ms a call, 8 in flight) at 20,000, in the
same run on the same population (the stand-in answers what the tables hold).

One JSON line per case (records, wall and CPU seconds, SQL queries and LMS calls per
enrollment, peak memory of the export process), then the issue's targets: 100,000 exported in
at most 10 s; at least 10x faster than the api source at 20,000 and 5 ms; at most 0.012 queries
per enrollment; no LMS call; peak memory at 100,000 at most 1.5x that at 20,000.

    python -m benchmarks.bench_sources [--case SOURCE:N[:LATENCY_MS]] ...
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.bench_export import HERE, run_python

DEFAULT_CASES = ['database:20000', 'api:20000:5', 'database:100000']


def measure(case, workdir):
    source, enrollments, *rest = case.split(':')
    enrollments, latency_ms = int(enrollments), float(rest[0]) if rest else 0.0
    db_path = os.path.join(workdir, f'sources-{enrollments}.sqlite3')
    if not os.path.exists(db_path):
        run_python('load', '--db', db_path, '--enrollments', str(enrollments), '--reference', '0')
    standin = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.standin_process', '--enrollments', str(enrollments),
         '--latency-ms', str(latency_ms)], cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = standin.stdout.readline().strip()
        result = run_python('export', '--db', db_path, '--standin', url, '--customer', 'bench', '--concurrency', '8',
                            '--bulk-min', '20', '--source', source)
    finally:
        standin.stdin.close()
        standin.wait(timeout=30)
    return {'source': source, 'enrollments': enrollments, 'latency_ms': latency_ms, **result,
            'queries_per_enrollment': round(result['sql_queries'] / enrollments, 5),
            'lms_calls_per_enrollment': round(result['lms_calls'] / enrollments, 5)}


def targets(lines):
    by_case = {(line['source'], line['enrollments']): line for line in lines}
    database_20k, database_100k = by_case.get(('database', 20000)), by_case.get(('database', 100000))
    api_20k = by_case.get(('api', 20000))
    checks = {}
    if database_100k:
        checks['100000_within_10_seconds'] = database_100k['wall_seconds'] <= 10
    if database_20k and api_20k:
        checks['speedup_over_api_at_20000'] = round(api_20k['wall_seconds'] / database_20k['wall_seconds'], 1)
        checks['at_least_10x_faster'] = checks['speedup_over_api_at_20000'] >= 10
    database = [line for line in lines if line['source'] == 'database']
    checks['queries_per_enrollment_at_most_0.012'] = all(line['queries_per_enrollment'] <= 0.012 for line in database)
    checks['no_lms_call'] = all(line['lms_calls'] == 0 for line in database)
    if database_20k and database_100k:
        checks['memory_100000_over_20000'] = round(database_100k['peak_rss_mb'] / database_20k['peak_rss_mb'], 2)
        checks['memory_at_most_1.5x'] = checks['memory_100000_over_20000'] <= 1.5
    return {'targets': checks}


def main():
    parser = argparse.ArgumentParser(description='The database and api sources of LMS answers, side by side.')
    parser.add_argument('--case', action='append', metavar='SOURCE:N[:LATENCY_MS]',
                        help=f'a case (repeatable); default: {" ".join(DEFAULT_CASES)}')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='enterprise-export-sources-') as workdir:
        lines = []
        for case in options.case or DEFAULT_CASES:
            lines.append(measure(case, workdir))
            print(json.dumps(lines[-1]), flush=True)
        print(json.dumps(targets(lines)), flush=True)


if __name__ == '__main__':
    main()
