"""
A real Learning Record Store: Ralph (``ralph-malph``) with its file backend, in a virtualenv of
its own (``.ci/ralph`` makes it; ``ENTERPRISE_EXPORT_RALPH_PYTHON`` names another). The demo's
xAPI customer is sent to it, its statements are read back, a second run stores nothing new, and
a run killed mid-way and run again stores no statement twice.
"""

import os
import subprocess
import time
from contextlib import contextmanager

import pytest
import requests

from demo.population import API_USERNAME, build_population, expected_identities, fill_lms
from tests.integration.harness import ROOT, ManageProcess, free_port, manage, prepare, require, wait_for

pytestmark = pytest.mark.real_servers

LEARNERS = 60  # per customer: about 35 statements for the xAPI customer
LRS_USER = ('lrs-user', 'lrs-password')  # the demo's xAPI configuration's key and secret
RALPH_PYTHON = os.environ.get('ENTERPRISE_EXPORT_RALPH_PYTHON', str(ROOT / '.venv-ralph' / 'bin' / 'python'))


def ralph_installed():
    if not os.path.exists(RALPH_PYTHON):
        return False
    probe = subprocess.run([RALPH_PYTHON, '-c', 'import ralph.backends.data.fs, uvicorn'], capture_output=True)
    return probe.returncode == 0


@contextmanager
def ralph_lrs(folder):
    """Ralph on a free port of 127.0.0.1, with a basic-auth user made by ``ralph auth``; its xAPI base URL."""
    (folder / 'lrs').mkdir(parents=True)
    env = {**os.environ, 'RALPH_RUNSERVER_BACKEND': 'fs', 'RALPH_AUTH_FILE': str(folder / 'auth.json'),
           'RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH': str(folder / 'lrs')}
    ralph = os.path.join(os.path.dirname(RALPH_PYTHON), 'ralph')
    subprocess.run([ralph, 'auth', '-u', LRS_USER[0], '-p', LRS_USER[1], '-s', 'all',
                    '-M', f'mailto:{LRS_USER[0]}@example.com', '-w'], env=env, check=True, capture_output=True)
    port = free_port()
    with open(folder / 'ralph.log', 'w') as log:
        process = subprocess.Popen([RALPH_PYTHON, str(ROOT / 'test_utils' / 'ralph_lrs.py'), str(port)], env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    base_url = f'http://127.0.0.1:{port}/xAPI'
    try:
        wait_for(lambda: _answers(base_url), 60, what='Ralph to listen')
        yield base_url
    finally:
        process.terminate()
        process.wait(30)


def _answers(base_url):
    try:
        return requests.get(f'{base_url}/statements/', auth=LRS_USER, timeout=2,
                            headers={'X-Experience-API-Version': '1.0.3'}).status_code == 200
    except requests.ConnectionError:
        return False


def stored_statements(base_url):
    """Every statement Ralph holds, following its ``more`` links."""
    statements, url = [], f'{base_url}/statements/'
    root = base_url.removesuffix('/xAPI')
    while url:
        answer = requests.get(url, auth=LRS_USER, headers={'X-Experience-API-Version': '1.0.3'}, timeout=10)
        answer.raise_for_status()
        body = answer.json()
        statements.extend(body['statements'])
        url = f"{root}{body['more']}" if body.get('more') else None
    return statements


def transmitted(env):
    return manage(env, 'transmit_learner_data', '--api_user', API_USERNAME, '--channel', 'XAPI').stdout


def point_at(env, base_url):
    manage(env, 'shell', '-c', 'from enterprise_export.models import XAPIEnterpriseCustomerConfiguration as C; '
                               f'C.objects.update(lrs_endpoint={base_url!r})')


@pytest.fixture
def lrs(tmp_path):
    require(ralph_installed(), f'Ralph is not installed at {RALPH_PYTHON} (bash .ci/ralph makes it)')
    with ralph_lrs(tmp_path / 'ralph') as base_url:
        yield base_url


@pytest.fixture
def population(live_standin):
    learners = build_population(LEARNERS)
    fill_lms(live_standin.lms, learners)
    return learners


def test_ralph_stores_each_completion_once_however_often_it_is_sent(lrs, make_database, live_standin, population):
    env = prepare(make_database(), live_standin, LEARNERS)
    point_at(env, lrs)
    expected = expected_identities(population)['XAPI']

    first = transmitted(env)
    statements = stored_statements(lrs)
    assert sorted(statement['actor']['mbox'].removeprefix('mailto:') for statement in statements) == sorted(expected)
    assert first.splitlines()[-1].endswith(' 0 failed, 0 lms_errors, 0 configurations in error.'), first

    second = transmitted(env)
    assert second.splitlines()[-1].startswith('Total: 0 sent'), second
    assert len(stored_statements(lrs)) == len(statements)


def test_a_run_killed_mid_way_and_run_again_stores_no_statement_twice(lrs, make_database, live_standin, population,
                                                                      tmp_path):
    # Slow enough to be killed mid-way: a few statements a second, one at a time.
    env = prepare(make_database(), live_standin, LEARNERS, requests_per_minute=300,
                  ENTERPRISE_EXPORT_CHANNEL_RETRIES=0, ENTERPRISE_EXPORT_LOCK_SECONDS=2,
                  ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY=1)
    point_at(env, lrs)
    expected = expected_identities(population)['XAPI']
    run = ManageProcess(env, ['transmit_learner_data', '--api_user', API_USERNAME, '--channel', 'XAPI'],
                        tmp_path / 'logs')
    wait_for(lambda: len(stored_statements(lrs)) >= len(expected) // 3, 300, interval=0.1, what='statements')
    run.kill()
    assert len(stored_statements(lrs)) < len(expected), 'the run finished before it was killed'

    time.sleep(2.5)  # the dead run's lock expires (ENTERPRISE_EXPORT_LOCK_SECONDS)
    rerun = transmitted(env)
    statements = stored_statements(lrs)
    ids = [statement['id'] for statement in statements]
    assert len(ids) == len(set(ids)), 'a statement was stored twice'
    assert sorted(statement['actor']['mbox'].removeprefix('mailto:') for statement in statements) == sorted(expected)
    assert rerun.splitlines()[-1].endswith(' 0 failed, 0 lms_errors, 0 configurations in error.'), rerun
