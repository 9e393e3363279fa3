"""
What the real-server tests share: a database of their own that other processes can open,
commands and Celery workers in processes of their own, Redis, and the stand-in's record.

A missing server skips the test with a one-line reason; in CI (``CI=true``) it fails instead.
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from demo.population import received_identities
from enterprise_export.channels import CHANNELS

ROOT = Path(__file__).resolve().parents[2]
CHILD_SETTINGS = 'tests.integration.child_settings'
DEMO_CLIENT = ('demo-client-id', 'demo-client-secret')  # the demo settings' LMS client


def require(available, reason):
    """Skip (or, in CI, fail) the test when a server it needs is missing."""
    if available:
        return
    if os.environ.get('CI') == 'true':
        pytest.fail(f'{reason} (CI must have it: see .ci/run)')
    pytest.skip(reason)


class SharedDatabase:
    """
    A database other processes can open: a fresh one on the suite's MySQL/MariaDB server, or an
    SQLite file. ``query`` reads it from the test's own process.
    """

    def __init__(self, tmp_path):
        default = settings.DATABASES['default']
        self.vendor = 'mysql' if 'mysql' in default['ENGINE'] else 'sqlite'
        if self.vendor == 'mysql':
            import MySQLdb  # noqa: PLC0415 - only where the suite runs on MySQL

            self._mysql = MySQLdb
            self.name = f'ee_it_{uuid.uuid4().hex[:12]}'
            self.entry = {key: default[key] for key in ('ENGINE', 'USER', 'PASSWORD', 'HOST', 'PORT', 'OPTIONS')}
            self.entry['NAME'] = self.name
            with self._connect(None) as connection:
                connection.cursor().execute(f'CREATE DATABASE {self.name} CHARACTER SET utf8mb4')
        else:
            self.name = str(tmp_path / 'shared.sqlite3')
            self.entry = {'ENGINE': 'django.db.backends.sqlite3', 'NAME': self.name, 'OPTIONS': {'timeout': 60}}

    def _connect(self, database):
        entry = settings.DATABASES['default']
        kwargs = {'host': entry['HOST'], 'port': int(entry['PORT']), 'user': entry['USER'],
                  'passwd': entry['PASSWORD'], 'charset': 'utf8mb4'}
        if database:
            kwargs['db'] = database
        return self._mysql.connect(**kwargs)

    def query(self, sql, params=()):
        if self.vendor == 'mysql':
            connection = self._connect(self.name)
            try:
                cursor = connection.cursor()
                cursor.execute(sql.replace('?', '%s'), params)
                return list(cursor.fetchall())
            finally:
                connection.close()
        with sqlite3.connect(self.name, timeout=60) as connection:
            return list(connection.execute(sql, params).fetchall())

    def drop(self):
        if self.vendor == 'mysql':
            with self._connect(None) as connection:
                connection.cursor().execute(f'DROP DATABASE IF EXISTS {self.name}')


def child_env(database, standin_url=None, broker=None, **extra_settings):
    env = {**os.environ, 'DJANGO_SETTINGS_MODULE': CHILD_SETTINGS,
           'ENTERPRISE_EXPORT_IT_DATABASE': json.dumps(database.entry),
           'ENTERPRISE_EXPORT_IT_SETTINGS': json.dumps(extra_settings), 'PYTHONUNBUFFERED': '1'}
    if standin_url:
        env['ENTERPRISE_EXPORT_IT_STANDIN'] = standin_url
    if broker:
        env['ENTERPRISE_EXPORT_IT_BROKER'] = broker
    return env


def manage(env, *args, timeout=600, check=True):
    """Run ``manage.py`` with ``args`` in a process of its own; the ``CompletedProcess``."""
    completed = subprocess.run([sys.executable, 'manage.py', *args], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=timeout)
    if check and completed.returncode != 0:
        raise AssertionError(f'manage.py {" ".join(args)} exited {completed.returncode}:\n'
                             f'{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}')
    return completed


class ManageProcess:
    """``manage.py`` running in a process of its own (its own process group), output to files."""

    def __init__(self, env, args, log_dir):
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = log_dir / f'{uuid.uuid4().hex}.out', log_dir / f'{uuid.uuid4().hex}.err'
        with open(self.stdout_path, 'w') as stdout, open(self.stderr_path, 'w') as stderr:
            self.process = subprocess.Popen([sys.executable, 'manage.py', *args], cwd=ROOT, env=env, stdout=stdout,
                                            stderr=stderr, text=True, start_new_session=True)

    @property
    def pid(self):
        return self.process.pid

    def wait(self, timeout):
        """Wait for the end; ``(exit status, stdout, stderr)``."""
        status = self.process.wait(timeout)
        return status, self.stdout_path.read_text(), self.stderr_path.read_text()

    def kill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)


def prepare(database, standin, population_size, requests_per_minute=None, **extra_settings):
    """
    Migrate the shared database and load the demo population pointing at ``standin`` (with every
    configuration's rate limit set to ``requests_per_minute`` when given); the children's env.
    """
    env = child_env(database, standin.url, **extra_settings)
    manage(env, 'migrate', '--noinput', '--verbosity', '0')
    limit = [] if requests_per_minute is None else ['--requests-per-minute', str(requests_per_minute)]
    # Without the learner every channel refuses: these tests count what arrives against the population.
    manage(env, 'load_demo_data', '--learners-per-customer', str(population_size), '--standin', standin.url,
           '--no-refused-learner', *limit)
    return env


def received_counts(standin):
    """How many completions each (channel, learner identity) received."""
    counts = Counter()
    for channel, payloads in standin.channels.received.items():
        for payload in list(payloads):
            for identity in received_identities(channel, payload):
                counts[(channel, identity)] += 1
    return counts


def expected_keys(expected):
    return {(channel, identity) for channel, identities in expected.items() for identity in identities}


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout, interval=0.05, what='condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f'timed out after {timeout} s waiting for {what}')


class RedisServer:
    """
    A ``redis-server`` of the test's own on a free port of 127.0.0.1 (no persistence: a restart
    starts it empty, as a Redis without RDB or AOF comes back). ``url`` is its URL, ``client`` a
    redis-py client of the test's; ``stop()``, ``start()`` and ``restart()`` stop and start it on the
    same port, so that the clients connected to it (a worker, a result backend) must reconnect to
    the same URL.
    """

    def __init__(self, binary, redis_module, folder):
        self.binary, self.folder = binary, folder
        self.port = free_port()
        self.url = f'redis://127.0.0.1:{self.port}/0'
        self.client = redis_module.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        self.process = None

    def start(self):
        # The port was free when chosen; a restart takes it again once the old process has let it go.
        self.process = subprocess.Popen([self.binary, '--bind', '127.0.0.1', '--port', str(self.port), '--save', '',
                                         '--appendonly', 'no', '--dir', str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.process.poll() is None and _pings(self.client), 20, what='redis-server')
        return self

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self, down_seconds=1.0):
        """Stop the server, leave it down ``down_seconds``, start it again on the same port."""
        self.stop()
        time.sleep(down_seconds)
        self.start()


@contextmanager
def redis_server(tmp_path):
    """A ``redis-server`` of the test's own (a started ``RedisServer``: ``.url``, ``.restart()``)."""
    binary = shutil.which('redis-server')
    require(binary is not None, 'redis-server is not installed (apt-get install redis-server)')
    try:
        import redis  # noqa: PLC0415
    except ImportError:
        redis = None
    require(redis is not None, 'the redis package is not installed (pip install -r requirements/servers.txt)')
    server = RedisServer(binary, redis, tmp_path)
    try:
        yield server.start()
    finally:
        server.stop()


def _pings(client):
    try:
        return client.ping()
    except Exception:  # noqa: BLE001 - not up yet
        return False


@contextmanager
def celery_worker(env, log_path, concurrency=3):
    """
    A real ``celery worker`` process on the app the test settings make (as the LMS makes its
    own); its log goes to ``log_path`` (a pipe nobody reads would block it once full).
    """
    with open(log_path, 'w') as log:
        process = subprocess.Popen(
            [sys.executable, '-m', 'celery', '-A', 'test_celery', 'worker', '--loglevel', 'WARNING',
             '--concurrency', str(concurrency), '--pool', 'prefork', '--without-gossip', '--without-mingle',
             '--without-heartbeat', '-n', f'it-{uuid.uuid4().hex[:8]}@%h'],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
    try:
        yield process
    finally:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(10)
        # A worker that died (or was told to stop) may leave pool children behind in its group.
        _signal_group(process, signal.SIGKILL)


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:  # the whole group has already gone
        pass


def recorded_as_sent(database):
    """(channel, learner identity) of every audit row that says the completion was sent."""
    sent = set()
    for code, channel in CHANNELS.items():
        rows = database.query(f'SELECT {channel.identity_field} FROM {channel.audit_model._meta.db_table} '
                              "WHERE status >= 200 AND status < 300 AND error_message = ''")
        sent |= {(code, identity) for (identity,) in rows}
    return sent
