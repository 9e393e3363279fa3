"""
The CPU one LMS GET costs: the exporter's client against a bare urllib3 pool, over real HTTP.

The demo stand-in runs in a process of its own (no latency); this process asks it for learners'
certificates (``CertificatesApiClient.get_course_certificate``, the call made for half of the
enrollments of an export) with 1 and 8 threads, and makes the same GETs with a bare
``urllib3.HTTPConnectionPool`` and ``json.loads`` (no retries, no error mapping): the floor of
a GET in Python on this machine, without a timeout (``urllib3``) and with the client's
(``urllib3-timeout``: a socket with a timeout waits for it with a ``poll`` before each read and
write, which costs most with threads). For each (client, threads) case it prints one JSON
line: CPU milliseconds per GET (the whole process, every thread) and wall milliseconds per GET,
the best of ``--repeat`` rounds (the clients take turns). The machine's other work moves the
figures: compare the clients of one run.

    python -m benchmarks.bench_lms_client [--calls 6000] [--repeat 3] [--threads 1 --threads 8]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENROLLMENTS = 2000  # half of them instructor-paced: 1,000 learners with a certificate
WARM_UP_CALLS = 200


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--calls', type=int, default=6000, help='GETs per round')
    parser.add_argument('--repeat', type=int, default=3, help='rounds per case; the best is printed')
    parser.add_argument('--threads', type=int, action='append', help='threads making GETs (default: 1 and 8)')
    options = parser.parse_args()
    standin = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.standin_process', '--enrollments', str(ENROLLMENTS)],
        cwd=HERE, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = standin.stdout.readline().strip()
        for line in measure_all(url, options):
            print(json.dumps(line), flush=True)
    finally:
        standin.stdin.close()
        standin.wait(timeout=30)


def measure_all(standin_url, options):
    os.environ['DJANGO_SETTINGS_MODULE'] = 'benchmarks.settings'
    os.environ['BENCH_STANDIN_URL'] = standin_url
    import django
    django.setup()

    makers = {'lms': lms_client_get, 'urllib3': bare_urllib3_get,
              'urllib3-timeout': lambda url, threads: bare_urllib3_get(url, threads, with_timeout=True)}
    for threads in options.threads or [1, 8]:
        gets = {name: make_get(standin_url, threads) for name, make_get in makers.items()}
        rounds = {name: [] for name in gets}
        for _ in range(options.repeat):  # the clients take turns, so that a busy moment hits both
            for name, get in gets.items():
                run_round(get, WARM_UP_CALLS, threads)
                rounds[name].append(run_round(get, options.calls, threads))
        for name, measured in rounds.items():
            cpu, wall = min(measured)
            yield {'client': name, 'threads': threads, 'calls': options.calls,
                   'cpu_ms_per_get': round(cpu * 1000 / options.calls, 4),
                   'wall_ms_per_get': round(wall * 1000 / options.calls, 4)}


def learners(enrollments=ENROLLMENTS):
    """``(username, course_id)`` of the stand-in's learners with a certificate."""
    from benchmarks.standin_process import is_instructor_paced, run_of
    return [(f'bench-{index:06d}', run_of(index)) for index in range(enrollments)
            if is_instructor_paced(run_of(index))]


def lms_client_get(standin_url, threads):
    """The exporter's certificate GET, on a session sized for ``threads`` calls in flight."""
    from django.test.utils import override_settings

    from enterprise_export.clients.lms import CertificatesApiClient, build_lms_session

    with override_settings(ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS=threads):
        client = CertificatesApiClient('bench', session=build_lms_session())
    client.session.get_jwt_access_token()
    return lambda username, course_id: client.get_course_certificate(course_id, username)


def bare_urllib3_get(standin_url, threads, with_timeout=False):
    """The same GET on a bare urllib3 pool, with the token the exporter's session holds."""
    import urllib3

    from enterprise_export.clients.lms import _path_part, build_lms_session
    from enterprise_export.conf import get_setting

    host, port = standin_url.split('//')[1].split(':')
    timeout = None
    if with_timeout:  # as requests reads a timeout: (connect, read), or one number for both
        setting = get_setting('ENTERPRISE_EXPORT_LMS_TIMEOUT')
        connect, read = setting if isinstance(setting, tuple | list) else (setting, setting)
        timeout = urllib3.Timeout(connect=connect, read=read)
    pool = urllib3.HTTPConnectionPool(host, int(port), maxsize=threads, timeout=timeout)
    headers = {'Authorization': f'JWT {build_lms_session().get_jwt_access_token()}',
               'Accept': 'application/json'}

    def get(username, course_id):
        path = f'/lms/api/certificates/v0/certificates/{_path_part(username)}/courses/{_path_part(course_id)}/'
        answer = pool.urlopen('GET', path, headers=headers, retries=False)
        if answer.status != 200:
            raise RuntimeError(f'the stand-in answered {answer.status}')
        return json.loads(answer.data)

    return get


def run_round(get, calls, threads, population=None):
    """
    ``calls`` GETs spread over ``threads`` threads, about ``population`` (default: ``learners()``):
    ``(process CPU seconds, wall seconds)``.
    """
    population = population or learners()

    def ask(first):
        for index in range(first, calls, threads):
            get(*population[index % len(population)])

    workers = [threading.Thread(target=ask, args=(first,)) for first in range(threads)]
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.process_time() - cpu_started, time.perf_counter() - wall_started


if __name__ == '__main__':
    main()
