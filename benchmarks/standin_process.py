"""
The stand-in as a process of its own for the benchmark (so that it does not share the GIL with
the exporter): the benchmark population's LMS data, a fixed latency per LMS call.

    python -m benchmarks.standin_process --enrollments N [--reference K] [--latency-ms MS]
        [--channel-latency-ms MS] [--idp IDP]

``--channel-latency-ms`` delays every channel's answers; ``--idp`` gives each learner a SAP user
id at that third-party-auth provider (``SAP-<username>``).

Prints the stand-in's URL on the first line, then serves until its standard input closes.
"""

import argparse
import sys

from demo.standin.server import StandInServer

RUNS = [f'course-v1:Bench+C{index:02d}+2026' for index in range(20)]
CLIENT = ('bench-client-id', 'bench-client-secret')


def run_of(index):
    return RUNS[index % len(RUNS)]


def is_instructor_paced(course_id):
    return RUNS.index(course_id) % 2 == 1


def fill(lms, prefix, count, idp=None):
    for index in range(count):
        username, course_id = f'{prefix}-{index:06d}', run_of(index)
        lms.add_enrollment(username, course_id, mode='verified')
        if idp:
            lms.remote_ids[(idp, username)] = f'SAP-{username}'
        if is_instructor_paced(course_id):
            lms.add_certificate(username, course_id, is_passing=index % 5 != 0, created_date='2026-02-01T10:00:00Z')
        else:
            lms.add_grade(username, course_id, passed=index % 5 != 0, percent=0.8 if index % 5 else 0.3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--enrollments', type=int, required=True)
    parser.add_argument('--reference', type=int, default=0)
    parser.add_argument('--latency-ms', type=float, default=0.0)
    parser.add_argument('--channel-latency-ms', type=float, default=0.0)
    parser.add_argument('--idp', default=None)
    options = parser.parse_args()
    server = StandInServer(*CLIENT)
    for course_id in RUNS:
        server.lms.add_course(course_id, pacing='instructor' if is_instructor_paced(course_id) else 'self',
                              end='2026-03-01T00:00:00Z')
    fill(server.lms, 'bench', options.enrollments, options.idp)
    fill(server.lms, 'ref', options.reference, options.idp)
    channel_latency = {target: options.channel_latency_ms for target in ('sap', 'degreed', 'degreed2', 'csod',
                                                                            'xapi', 'webhook')}
    server.faults.configure({'latency_ms': {'lms': options.latency_ms, **channel_latency}})
    with server:
        print(server.url, flush=True)
        sys.stdin.read()


if __name__ == '__main__':
    main()
