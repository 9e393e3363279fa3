"""
No personal data or secrets in the logs at INFO and above (SPEC 9, 16), over a whole demo
transmission over real sockets with faults injected into the LMS and every channel.
"""

import io
import logging

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from demo.population import API_USERNAME, build_population, channel_urls, fill_lms, load_population

pytestmark = pytest.mark.django_db
LEARNERS = 24


def personal_values(population):
    """Everything of the demo data that must never reach a log at INFO or above."""
    values = {'sap-client-id', 'sap-client-secret', 'degreed-client-id', 'degreed-client-secret', 'csod-user',
              'csod-password', django_settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET}
    for learner in population:
        values |= {learner.username, learner.email, f'SAP-{learner.index:05d}', f'guid-{learner.index:05d}',
                   f'session-{learner.index:05d}'}
    return values


def test_a_faulty_demo_run_logs_no_personal_data(standin, settings, caplog):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 1
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 1
    population = build_population(LEARNERS)
    load_population(population, channel_urls(standin.url))
    fill_lms(standin.lms, population)
    standin.faults.configure({'faults': [
        {'target': 'lms', 'kind': '500', 'path': 'globex-learner-000'},
        {'target': 'lms', 'kind': 'reset', 'path': 'acme-learner-001'},
        {'target': 'lms', 'kind': 'malformed', 'path': 'initech-learner-002'},
        {'target': 'lms', 'kind': '429', 'count': 2},
        {'target': 'sap', 'kind': '500', 'count': 3},
        {'target': 'degreed', 'kind': 'reset', 'count': 3},
        {'target': 'csod', 'kind': 'malformed', 'count': 1},
        {'target': 'csod', 'kind': '500', 'count': 3},
    ]})
    victim = next(learner for learner in population if learner.channel == 'DEGREED' and learner.passes)
    standin.channels.fail('DEGREED', 400, f'unknown learner {victim.email}',
                          when=lambda payload: payload['completions'][0]['email'] == victim.email)
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger='enterprise_export'):
        call_command('transmit_learner_data', '--api_user', API_USERNAME, stdout=io.StringIO(),
                     stderr=io.StringIO())
    logged = '\n'.join(f'{record.name} {record.getMessage()} {record.__dict__}' for record in caplog.records
                       if record.levelno >= logging.INFO)
    assert 'failed' in logged  # the faults did reach the logs: the check below looked at something
    leaked = sorted(value for value in personal_values(population) if value in logged)
    assert leaked == []
