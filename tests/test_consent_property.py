"""
Consent is the law (SPEC 3), as a property over random populations: no record is exported, and
nothing is sent, for a learner who is inactive, unlinked, without granted consent, or in an
audit enrollment of a customer that does not report audit enrollments; everyone else who
passed is exported and sent.
"""

import datetime

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.db import transaction
from edx_django_utils.cache import TieredCache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from enterprise_export.channels import CHANNELS
from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.models import LearnerDataTransmissionAudit, get_customer_user_model
from test_utils.consent import add_consent
from test_utils.factories import DegreedConfigurationFactory, EnterpriseCourseEnrollmentFactory, UserFactory
from test_utils.fake_channels import FakeChannels
from test_utils.fake_lms import FakeLms

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
RUNS = ['course-v1:Org+C0+2026', 'course-v1:Org+C1+2026']
AUDIT_MODES = ('audit', 'honor')  # the default ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES

learner_strategy = st.fixed_dictionaries({
    'run': st.integers(0, len(RUNS) - 1),
    'active': st.booleans(),
    'linked': st.booleans(),
    'consent': st.sampled_from(['run', 'course_key', 'refused', 'undecided', 'none', 'refused_run_key_granted']),
    'mode': st.sampled_from(['verified', 'professional', 'audit', 'honor', None]),
})
population_strategy = st.fixed_dictionaries({
    'learners': st.lists(learner_strategy, min_size=1, max_size=16),
    'enable_audit_enrollment': st.booleans(),
    'enable_audit_data_reporting': st.booleans(),
    'chunk_size': st.integers(1, 5),
})


def allowed(learner, population):
    """What the rules say, written from SPEC 3 independently of the exporter."""
    consent = learner['consent'] in ('run', 'course_key')  # a run row wins over the course key's
    reports_audit = population['enable_audit_enrollment'] and population['enable_audit_data_reporting']
    audit_excluded = learner['mode'] in AUDIT_MODES and not reports_audit
    return learner['active'] and learner['linked'] and consent and not audit_excluded


def build(population, lms):
    configuration = DegreedConfigurationFactory(
        enterprise_customer__enable_audit_enrollment=population['enable_audit_enrollment'],
        enterprise_customer__enable_audit_data_reporting=population['enable_audit_data_reporting'],
        transmission_chunk_size=population['chunk_size'])
    customer = configuration.enterprise_customer
    for course_id in RUNS:
        lms.add_course(course_id, pacing='self', end='2026-03-01T00:00:00Z')
    expected = {}
    for learner in population['learners']:
        user = UserFactory()
        course_id = RUNS[learner['run']]
        customer_user = get_customer_user_model().all_objects.create(
            enterprise_customer=customer, user_id=user.pk, active=learner['active'], linked=learner['linked'])
        enrollment = EnterpriseCourseEnrollmentFactory(enterprise_customer_user=customer_user, course_id=course_id)
        add_consent(customer, user.username, course_id, learner['consent'])
        if learner['mode'] is not None:
            lms.add_enrollment(user.username, course_id, mode=learner['mode'])
        lms.add_certificate(user.username, course_id, is_passing=True)
        lms.add_grade(user.username, course_id, True, 0.9)
        expected[enrollment.pk] = (user.email, allowed(learner, population))
    return configuration, expected


@hypothesis_settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=population_strategy)
def test_no_record_and_nothing_sent_for_anyone_the_rules_exclude(population):
    cache.clear()
    TieredCache.dangerous_clear_all_tiers()
    with transaction.atomic(), time_machine.travel(NOW, tick=False), \
            responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        lms = FakeLms(mock)
        channels = FakeChannels(mock)
        configuration, expected = build(population, lms)
        included = {enrollment_id for enrollment_id, (_, is_allowed) in expected.items() if is_allowed}

        records = LearnerExporter('worker', configuration).export(TransmissionAudit=LearnerDataTransmissionAudit)
        assert {record.enterprise_course_enrollment_id for record in records} == included

        channel = CHANNELS['DEGREED']
        channel.build_transmitter(configuration).transmit(channel.build_exporter('worker', configuration))
        sent = {item['email'] for payload in channels.received['DEGREED'] for item in payload['completions']}
        assert sent == {email for email, is_allowed in expected.values() if is_allowed}
        transaction.set_rollback(True)
