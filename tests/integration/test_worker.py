"""
A real ``celery worker`` on Redis, with the Celery app made the way the LMS makes its own
(``config_from_object('django.conf:settings')`` and autodiscovery): it does what an eager run
does, and carries a bounded load with injected channel errors without losing or repeating one.
"""

import json
import re
import zlib

import pytest
from celery import Celery

from demo.population import API_USERNAME, build_population, expected_identities, fill_lms, received_identities
from enterprise_export.channels import CHANNELS
from tests.integration.harness import (
    celery_worker,
    expected_keys,
    manage,
    prepare,
    received_counts,
    recorded_as_sent,
    redis_server,
)

pytestmark = pytest.mark.real_servers

LEARNERS = 48
DATES = ('completedTimestamp', 'completionDate', 'completed-at',  # "now" for some learners: differs from run to run
         'timestamp', 'occurred_at',
         'enterprise_customer')  # a webhook event's customer: a new uuid in each database


def transmit_through_worker(env, broker, timeout):
    """Run the command with real workers; wait for every task it queued; their results."""
    output = manage(env, 'transmit_learner_data', '--api_user', API_USERNAME).stdout
    task_ids = re.findall(r'as task ([0-9a-f-]+)\.', output)
    assert task_ids, output
    results_app = Celery('enterprise_export_results', broker=broker, backend=broker)
    return [results_app.AsyncResult(task_id).get(timeout=timeout) for task_id in task_ids]


def received_payloads(standin):
    """What each channel received, without the dates that are "now", in a comparable order."""
    def undated(payload):
        if isinstance(payload, dict):
            return {key: undated(value) for key, value in payload.items() if key not in DATES}
        if isinstance(payload, list):
            return [undated(item) for item in payload]
        return payload
    return {channel: sorted(json.dumps(undated(payload), sort_keys=True) for payload in payloads)
            for channel, payloads in standin.channels.received.items()}


def audit_rows(database):
    rows = {}
    for code, channel in CHANNELS.items():
        rows[code] = sorted(database.query(
            f'SELECT enterprise_course_enrollment_id, course_id, subsection_id, grade, course_completed, status, '
            f'error_message, superseded, {channel.identity_field} FROM {channel.audit_model._meta.db_table}'))
    return rows


def test_a_real_worker_does_what_an_eager_run_does(tmp_path, make_database, live_standin):
    population = build_population(LEARNERS)
    fill_lms(live_standin.lms, population)
    live_standin.channels.fail('DEGREED', 500, 'injected',
                               when=lambda payload: 'globex-learner-000' in json.dumps(payload))

    eager = make_database()
    manage(prepare(eager, live_standin, LEARNERS), 'transmit_learner_data', '--api_user', API_USERNAME)
    eager_received = received_payloads(live_standin)

    live_standin.channels.received.clear()
    with redis_server(tmp_path) as broker:
        queued = make_database()
        env = prepare(queued, live_standin, LEARNERS, broker=broker)
        with celery_worker(env, tmp_path / 'worker.log'):
            results = transmit_through_worker(env, broker, timeout=300)

    assert sorted((result['channel'], result['error']) for result in results) == [
        ('CSOD', None), ('DEGREED', None), ('DEGREED2', None), ('SAP', None), ('WEBHOOK', None), ('XAPI', None)]
    assert sum(result['failed'] for result in results) == 2  # the Degreed learner's two records
    assert received_payloads(live_standin) == eager_received
    assert audit_rows(queued) == audit_rows(eager)


@pytest.mark.load
def test_bounded_load_through_a_real_worker(tmp_path, make_database, live_standin):
    """20,000 enrollments, 1% of the learners refused by their channel: every completion accounted for."""
    learners = 5000  # per customer: 20,000 enrollments in all
    population = build_population(learners)
    fill_lms(live_standin.lms, population)
    unlucky = set()

    def injected(channel):
        def when(payload):
            # Cornerstone's request body is the list of items that ``received`` keeps under 'payload'.
            identities = received_identities(channel, {'payload': payload} if channel == 'CSOD' else payload)
            hit = any(zlib.crc32(identity.encode()) % 100 == 0 for identity in identities)
            if hit:
                unlucky.update((channel, identity) for identity in identities)
            return hit
        return when

    for channel in ('SAP', 'DEGREED', 'DEGREED2', 'CSOD'):
        live_standin.channels.fail(channel, 500, 'injected fault', when=injected(channel))

    database = make_database()
    with redis_server(tmp_path) as broker:
        # No rate limit: this is about accounting for every completion (the limits have tests of their own).
        env = prepare(database, live_standin, learners, requests_per_minute=0, broker=broker,
                      ENTERPRISE_EXPORT_CHANNEL_RETRIES=0)
        with celery_worker(env, tmp_path / 'worker.log', concurrency=len(CHANNELS)):
            results = transmit_through_worker(env, broker, timeout=1500)

    expected = expected_keys(expected_identities(population))
    counts = received_counts(live_standin)
    sent = recorded_as_sent(database)
    failed_with_reason = set()
    for code, channel in CHANNELS.items():
        rows = database.query(f'SELECT {channel.identity_field} FROM {channel.audit_model._meta.db_table} '
                              "WHERE (status IS NULL OR status < 200 OR status >= 300) AND error_message <> ''")
        failed_with_reason |= {(code, identity) for (identity,) in rows}
    received_twice = sum(count - 1 for count in counts.values() if count > 1)
    print(f'\nload test: {len(population)} enrollments, {len(expected)} completions, {len(sent)} sent, '
          f'{len(expected - sent)} failed with a reason, {received_twice} received twice; task results: '
          + json.dumps([{key: result[key] for key in ('channel', 'sent', 'failed', 'lms_errors', 'error')}
                        for result in results]))
    assert all(result['error'] is None for result in results)
    assert received_twice == 0
    assert set(counts) == sent == expected - unlucky
    assert expected - sent == unlucky <= failed_with_reason
    assert unlucky, 'no fault was injected'
