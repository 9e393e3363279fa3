"""
The Tutor plugin ``enterprise-export`` (``tutor plugins enable enterprise-export``).

It installs the enterprise-export app in the openedx image, gives the LMS its settings (the
database source, the channel secrets' keys), migrates it and creates its API user at
``tutor local|k8s do init``, adds ``tutor local|k8s do transmit-learner-data``, and runs the
nightly export: a CronJob under ``tutor k8s``, a scheduler service under ``tutor local``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import typing as t
import uuid

import click
from tutor import exceptions, hooks

from .__about__ import __version__

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "templates")
PATCHES = os.path.join(HERE, "patches")
SCHEDULER = os.path.join(TEMPLATES, "enterprise-export", "apps", "scheduler", "scheduler.py")

# Every setting of the plugin, with its default (``tutor config save --set NAME=VALUE`` changes it).
CONFIG_DEFAULTS: dict[str, t.Any] = {
    # What the openedx image installs: a pip requirement (PyPI pin, Git URL, path or URL pip reaches
    # during the build); "" installs nothing (a clone mounted with `tutor mounts add`).
    "PIP_REQUIREMENT": f"enterprise-export=={__version__}",
    # The LMS user the exports run as (created at init when missing).
    "API_USER": "enterprise_channel_worker",
    # When the nightly run starts: standard 5-field cron syntax, UTC; "" schedules nothing.
    "SCHEDULE": "0 3 * * *",
}

# Generated once, at the first `tutor config save`, and kept in config.yml: the keys that
# encrypt the channels' secrets at rest (newest first).
CONFIG_UNIQUE: dict[str, t.Any] = {
    "SECRET_KEYS": ["{{ 32|random_string }}"],
}

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [(f"ENTERPRISE_EXPORT_{name}", value) for name, value in CONFIG_DEFAULTS.items()]
)
hooks.Filters.CONFIG_UNIQUE.add_items(
    [(f"ENTERPRISE_EXPORT_{name}", value) for name, value in CONFIG_UNIQUE.items()]
)


def load_scheduler() -> t.Any:
    """The scheduler module the compose service runs (its cron parser checks the schedule here too)."""
    spec = importlib.util.spec_from_file_location("tutorenterpriseexport_scheduler", SCHEDULER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Django's username characters; the name goes into shell commands and Python source, unquoted.
USERNAME = re.compile(r"[\w.@+-]{1,150}", re.ASCII)
CHANNEL_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def check_config(config: dict[str, t.Any]) -> None:
    """Refuse, with the setting's name, a value that would render a broken or unsafe file."""
    problems = []
    schedule = config.get("ENTERPRISE_EXPORT_SCHEDULE", "")
    if not isinstance(schedule, str):
        problems.append("ENTERPRISE_EXPORT_SCHEDULE must be a string (standard 5-field cron syntax, UTC)")
    elif schedule.strip():
        scheduler = load_scheduler()
        try:
            if scheduler.Schedule(schedule).next_after(scheduler.now()) is None:
                problems.append(f"ENTERPRISE_EXPORT_SCHEDULE {schedule!r} never matches a date")
        except scheduler.ScheduleError as error:
            problems.append(f"ENTERPRISE_EXPORT_SCHEDULE is not standard 5-field cron syntax: {error}")
    user = config.get("ENTERPRISE_EXPORT_API_USER")
    if not isinstance(user, str) or not USERNAME.fullmatch(user):
        problems.append("ENTERPRISE_EXPORT_API_USER must be a Django username (letters, digits and @.+-_)")
    keys = config.get("ENTERPRISE_EXPORT_SECRET_KEYS")
    if keys is not None and (
        not isinstance(keys, list) or not keys or not all(isinstance(key, str) and key for key in keys)
    ):
        problems.append("ENTERPRISE_EXPORT_SECRET_KEYS must be a list of non-empty strings, newest first")
    requirement = config.get("ENTERPRISE_EXPORT_PIP_REQUIREMENT", "")
    if not isinstance(requirement, str) or "'" in requirement or "\n" in requirement:
        problems.append("ENTERPRISE_EXPORT_PIP_REQUIREMENT must be one pip requirement without quotes")
    if problems:
        raise exceptions.TutorError("enterprise-export: " + "; ".join(problems))


@hooks.Actions.CONFIG_LOADED.add()
def _check_config(config: dict[str, t.Any]) -> None:
    check_config(config)


########################################
# Templates: the scheduler script (tutor local) and the CronJob (tutor k8s)
########################################

hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(TEMPLATES)
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items(
    [
        ("enterprise-export/apps", "plugins"),
        ("enterprise-export/k8s", "plugins"),
    ]
)

########################################
# Patches: every file of patches/ is the patch of its name
########################################

for _name in sorted(os.listdir(PATCHES)):
    with open(os.path.join(PATCHES, _name), encoding="utf-8") as _patch:
        hooks.Filters.ENV_PATCHES.add_item((_name, _patch.read()))

########################################
# Mounting a clone: `tutor mounts add /path/to/enterprise-export` installs it in the image
# (`pip install -e`) and bind-mounts it in the openedx containers.
########################################

hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", r"enterprise-export$"))

########################################
# Init: migrate the app and create its user (tutor local|k8s do init)
########################################

INIT_TASK = """
echo "enterprise-export: migrate enterprise_export"
./manage.py lms migrate enterprise_export
echo "enterprise-export: the API user {{ ENTERPRISE_EXPORT_API_USER }}"
./manage.py lms shell -c "
from django.contrib.auth import get_user_model
user, created = get_user_model().objects.get_or_create(
    username='{{ ENTERPRISE_EXPORT_API_USER }}',
    defaults={'email': '{{ ENTERPRISE_EXPORT_API_USER }}@{{ LMS_HOST }}', 'is_active': True},
)
if created:
    user.set_unusable_password()
    user.save()
print('enterprise-export: user', user.username, 'created' if created else 'already there')
"
"""

# After the LMS's own init task (LOW runs later), so that the LMS is migrated first.
with hooks.Contexts.app("enterprise-export").enter():
    hooks.Filters.CLI_DO_INIT_TASKS.add_item(("lms", INIT_TASK), priority=hooks.priorities.LOW)

########################################
# tutor local|k8s do transmit-learner-data
########################################

TRANSMIT_COMMAND = "./manage.py lms transmit_learner_data --api_user {{ ENTERPRISE_EXPORT_API_USER }}"


def _channel_code(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not CHANNEL_CODE.fullmatch(value):
        raise click.BadParameter("a channel code is letters, digits, '-' and '_'")
    return value


@click.command(
    name="transmit-learner-data",
    help="Send enterprise learners' completions now (what the nightly run does), in the LMS job container.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and save nothing.")
@click.option("--channel", metavar="CODE", callback=_channel_code, help="Only this channel (e.g. SAP, DEGREED2, CSOD).")
@click.option("--enterprise-customer", metavar="UUID", type=click.UUID, help="Only this enterprise customer.")
@click.option(
    "--enterprise-enrollment-id",
    metavar="ID",
    type=click.IntRange(min=1),
    help="Only this enterprise course enrollment: send it again on request.",
)
@click.option("--force", is_flag=True, help="With --enterprise-enrollment-id: send it even if already sent.")
def transmit_learner_data(
    dry_run: bool,
    channel: str | None,
    enterprise_customer: uuid.UUID | None,
    enterprise_enrollment_id: int | None,
    force: bool,
) -> t.Iterator[tuple[str, str]]:
    if force and enterprise_enrollment_id is None:
        raise click.UsageError("--force needs --enterprise-enrollment-id")
    command = TRANSMIT_COMMAND
    if enterprise_customer is not None:
        command += f" --enterprise_customer {shlex.quote(str(enterprise_customer))}"
    if channel is not None:
        command += f" --channel {shlex.quote(channel)}"
    if dry_run:
        command += " --dry-run"
    if enterprise_enrollment_id is not None:
        command += f" --enterprise_enrollment_id {enterprise_enrollment_id}"
    if force:
        command += " --force"
    yield ("lms", command)


hooks.Filters.CLI_DO_COMMANDS.add_item(transmit_learner_data)
