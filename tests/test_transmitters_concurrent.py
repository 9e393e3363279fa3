"""
Concurrent sends (``ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY``): for any population, the audit rows,
the summaries and what the channel receives are those of sending one record at a time.
"""

import datetime
import json

import responses
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from enterprise_export.channels import get_channel
from enterprise_export.models import get_enrollment_model
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    Degreed2ConfigurationFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SAPConfigurationFactory,
    UserFactory,
    WebhookConfigurationFactory,
    XAPIConfigurationFactory,
    consenting_enrollment,
)
from test_utils.fake_channels import FakeChannels
from test_utils.fake_lms import FakeLms

RUN = 'course-v1:edX+DemoX+Demo_2026'
COURSE_KEY = 'edX+DemoX'
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
FACTORIES = {'SAP': SAPConfigurationFactory, 'DEGREED': DegreedConfigurationFactory,
             'DEGREED2': Degreed2ConfigurationFactory, 'CSOD': CornerstoneConfigurationFactory,
             'XAPI': XAPIConfigurationFactory, 'WEBHOOK': WebhookConfigurationFactory}
# What differs between two builds of the same population (ids, the customer's uuid), left out of what is compared.
BUILD_SPECIFIC = {'XAPI': ('id',), 'WEBHOOK': ('id', 'enterprise_customer', 'learner')}

learner_strategy = st.fixed_dictionaries({
    'passed': st.booleans(),
    # What the channel answers for the learner's course-key record and run-id record.
    'course_key_answer': st.sampled_from([200, 200, 400, 500]),
    'run_id_answer': st.sampled_from([200, 500]),
})
population_strategy = st.fixed_dictionaries({
    'channel': st.sampled_from(sorted(FACTORIES)),
    'learners': st.lists(learner_strategy, min_size=1, max_size=12),
    'batch_size': st.integers(min_value=1, max_value=6),
    'concurrency': st.integers(min_value=2, max_value=6),
})


def identity(channel, payload):
    """(learner, course id) of a completion, whatever the channel's JSON."""
    if channel == 'SAP':
        return payload['userID'], payload['courseID']
    if channel == 'DEGREED':
        return payload['completions'][0]['email'], payload['completions'][0]['id']
    if channel == 'CSOD':
        return payload[0]['userGuid'], payload[0]['courseId']
    if channel == 'XAPI':
        return payload['actor']['mbox'].removeprefix('mailto:'), payload['object']['definition']['name']['en-US']
    if channel == 'WEBHOOK':
        return payload['learner']['email'], payload['course']['course_run_id']
    attributes = payload['data']['attributes']
    return attributes['user-id'], attributes['content-id']


def build(population, lms, channels):
    lms.add_course(RUN, pacing='self', end='2026-03-31T17:45:00Z')
    configuration = FACTORIES[population['channel']](enterprise_customer=EnterpriseCustomerFactory())
    answers = {}
    for index, learner in enumerate(population['learners']):
        username = f'learner-{index:02d}'
        user = UserFactory(username=username, email=f'{username}@example.com')
        enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
        # Cornerstone knows the learner by the identity of their launch (their completions go to its callback).
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user,
                                          user_guid=f'SAP-{index}', session_token=f'session-{index}')
        lms.learner(username, RUN, passed=learner['passed'], percent=0.9 if learner['passed'] else 0.2)
        lms.remote_ids[(configuration.idp_id if population['channel'] == 'SAP' else '', username)] = f'SAP-{index}'
        for who in (f'SAP-{index}', user.email):
            answers[(who, COURSE_KEY)] = learner['course_key_answer']
            answers[(who, RUN)] = learner['run_id_answer']
    channel = population['channel']
    for status in (400, 500):
        channels.fail(channel, status, f'refused with {status}',
                      when=lambda payload, status=status: answers.get(identity(channel, payload)) == status)
    return configuration


def outcome(configuration, population, channels, summary):
    """What a user sees of a run: audit rows (by learner, not by id), summary, completions, tokens."""
    channel = get_channel(configuration.channel_code)
    usernames = dict(get_user_model().objects.values_list('pk', 'username'))  # ids differ between the builds
    learners = {enrollment_id: usernames[user_id] for enrollment_id, user_id in
                get_enrollment_model()._base_manager.values_list('id', 'enterprise_customer_user__user_id')}
    rows = sorted(
        (learners[row.enterprise_course_enrollment_id], row.course_id, row.status, row.error_message, row.grade,
         row.course_completed, row.completed_timestamp, row.superseded)
        for row in channel.transmitter_class.audit_model.objects.filter(plugin_configuration_id=configuration.pk)
    )
    received = sorted(json.dumps(comparable(population['channel'], payload), sort_keys=True)
                      for payload in channels.received[population['channel']])
    return rows, (summary.sent, summary.skipped, summary.failed, summary.error), received, channels.tokens.copy()


def comparable(channel, payload):
    """``payload`` without what differs between two builds of the same population."""
    if channel not in BUILD_SPECIFIC:
        return payload
    kept = {key: value for key, value in payload.items() if key not in BUILD_SPECIFIC[channel]}
    if channel == 'WEBHOOK':
        kept['learner'] = payload['learner']['email']
    return kept


def run_twice(population, concurrency):
    """Build the population, transmit (the channel refusing some records), then again once it is well."""
    outcomes = []
    with transaction.atomic(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock, \
            override_settings(ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY=concurrency, ENTERPRISE_EXPORT_CHANNEL_RETRIES=0):
        cache.clear()
        lms, channels = FakeLms(mock), FakeChannels(mock)
        configuration = build(population, lms, channels)
        channel = get_channel(configuration.channel_code)
        for _ in range(2):
            transmitter = channel.build_transmitter(configuration)
            transmitter.batch_size = population['batch_size']
            summary = transmitter.transmit(channel.build_exporter('worker', configuration))
            outcomes.append(outcome(configuration, population, channels, summary))
            channels.failures.clear()
            channels.received.clear()
        transaction.set_rollback(True)
    return outcomes


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=population_strategy)
def test_concurrent_sends_give_what_one_at_a_time_gives(db, population):
    with time_machine.travel(NOW, tick=False):
        one_at_a_time = run_twice(population, concurrency=1)
        concurrent = run_twice(population, concurrency=population['concurrency'])
    assert concurrent == one_at_a_time
