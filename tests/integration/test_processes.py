"""
Processes that share nothing but the database (SPEC 11): two runs of the same configurations
at once, and a run killed with SIGKILL then run again. On the suite's database: MariaDB under
``make test-mysql``, an SQLite file under ``make test``.
"""

import time

import pytest

from demo.population import API_USERNAME, build_population, expected_identities, fill_lms
from enterprise_export.settings.common import DEFAULTS
from tests.integration.harness import (
    ManageProcess,
    expected_keys,
    manage,
    prepare,
    received_counts,
    recorded_as_sent,
    wait_for,
)

pytestmark = pytest.mark.real_servers

LEARNERS = 72  # per customer: four customers, one per channel
CHANNEL_LATENCY = {'latency_ms': {'sap': 15, 'degreed': 15, 'degreed2': 15, 'csod': 15}}
@pytest.fixture
def population(live_standin):
    learners = build_population(LEARNERS)
    fill_lms(live_standin.lms, learners)
    live_standin.faults.configure(CHANNEL_LATENCY)
    return learners


def test_two_runs_at_once_send_each_completion_once(make_database, live_standin, population, tmp_path):
    database = make_database()
    env = prepare(database, live_standin, LEARNERS, ENTERPRISE_EXPORT_CHANNEL_RETRIES=0)
    runs = [ManageProcess(env, ['transmit_learner_data', '--api_user', API_USERNAME], tmp_path / 'logs')
            for _ in range(2)]
    ended = [run.wait(600) for run in runs]
    assert [status for status, _, _ in ended] == [0, 0], ended
    outputs = [(stdout, stderr) for _, stdout, stderr in ended]

    counts = received_counts(live_standin)
    expected = expected_keys(expected_identities(population))
    assert {key: count for key, count in counts.items() if count > 1} == {}
    assert set(counts) == expected
    assert recorded_as_sent(database) == expected
    # They did overlap: some configuration was refused to the second run.
    assert any(line.rstrip().endswith('locked') for stdout, _ in outputs for line in stdout.splitlines())


def test_a_killed_run_loses_nothing_and_resends_at_most_what_was_in_flight(make_database, live_standin, population,
                                                                          tmp_path):
    database = make_database()
    env = prepare(database, live_standin, LEARNERS, ENTERPRISE_EXPORT_CHANNEL_RETRIES=0,
                  ENTERPRISE_EXPORT_LOCK_SECONDS=2)
    expected = expected_keys(expected_identities(population))
    killed_after = len(expected) // 3
    run = ManageProcess(env, ['transmit_learner_data', '--api_user', API_USERNAME], tmp_path / 'logs')
    wait_for(lambda: sum(received_counts(live_standin).values()) >= killed_after, 300, what='completions')
    run.kill()
    received_before = sum(received_counts(live_standin).values())
    assert received_before < len(expected), 'the run finished before it was killed'

    time.sleep(2.5)  # the dead run's lock expires (ENTERPRISE_EXPORT_LOCK_SECONDS)
    rerun = manage(env, 'transmit_learner_data', '--api_user', API_USERNAME)

    counts = received_counts(live_standin)
    received_twice = sum(count - 1 for count in counts.values() if count > 1)
    in_flight = DEFAULTS.get('ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY', 1)
    print(f'\ncrash test: {len(expected)} completions, killed after {received_before} received, '
          f'{received_twice} received twice (bound {in_flight})')
    assert set(counts) == expected
    assert received_twice <= in_flight
    assert recorded_as_sent(database) == expected
    assert rerun.stdout.splitlines()[-1].endswith(' 0 failed, 0 lms_errors, 0 configurations in error.')
