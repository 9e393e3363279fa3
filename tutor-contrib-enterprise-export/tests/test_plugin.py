"""
The plugin rendered by the real ``tutor`` (no Docker): ``tutor plugins enable enterprise-export``
and ``tutor config save`` in a temporary TUTOR_ROOT, then the rendered files are read back:
the Dockerfile line, the LMS settings (parsed as Python), the compose file and the Kubernetes
manifests (parsed as YAML), and the ``do`` commands, run with a stand-in ``docker`` that only
records what it is asked to run.

Run with the tutor virtualenv's python (``.ci/tutor`` builds it): ``python -m pytest tests``.
"""

import ast
import datetime
import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = PLUGIN_ROOT.parent
TUTOR = Path(sys.executable).parent / 'tutor'
SCHEDULER_TEMPLATE = PLUGIN_ROOT.joinpath(
    'tutorenterpriseexport', 'templates', 'enterprise-export', 'apps', 'scheduler', 'scheduler.py')
UUID = '12345678-1234-5678-1234-567812345678'
FAKE_DOCKER = """#!{python}
# Records each call's arguments as one JSON line; answers `compose ls` with no project.
import json, os, sys
with open(os.environ['FAKE_DOCKER_LOG'], 'a') as log:
    log.write(json.dumps(sys.argv[1:]) + '\\n')
if 'ls' in sys.argv:
    print('[]')
"""


class Tutor:
    """The real tutor CLI in a TUTOR_ROOT of its own."""

    def __init__(self, tmp_path):
        self.root = tmp_path / 'tutor-root'
        self.bin = tmp_path / 'bin'
        self.bin.mkdir()
        (self.bin / 'docker').write_text(FAKE_DOCKER.format(python=sys.executable))
        (self.bin / 'docker').chmod(0o755)
        self.docker_log = tmp_path / 'docker.log'
        plugins_root = tmp_path / 'tutor-plugins'
        plugins_root.mkdir()
        self.environ = {
            **os.environ,
            'TUTOR_ROOT': str(self.root),
            'TUTOR_PLUGINS_ROOT': str(plugins_root),  # no YAML plugins of the machine's user
            'PATH': f'{self.bin}{os.pathsep}{os.environ["PATH"]}',
            'FAKE_DOCKER_LOG': str(self.docker_log),
        }

    def __call__(self, *args, check=True):
        result = subprocess.run(
            [str(TUTOR), *args], env=self.environ, capture_output=True, text=True, timeout=120, check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f'tutor {shlex.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}')
        return result

    def docker_calls(self):
        if not self.docker_log.exists():
            return []
        return [json.loads(line) for line in self.docker_log.read_text().splitlines()]

    def env(self, *parts):
        return self.root.joinpath('env', *parts)

    def config(self):
        return yaml.safe_load((self.root / 'config.yml').read_text())

    def value(self, name):
        return self('config', 'printvalue', name).stdout.strip()

    def yaml(self, *parts):
        return list(yaml.safe_load_all(self.env(*parts).read_text()))


@pytest.fixture
def tutor(tmp_path):
    tutor = Tutor(tmp_path)
    tutor('plugins', 'enable', 'enterprise-export')
    tutor('config', 'save')
    return tutor


def lms_settings(tutor, name):
    """Every top-level assignment of the rendered LMS settings module (which must be valid Python)."""
    tree = ast.parse(tutor.env('apps', 'openedx', 'settings', 'lms', f'{name}.py').read_text())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                values[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                values[node.targets[0].id] = ast.unparse(node.value)
    return values


def load_scheduler(path):
    spec = importlib.util.spec_from_file_location(f'scheduler_{abs(hash(str(path)))}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_plugin_is_installed_and_shares_the_apps_version(tmp_path):
    result = Tutor(tmp_path)('plugins', 'list')
    assert re.search(r'^enterprise-export\s', result.stdout, re.MULTILINE), result.stdout
    from tutorenterpriseexport.__about__ import __version__  # noqa: PLC0415

    app = (REPOSITORY / 'enterprise_export' / '__init__.py').read_text()
    assert re.search(r"^__version__ = '([^']+)'", app, re.MULTILINE).group(1) == __version__


def test_settings_and_their_defaults(tutor):
    from tutorenterpriseexport.__about__ import __version__  # noqa: PLC0415

    assert tutor.value('ENTERPRISE_EXPORT_PIP_REQUIREMENT') == f'enterprise-export=={__version__}'
    assert tutor.value('ENTERPRISE_EXPORT_API_USER') == 'enterprise_channel_worker'
    assert tutor.value('ENTERPRISE_EXPORT_SCHEDULE') == '0 3 * * *'


def test_the_secret_keys_are_generated_once_and_kept(tutor):
    keys = tutor.config()['ENTERPRISE_EXPORT_SECRET_KEYS']
    assert isinstance(keys, list) and len(keys) == 1
    assert re.fullmatch(r'[A-Za-z0-9]{32}', keys[0])
    tutor('config', 'save')
    assert tutor.config()['ENTERPRISE_EXPORT_SECRET_KEYS'] == keys
    # An operator's rotation (new key first) is kept and rendered as it is.
    tutor('config', 'save', '--set', f'ENTERPRISE_EXPORT_SECRET_KEYS=["new-key", "{keys[0]}"]')
    assert tutor.config()['ENTERPRISE_EXPORT_SECRET_KEYS'] == ['new-key', keys[0]]
    assert lms_settings(tutor, 'production')['ENTERPRISE_EXPORT_SECRET_KEYS'] == ['new-key', keys[0]]


def test_the_openedx_image_installs_the_app(tutor):
    dockerfile = tutor.env('build', 'openedx', 'Dockerfile').read_text()
    line = "    ${PIP_COMMAND:-pip} install 'enterprise-export==0.1.0'"
    assert line in dockerfile.splitlines()
    # In the stage that installs the LMS's Python requirements, so it lands in the venv of every image.
    stage = dockerfile[:dockerfile.index(line)].rsplit('\nFROM ', 1)[1]
    assert stage.startswith('python AS python-requirements'), stage[:80]


def test_the_lms_settings_turn_on_the_database_source_with_the_generated_keys(tutor):
    keys = tutor.config()['ENTERPRISE_EXPORT_SECRET_KEYS']
    for name in ('production', 'development'):
        settings = lms_settings(tutor, name)
        assert settings['ENTERPRISE_EXPORT_LMS_SOURCE'] == 'database'
        assert settings['ENTERPRISE_EXPORT_SECRET_KEYS'] == keys
        assert settings['ENTERPRISE_CHANNEL_WORKER_USERNAME'] == 'enterprise_channel_worker'
    # The CMS is left alone.
    assert 'ENTERPRISE_EXPORT' not in tutor.env('apps', 'openedx', 'settings', 'cms', 'production.py').read_text()


def test_kubernetes_runs_the_export_nightly_as_a_cronjob_like_the_lms_job(tutor):
    kustomization = tutor.yaml('kustomization.yml')[0]
    assert 'plugins/enterprise-export/k8s/cronjob.yml' in kustomization['resources']
    for resource in kustomization['resources']:
        assert tutor.env(resource).is_file(), resource
    [cronjob] = [doc for doc in tutor.yaml('plugins', 'enterprise-export', 'k8s', 'cronjob.yml') if doc]
    assert cronjob['apiVersion'] == 'batch/v1'
    assert cronjob['kind'] == 'CronJob'
    spec = cronjob['spec']
    assert spec['schedule'] == '0 3 * * *'
    assert spec['concurrencyPolicy'] == 'Forbid'
    assert spec['timeZone'] == 'Etc/UTC'
    pod = spec['jobTemplate']['spec']['template']['spec']
    assert pod['restartPolicy'] == 'Never'
    [container] = pod['containers']
    assert ' '.join(container['command'] + container['args']) == (
        'sh -e -c ./manage.py lms transmit_learner_data --api_user enterprise_channel_worker'
    )
    # The LMS job's image, environment, settings and config.
    [lms_job] = [doc for doc in tutor.yaml('k8s', 'jobs.yml') if doc and doc['metadata']['name'] == 'lms-job']
    job_pod = lms_job['spec']['template']['spec']
    [job_container] = job_pod['containers']
    assert container['image'] == job_container['image'] == tutor.value('DOCKER_IMAGE_OPENEDX')
    assert container['env'] == job_container['env']
    assert container['volumeMounts'] == job_container['volumeMounts']
    assert pod['volumes'] == job_pod['volumes']


def test_tutor_local_runs_a_scheduler_service_on_the_same_schedule(tutor):
    compose = tutor.yaml('local', 'docker-compose.yml')[0]
    service = compose['services']['enterprise-export-scheduler']
    lms_job = tutor.yaml('local', 'docker-compose.jobs.yml')[0]['services']['lms-job']
    assert service['image'] == lms_job['image'] == tutor.value('DOCKER_IMAGE_OPENEDX')
    assert service['environment'] == lms_job['environment']
    assert service['restart'] == 'unless-stopped'
    assert service['command'] == [
        'python', '/openedx/enterprise-export-scheduler/scheduler.py', '0 3 * * *', '--',
        './manage.py', 'lms', 'transmit_learner_data', '--api_user', 'enterprise_channel_worker',
    ]
    for mount in lms_job['volumes'][:3]:  # the LMS's and CMS's settings, the config
        assert mount in service['volumes']
    [script_mount] = [mount for mount in service['volumes'] if ':/openedx/enterprise-export-scheduler:' in mount]
    assert script_mount.endswith(lms_job['volumes'][0].rsplit(':', 1)[1])  # read-only, as the LMS job's settings
    host_folder = (tutor.env('local') / script_mount.split(':')[0]).resolve()
    assert (host_folder / 'scheduler.py').is_file()
    assert {'permissions', 'lms', 'mysql', 'redis'} <= set(service['depends_on'])
    # Its data folder is made the openedx user's, like the LMS's (with the same mount options).
    permissions = compose['services']['permissions']['volumes']
    [lms_data] = [mount for mount in permissions if mount.startswith('../../data/lms:/mounts/lms')]
    assert lms_data.replace('/lms', '/enterprise-export') in permissions
    setowners = tutor.env('apps', 'permissions', 'setowners.sh').read_text()
    assert 'setowner $OPENEDX_USER_ID /mounts/enterprise-export' in setowners.splitlines()
    # Under `tutor dev`, the dev image and settings, as the LMS's there.
    dev = tutor.yaml('dev', 'docker-compose.yml')[0]['services']
    assert dev['enterprise-export-scheduler']['image'] == dev['lms']['image'] == tutor.value('DOCKER_IMAGE_OPENEDX_DEV')
    assert dev['enterprise-export-scheduler']['environment'] == dev['lms']['environment']
    # The rendered script is the plugin's, as it is.
    rendered = load_scheduler(host_folder / 'scheduler.py')
    assert rendered.Schedule('0 3 * * *').next_after(
        datetime.datetime(2026, 1, 1, 3, 0, tzinfo=datetime.timezone.utc),
    ) == datetime.datetime(2026, 1, 2, 3, 0, tzinfo=datetime.timezone.utc)


def test_tutor_local_do_lists_and_runs_transmit_learner_data(tutor):
    for mode in ('local', 'k8s'):
        assert re.search(r'^\s+transmit-learner-data\s', tutor(mode, 'do', '--help').stdout, re.MULTILINE)
    usage = tutor('local', 'do', 'transmit-learner-data', '--help').stdout
    for option in ('--dry-run', '--channel CODE', '--enterprise-customer UUID'):
        assert option in usage

    tutor('local', 'do', 'transmit-learner-data')
    tutor('local', 'do', 'transmit-learner-data', '--dry-run', '--channel', 'SAP', '--enterprise-customer', UUID)
    runs = [call for call in tutor.docker_calls() if 'run' in call]
    assert [call[call.index('lms-job') + 1:] for call in runs] == [
        ['sh', '-e', '-c', './manage.py lms transmit_learner_data --api_user enterprise_channel_worker'],
        ['sh', '-e', '-c', './manage.py lms transmit_learner_data --api_user enterprise_channel_worker'
                           f' --enterprise_customer {UUID} --channel SAP --dry-run'],
    ]
    # What no shell or template may see is refused before anything runs.
    assert tutor('local', 'do', 'transmit-learner-data', '--channel', 'SAP;rm', check=False).returncode != 0
    assert tutor('local', 'do', 'transmit-learner-data', '--enterprise-customer', 'nope', check=False).returncode != 0
    assert len([call for call in tutor.docker_calls() if 'run' in call]) == 2


def test_tutor_local_do_sends_one_enrollment_again(tutor):
    usage = tutor('local', 'do', 'transmit-learner-data', '--help').stdout
    assert '--enterprise-enrollment-id ID' in usage and '--force' in usage
    tutor('local', 'do', 'transmit-learner-data', '--enterprise-enrollment-id', '314', '--force')
    runs = [call for call in tutor.docker_calls() if 'run' in call]
    assert [call[call.index('lms-job') + 1:] for call in runs] == [
        ['sh', '-e', '-c', './manage.py lms transmit_learner_data --api_user enterprise_channel_worker'
                           ' --enterprise_enrollment_id 314 --force'],
    ]
    # --force alone, or an id that is not a positive number, runs nothing.
    assert tutor('local', 'do', 'transmit-learner-data', '--force', check=False).returncode != 0
    assert tutor('local', 'do', 'transmit-learner-data', '--enterprise-enrollment-id', '1;ls',
                 check=False).returncode != 0
    assert len([call for call in tutor.docker_calls() if 'run' in call]) == 1


def test_init_migrates_the_app_and_creates_its_user_after_the_lms(tutor):
    tutor('local', 'do', 'init')
    scripts = [call[-1] for call in tutor.docker_calls() if 'run' in call and call[-3:-1] == ['-e', '-c']]
    ours = [i for i, script in enumerate(scripts) if 'migrate enterprise_export' in script]
    assert len(ours) == 1, scripts
    lms_migrate = [
        i for i, script in enumerate(scripts) if re.search(r'^\./manage\.py lms migrate$', script, re.MULTILINE)]
    assert lms_migrate and lms_migrate[0] < ours[0]
    script = scripts[ours[0]]
    assert './manage.py lms migrate enterprise_export' in script.splitlines()
    assert "username='enterprise_channel_worker'" in script and 'get_or_create' in script


def test_an_operators_settings_are_rendered_everywhere(tutor):
    requirement = 'git+https://example.org/enterprise-export.git@v0.1.0#egg=enterprise-export'
    tutor(
        'config', 'save',
        '--set', 'ENTERPRISE_EXPORT_SCHEDULE=15 1 * * 1-5',
        '--set', 'ENTERPRISE_EXPORT_API_USER=exporter',
        '--set', f'ENTERPRISE_EXPORT_PIP_REQUIREMENT={requirement}',
    )
    assert f"install '{requirement}'" in tutor.env('build', 'openedx', 'Dockerfile').read_text()
    assert lms_settings(tutor, 'production')['ENTERPRISE_CHANNEL_WORKER_USERNAME'] == 'exporter'
    [cronjob] = [doc for doc in tutor.yaml('plugins', 'enterprise-export', 'k8s', 'cronjob.yml') if doc]
    assert cronjob['spec']['schedule'] == '15 1 * * 1-5'
    assert cronjob['spec']['jobTemplate']['spec']['template']['spec']['containers'][0]['args'][0].endswith(
        '--api_user exporter')
    command = tutor.yaml('local', 'docker-compose.yml')[0]['services']['enterprise-export-scheduler']['command']
    assert command[2] == '15 1 * * 1-5' and command[-1] == 'exporter'


def test_a_mounted_clone_is_installed_by_tutor_instead_of_the_requirement(tutor, tmp_path):
    clone = tmp_path / 'enterprise-export'
    clone.mkdir()
    tutor('mounts', 'add', str(clone))
    dockerfile = tutor.env('build', 'openedx', 'Dockerfile').read_text()
    assert 'install -e "/mnt/enterprise-export"' in dockerfile
    assert "install 'enterprise-export==" not in dockerfile
    scheduler = tutor.yaml('local', 'docker-compose.yml')[0]['services']['enterprise-export-scheduler']
    assert any(mount.startswith(f'{clone}:/mnt/enterprise-export') for mount in scheduler['volumes'])


def test_an_empty_schedule_schedules_nothing_and_an_empty_requirement_installs_nothing(tutor):
    tutor('config', 'save', '--set', 'ENTERPRISE_EXPORT_SCHEDULE=', '--set', 'ENTERPRISE_EXPORT_PIP_REQUIREMENT=')
    assert 'enterprise-export-scheduler' not in tutor.yaml('local', 'docker-compose.yml')[0]['services']
    assert 'plugins/enterprise-export/k8s/cronjob.yml' not in tutor.yaml('kustomization.yml')[0]['resources']
    assert 'enterprise-export' not in tutor.env('build', 'openedx', 'Dockerfile').read_text()
    assert lms_settings(tutor, 'production')['ENTERPRISE_EXPORT_LMS_SOURCE'] == 'database'


@pytest.mark.parametrize(('name', 'value', 'message'), [
    ('ENTERPRISE_EXPORT_SCHEDULE', '0 25 * * *', 'hour: 25 is outside 0-23'),
    ('ENTERPRISE_EXPORT_SCHEDULE', '@daily', 'has 1 fields, not 5'),
    ('ENTERPRISE_EXPORT_SCHEDULE', '0 0 31 2 *', 'never matches'),
    ('ENTERPRISE_EXPORT_API_USER', "x' or '1", 'must be a Django username'),
    ('ENTERPRISE_EXPORT_SECRET_KEYS', 'one-key', 'must be a list of non-empty strings'),
    ('ENTERPRISE_EXPORT_PIP_REQUIREMENT', "enterprise-export'; rm -rf /", 'without quotes'),
])
def test_a_wrong_setting_fails_loudly(tutor, name, value, message):
    result = tutor('config', 'save', '--set', f'{name}={value}', check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_a_disabled_plugin_renders_nothing(tmp_path):
    """Disabled (the default), nothing of the plugin is rendered."""
    tutor = Tutor(tmp_path)
    tutor('config', 'save')
    assert 'enterprise-export-scheduler' not in tutor.env('local', 'docker-compose.yml').read_text()
    assert 'ENTERPRISE_EXPORT' not in tutor.env('apps', 'openedx', 'settings', 'lms', 'production.py').read_text()
    assert 'transmit-learner-data' not in tutor('local', 'do', '--help').stdout


# The scheduler's cron (standard 5-field syntax, UTC) and its loop.

UTC = datetime.timezone.utc
SCHEDULER = load_scheduler(SCHEDULER_TEMPLATE)


@pytest.mark.parametrize(('schedule', 'after', 'expected'), [
    ('0 3 * * *', (2026, 12, 6, 5, 20), (2026, 12, 7, 3, 0)),
    ('0 3 * * *', (2026, 12, 6, 2, 59), (2026, 12, 6, 3, 0)),
    ('0 3 * * *', (2026, 12, 6, 3, 0), (2026, 12, 7, 3, 0)),  # strictly after
    ('*/15 * * * *', (2026, 12, 6, 5, 20), (2026, 12, 6, 5, 30)),
    ('30 2 * * mon-fri', (2026, 12, 5, 12, 0), (2026, 12, 7, 2, 30)),  # Saturday -> Monday
    ('0 0 29 2 *', (2026, 3, 1, 0, 0), (2028, 2, 29, 0, 0)),
    ('0 0 1 * 0', (2026, 12, 6, 5, 20), (2026, 12, 13, 0, 0)),  # the 1st or a Sunday, as cron says
    ('5 4 * * 7', (2026, 12, 6, 5, 20), (2026, 12, 13, 4, 5)),  # 7 is Sunday
    ('0 3 * jan,jul *', (2026, 12, 6, 5, 20), (2027, 1, 1, 3, 0)),
    ('0 22 * * 1-5/2', (2026, 12, 6, 5, 20), (2026, 12, 7, 22, 0)),
    ('59 23 31 12 *', (2026, 12, 31, 23, 59), (2027, 12, 31, 23, 59)),
])
def test_the_schedule(schedule, after, expected):
    assert SCHEDULER.Schedule(schedule).next_after(datetime.datetime(*after, tzinfo=UTC)) == datetime.datetime(
        *expected, tzinfo=UTC)


@pytest.mark.parametrize('schedule', ['0 3 * *', '60 * * * *', '* * * * 8', 'a * * * *', '*/0 * * * *',
                                      '5-1 * * * *', '1,,2 * * * *', '0 3 * * * *'])
def test_a_schedule_that_is_not_cron_is_refused(schedule):
    with pytest.raises(SCHEDULER.ScheduleError):
        SCHEDULER.Schedule(schedule)


def test_the_scheduler_runs_the_command_when_due_one_run_at_a_time(tmp_path, monkeypatch, capsys):
    """A fake clock: each sleep moves it; a run that outlasts the next due time skips that one."""
    clock = {'now': datetime.datetime(2026, 12, 6, 2, 58, 30, tzinfo=UTC)}
    runs = tmp_path / 'runs'
    ran_at = []

    class Child:
        def __init__(self, command):
            assert command == ['./manage.py', 'lms', 'transmit_learner_data', '--api_user', 'u']
            ran_at.append(clock['now'])
            runs.write_text(str(len(ran_at)))

        def wait(self):
            clock['now'] += datetime.timedelta(hours=25) if len(ran_at) == 1 else datetime.timedelta(minutes=5)
            return 0

    def sleep(seconds):
        assert 0 < seconds <= 60
        clock['now'] += datetime.timedelta(seconds=seconds)
        if len(ran_at) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(SCHEDULER, 'now', lambda: clock['now'])
    monkeypatch.setattr(SCHEDULER.time, 'sleep', sleep)
    monkeypatch.setattr(SCHEDULER.subprocess, 'Popen', Child)
    monkeypatch.setattr(SCHEDULER.signal, 'signal', lambda *args: None)
    with pytest.raises(KeyboardInterrupt):
        SCHEDULER.main(['0 3 * * *', '--', './manage.py', 'lms', 'transmit_learner_data', '--api_user', 'u'])
    # The first run lasted 25 hours: the 7th's 03:00 passed while it ran and was skipped.
    assert ran_at == [
        datetime.datetime(2026, 12, 6, 3, 0, tzinfo=UTC), datetime.datetime(2026, 12, 8, 3, 0, tzinfo=UTC)]
    output = capsys.readouterr().out
    assert "schedule '0 3 * * *' (UTC)" in output
    assert 'run ended with exit status 0' in output


def test_the_scheduler_refuses_a_wrong_schedule(capsys):
    assert SCHEDULER.main(['0 3 * *', '--', 'true']) == 2
    assert 'invalid ENTERPRISE_EXPORT_SCHEDULE' in capsys.readouterr().out


def test_the_scheduler_stops_on_sigterm_and_stops_its_run(tmp_path):
    """The real script in a real process: SIGTERM ends the running command and the scheduler."""
    marker = tmp_path / 'child.pid'
    # Due every minute: wait at most one minute for the run to start.
    process = subprocess.Popen(
        [sys.executable, str(SCHEDULER_TEMPLATE), '* * * * *', '--', sys.executable, '-c',
         f'import os, time; open({str(marker)!r}, "w").write(str(os.getpid())); time.sleep(600)'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = datetime.datetime.now() + datetime.timedelta(seconds=75)
        while not (marker.exists() and marker.read_text()) and datetime.datetime.now() < deadline:
            assert process.poll() is None, process.stdout.read()
            subprocess.run(['sleep', '0.2'], check=True)
        assert marker.exists(), 'the scheduler did not start its command within a minute'
        child = int(marker.read_text())
        process.terminate()
        assert process.wait(timeout=40) == 0
        output = process.stdout.read()
        assert 'run starts' in output and 'stopping' in output
        with pytest.raises(ProcessLookupError):
            for _ in range(50):
                os.kill(child, 0)
                subprocess.run(['sleep', '0.1'], check=True)
    finally:
        if process.poll() is None:
            process.kill()
