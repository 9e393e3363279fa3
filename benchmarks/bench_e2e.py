"""
End-to-end benchmark (``make bench-e2e``): export and send, one configuration per channel,
against the demo stand-in in a process of its own (LMS at 5 ms, channels at 20 ms per call).

Population: N enrollments per configuration over 20 runs (the mix of ``bench_export``: half
instructor-paced, one learner in five not passing), all consenting; every learner has a SAP
user id, an email and a Cornerstone identity. Channels: ``SAP`` (a token per learner),
``SAP-admin`` (``prevent_self_submit_grades``: one token), ``DEGREED``, ``DEGREED2``, ``CSOD``,
``XAPI``, ``WEBHOOK``.
``requests_per_minute`` is 0 (no limit) except in the rate case.

For each case one JSON line: wall seconds, seconds the sender waited on the export vs the rest
(sending and writing), records sent, channel calls and token requests per completion, SQL
queries per enrollment, peak memory (RSS of the run's process), and the speed-up over
concurrency 1 (measured in the same invocation on the smallest N, per enrollment). Then one
rate case: Degreed v2 with ``requests_per_minute`` set, printing the busiest 60-second window
and the calls the channel accepted in each whole minute from the first, against the limit.
Then one width case: Degreed v2, 2,000 enrollments, no rate limit, sent with 4 and with 16 in
flight, printing both wall times, their ratio and the completions the channel received at each
(the same ones: ``same_completions``).

    python -m benchmarks.bench_e2e                                  # the issue's cases
    python -m benchmarks.bench_e2e --sizes 2000 --channels DEGREED2 --rate-limit 0
    python -m benchmarks.bench_e2e --width-only                     # only the width case (a minute)

Each run is a process of its own on a copy of the loaded SQLite file (fresh audit rows).
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from benchmarks.bench_export import HERE, django_setup

CHANNEL_CASES = ['SAP', 'SAP-admin', 'DEGREED', 'DEGREED2', 'CSOD', 'XAPI', 'WEBHOOK']
DEFAULT_SIZES = [2000, 20000]
IDP = 'bench-idp'
TARGETS = {'SAP': 'sap', 'DEGREED': 'degreed', 'DEGREED2': 'degreed2', 'CSOD': 'csod', 'XAPI': 'xapi',
           'WEBHOOK': 'webhook'}


def channel_code(case):
    return case.split('-')[0]


# Subcommand ``load``: users, and per channel case a customer with N consenting enrollments.

def load(options):
    django_setup(options.db)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from benchmarks.standin_process import run_of

    call_command('migrate', verbosity=0)
    user_model = get_user_model()
    usernames = [f'bench-{index:06d}' for index in range(options.enrollments)]
    user_model.objects.bulk_create([user_model(username=name, email=f'{name}@example.com') for name in usernames],
                                   batch_size=2000)
    user_ids = dict(user_model.objects.values_list('username', 'pk'))
    for case in options.channels:
        load_customer(case.lower(), [(user_ids[name], name, run_of(index)) for index, name in enumerate(usernames)])


def load_customer(slug, learners):
    from enterprise_export import models
    from enterprise_export.utils import get_course_key

    customer = models.EnterpriseCustomer.objects.create(slug=slug, name=slug)
    models.EnterpriseCustomerUser.objects.bulk_create(
        [models.EnterpriseCustomerUser(enterprise_customer=customer, user_id=user_id) for user_id, _, _ in learners],
        batch_size=2000)
    learner_ids = dict(models.EnterpriseCustomerUser.objects.filter(enterprise_customer=customer)
                       .values_list('user_id', 'pk'))
    models.EnterpriseCourseEnrollment.objects.bulk_create(
        [models.EnterpriseCourseEnrollment(enterprise_customer_user_id=learner_ids[user_id], course_id=run)
         for user_id, _, run in learners], batch_size=2000)
    models.DataSharingConsent.objects.bulk_create(
        [models.DataSharingConsent(enterprise_customer=customer, username=name, course_id=run, granted=True)
         for _, name, run in learners], batch_size=2000)
    models.CornerstoneLearnerIdentity.objects.bulk_create(
        [models.CornerstoneLearnerIdentity(
            enterprise_customer_user_id=learner_ids[user_id], course_id=get_course_key(run), user_guid=f'guid-{name}',
            session_token=f'session-{name}', callback_url='/callback', subdomain='bench')
         for user_id, name, run in learners], batch_size=2000)


# Subcommand ``run``: one configuration's transmission, measured.

def configure(case, customer, standin_url, requests_per_minute):
    from enterprise_export import models

    common = {'enterprise_customer': customer, 'requests_per_minute': requests_per_minute}
    code = channel_code(case)
    if code == 'SAP':
        return models.SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.create(
            sapsf_base_url=f'{standin_url}/sap', sapsf_company_id='BENCH', key='sap-client-id',
            secret='sap-client-secret', idp_id=IDP, prevent_self_submit_grades=case == 'SAP-admin',
            sapsf_user_id='bench-service', **common)
    if code == 'DEGREED':
        return models.DegreedEnterpriseCustomerConfiguration.objects.create(
            degreed_base_url=f'{standin_url}/degreed', degreed_company_id='BENCH', key='degreed-client-id',
            secret='degreed-client-secret', **common)
    if code == 'DEGREED2':
        return models.Degreed2EnterpriseCustomerConfiguration.objects.create(
            degreed_base_url=f'{standin_url}/degreed2', client_id='degreed2-client-id',
            client_secret='degreed2-client-secret', **common)
    if code == 'XAPI':
        return models.XAPIEnterpriseCustomerConfiguration.objects.create(
            lrs_endpoint=f'{standin_url}/xapi', key='lrs-user', secret='lrs-password', **common)
    if code == 'WEBHOOK':
        return models.WebhookEnterpriseCustomerConfiguration.objects.create(
            url=f'{standin_url}/webhook', signing_secret='whsec-0123456789abcdef0123456789abcdef', **common)
    return models.CornerstoneEnterpriseCustomerConfiguration.objects.create(
        cornerstone_base_url=f'{standin_url}/csod/{{subdomain}}', key='csod-user', secret='csod-password', **common)


class ExportClock:
    """Wraps an exporter's ``export()`` to add up the time its consumer waits for each record."""

    def __init__(self, exporter):
        self.waited = 0.0
        export = exporter.export

        def timed_export(*args, **kwargs):
            records = iter(export(*args, **kwargs))
            while True:
                started = time.perf_counter()
                try:
                    record = next(records)
                except StopIteration:
                    self.waited += time.perf_counter() - started
                    return
                self.waited += time.perf_counter() - started
                yield record

        exporter.export = timed_export


def run(options):
    django_setup(options.db, options.standin)
    from django.db import connection
    from django.test.utils import override_settings

    from enterprise_export.channels import get_channel
    from enterprise_export.models import EnterpriseCustomer

    customer = EnterpriseCustomer.objects.get(slug=options.case.lower())
    configuration = configure(options.case, customer, options.standin, options.requests_per_minute)
    channel = get_channel(configuration.channel_code)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    before = control(options.standin, 'channels')
    with override_settings(ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY=options.concurrency), \
            connection.execute_wrapper(count):
        exporter = channel.build_exporter('bench', configuration)
        clock = ExportClock(exporter)
        started = time.perf_counter()
        summary = channel.build_transmitter(configuration).transmit(exporter)
        wall = time.perf_counter() - started
    after = control(options.standin, 'channels')
    target = TARGETS[configuration.channel_code]
    print(json.dumps({
        'sent': summary.sent, 'skipped': summary.skipped, 'failed': summary.failed, 'error': summary.error,
        'wall_seconds': wall, 'export_wait_seconds': clock.waited, 'sql_queries': queries[0],
        'channel_calls': after['requests'].get(target, 0) - before['requests'].get(target, 0),
        'rate_limited': after['requests'].get(f'{target}:429', 0) - before['requests'].get(f'{target}:429', 0),
        'tokens': (after['tokens'].get(configuration.channel_code, 0)
                   - before['tokens'].get(configuration.channel_code, 0)),
        'received': (after['received'].get(configuration.channel_code, 0)
                     - before['received'].get(configuration.channel_code, 0)),
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def control(standin_url, what):
    with urllib.request.urlopen(f'{standin_url}/_control/{what}', timeout=30) as answer:
        return json.loads(answer.read())


# The orchestrator.

def run_python(*args):
    completed = subprocess.run([sys.executable, '-m', 'benchmarks.bench_e2e', *args], cwd=HERE, check=True,
                               capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


class StandIn:
    """The stand-in process for ``enrollments`` learners, LMS and channel latency as given."""

    def __init__(self, enrollments, options):
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'benchmarks.standin_process', '--enrollments', str(enrollments),
             '--latency-ms', str(options.lms_latency_ms), '--channel-latency-ms', str(options.channel_latency_ms),
             '--idp', IDP],
            cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def measure(case, size, concurrency, template, standin, workdir, requests_per_minute=0):
    db_path = os.path.join(workdir, 'run.sqlite3')
    shutil.copyfile(template, db_path)
    return run_python('run', '--db', db_path, '--standin', standin.url, '--case', case,
                      '--concurrency', str(concurrency), '--requests-per-minute', str(requests_per_minute))


def report(case, size, concurrency, result, reference):
    sent = max(result['sent'], 1)
    line = {
        'channel': case, 'enrollments': size, 'concurrency': concurrency,
        'wall_seconds': round(result['wall_seconds'], 2),
        'export_wait_seconds': round(result['export_wait_seconds'], 2),
        'send_seconds': round(result['wall_seconds'] - result['export_wait_seconds'], 2),
        'sent': result['sent'], 'skipped': result['skipped'], 'failed': result['failed'],
        'channel_calls_per_completion': round(result['channel_calls'] / sent, 3),
        'token_requests_per_completion': round(result['tokens'] / sent, 4),
        'sql_queries_per_enrollment': round(result['sql_queries'] / size, 3),
        'peak_rss_mb': round(result['peak_rss_mb'], 1),
    }
    if reference is not None:
        reference_size, reference_result = reference
        per_reference = reference_result['wall_seconds'] / reference_size
        line['concurrency_1_wall_seconds'] = round(reference_result['wall_seconds'], 2)
        line['concurrency_1_measured_on'] = reference_size
        line['speedup_over_concurrency_1'] = round(per_reference / (result['wall_seconds'] / size), 2)
    print(json.dumps(line), flush=True)


def rate_case(options, template, standin, workdir):
    """
    Degreed v2 at ``requests_per_minute``: the busiest 60 seconds the channel saw, and the calls
    in each whole minute from the first call (the achieved rate; the last, partial minute left out).
    """
    limit = options.rate_limit
    result = measure('DEGREED2', options.rate_size, options.concurrency, template, standin, workdir, limit)
    arrivals = sorted(control(standin.url, 'arrivals?target=degreed2'))[-result['channel_calls']:]
    start, end = arrivals[0], arrivals[-1]
    busiest = max(sum(1 for moment in arrivals if first <= moment < first + 60) for first in arrivals)
    whole_minutes = int((end - start) // 60)
    per_minute = [sum(1 for moment in arrivals if start + 60 * minute <= moment < start + 60 * (minute + 1))
                  for minute in range(whole_minutes)]
    achieved = sum(per_minute) / len(per_minute) if per_minute else None
    print(json.dumps({
        'channel': 'DEGREED2', 'case': 'rate limit', 'enrollments': options.rate_size,
        'concurrency': options.concurrency, 'requests_per_minute': limit,
        'channel_calls': result['channel_calls'], 'sent': result['sent'],
        'answered_429': result['rate_limited'], 'wall_seconds': round(result['wall_seconds'], 2),
        'busiest_60s_window': busiest, 'calls_in_each_whole_minute': per_minute,
        'achieved_rate_of_limit': round(achieved / limit, 3) if achieved else None,
    }), flush=True)


def width_case(options, workdir):
    """
    Degreed v2, ``--width-size`` enrollments, no rate limit, at each ``--width-concurrency``
    (4 and 16): the wall time of each, the ratio of the first to the last, and the completions
    the channel received at each (compared as payloads: ``same_completions``).
    """
    size = options.width_size
    template = os.path.join(workdir, 'template-width.sqlite3')
    subprocess.run([sys.executable, '-m', 'benchmarks.bench_e2e', 'load', '--db', template, '--enrollments',
                    str(size), '--channels', 'DEGREED2'], cwd=HERE, check=True)
    standin = StandIn(size, options)
    line = {'channel': 'DEGREED2', 'case': 'width', 'enrollments': size,
            'channel_latency_ms': options.channel_latency_ms, 'requests_per_minute': 0}
    received = {}
    try:
        for concurrency in options.width_concurrency:
            already = len(control(standin.url, 'received').get('DEGREED2', []))
            result = measure('DEGREED2', size, concurrency, template, standin, workdir)
            completions = control(standin.url, 'received').get('DEGREED2', [])[already:]
            received[concurrency] = sorted(json.dumps(completion, sort_keys=True) for completion in completions)
            line[f'wall_seconds_at_{concurrency}'] = round(result['wall_seconds'], 2)
            line[f'send_seconds_at_{concurrency}'] = round(result['wall_seconds'] - result['export_wait_seconds'], 2)
            line[f'completions_received_at_{concurrency}'] = result['received']
            line[f'failed_at_{concurrency}'] = result['failed']
    finally:
        standin.close()
    narrow, wide = options.width_concurrency[0], options.width_concurrency[-1]
    ratio = line[f'wall_seconds_at_{narrow}'] / line[f'wall_seconds_at_{wide}']
    line[f'speedup_{wide}_over_{narrow}'] = round(ratio, 2)
    line['same_completions'] = len({tuple(completions) for completions in received.values()}) == 1
    print(json.dumps(line), flush=True)


def orchestrate(options):
    references = {}
    with tempfile.TemporaryDirectory(prefix='enterprise-export-bench-e2e-') as workdir:
        if options.width_only:
            width_case(options, workdir)
            return
        for size in sorted(options.sizes):
            template = os.path.join(workdir, f'template-{size}.sqlite3')
            load_args = ['load', '--db', template, '--enrollments', str(size), '--channels', *options.channels]
            subprocess.run([sys.executable, '-m', 'benchmarks.bench_e2e', *load_args], cwd=HERE, check=True)
            standin = StandIn(size, options)
            try:
                for case in options.channels:
                    if case not in references and options.concurrency > 1:
                        references[case] = (size, measure(case, size, 1, template, standin, workdir))
                    result = measure(case, size, options.concurrency, template, standin, workdir)
                    report(case, size, options.concurrency, result, references.get(case))
                if options.rate_limit and size == min(options.sizes):
                    rate_template = os.path.join(workdir, 'template-rate.sqlite3')
                    subprocess.run([sys.executable, '-m', 'benchmarks.bench_e2e', 'load', '--db', rate_template,
                                    '--enrollments', str(options.rate_size), '--channels', 'DEGREED2'],
                                   cwd=HERE, check=True)
                    rate_case(options, rate_template, standin, workdir)
            finally:
                standin.close()
        width_case(options, workdir)


def main():
    parser = argparse.ArgumentParser(description='Benchmark export and send, per channel, against the stand-in.')
    sub = parser.add_subparsers(dest='command')
    loader = sub.add_parser('load')
    loader.add_argument('--db', required=True)
    loader.add_argument('--enrollments', type=int, required=True)
    loader.add_argument('--channels', nargs='+', required=True)
    runner = sub.add_parser('run')
    runner.add_argument('--db', required=True)
    runner.add_argument('--standin', required=True)
    runner.add_argument('--case', required=True)
    runner.add_argument('--concurrency', type=int, required=True)
    runner.add_argument('--requests-per-minute', type=int, default=0)
    parser.add_argument('--sizes', type=int, nargs='+', default=DEFAULT_SIZES)
    parser.add_argument('--channels', nargs='+', default=CHANNEL_CASES, choices=CHANNEL_CASES)
    parser.add_argument('--concurrency', type=int, default=4, help='the setting\'s default, 4')
    parser.add_argument('--lms-latency-ms', type=float, default=5.0)
    parser.add_argument('--channel-latency-ms', type=float, default=20.0)
    parser.add_argument('--rate-limit', type=int, default=600,
                        help='requests_per_minute of the rate case (0: no rate case); default 600')
    parser.add_argument('--rate-size', type=int, default=1500,
                        help='enrollments of the rate case (at most the smallest size); default 1500')
    parser.add_argument('--width-size', type=int, default=2000, help='enrollments of the width case; default 2000')
    parser.add_argument('--width-concurrency', type=int, nargs='+', default=[4, 16],
                        help='the widths the width case compares, narrowest first; default 4 16')
    parser.add_argument('--width-only', action='store_true', help='run only the width case')
    options = parser.parse_args()
    {'load': load, 'run': run}.get(options.command, orchestrate)(options)


if __name__ == '__main__':
    main()
