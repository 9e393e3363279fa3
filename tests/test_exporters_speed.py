"""
The fast path (chunks, concurrent LMS calls, bulk listings) against the reference path (one
call after another, no listings), and against a source that reads the LMS's data in bulk in the
exporting thread: same records in the same order, and queries per chunk, not per enrollment.
"""

import datetime
import gc
import threading
from concurrent.futures import Future

import pytest
import responses
import time_machine
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.exporters.pipeline import MIN_CHUNKS_AHEAD
from enterprise_export.lms.answers import Inquiry, LmsAnswers, NoCourseGrade, RunAnswers
from enterprise_export.models import LearnerDataTransmissionAudit, get_customer_user_model
from test_utils.consent import add_consent
from test_utils.factories import (
    EnterpriseCourseEnrollmentFactory,
    EnterpriseCustomerFactory,
    UserFactory,
    bulk_enrollments,
)
from test_utils.fake_lms import Failure, FakeLms

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
RUNS = [f'course-v1:Org+C{index}+2026' for index in range(4)]
REFERENCE = {'ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS': 1, 'ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS': 0}

run_strategy = st.fixed_dictionaries({
    'known': st.sampled_from([True, True, True, False]),
    'pacing': st.sampled_from(['self', 'instructor']),
    'end': st.sampled_from([None, '2026-03-01T00:00:00Z', '2026-12-01T00:00:00Z', '2026-05-31T23:59:59']),
})
learner_strategy = st.fixed_dictionaries({
    'run': st.integers(0, len(RUNS) - 1),
    'mode': st.sampled_from(['verified', 'audit', 'honor', 'professional', None]),
    'consent': st.sampled_from(['run', 'run', 'run', 'course_key', 'refused', 'undecided', 'none',
                                'refused_run_key_granted']),
    'grade': st.none() | st.tuples(st.booleans(), st.floats(0, 1)),
    'certificate': st.none() | st.fixed_dictionaries({
        'is_passing': st.booleans(),
        'created_date': st.sampled_from([None, '2026-04-02T10:00:00Z', '2026-04-02T10:00:00']),
        'grade': st.sampled_from(['0.0', '0.5', '0.91']),
    }),
    'learner': st.sampled_from([{}] * 6 + [{'active': False}, {'linked': False}]),
})
population_strategy = st.fixed_dictionaries({
    'runs': st.lists(run_strategy, min_size=len(RUNS), max_size=len(RUNS)),
    'learners': st.lists(learner_strategy, min_size=6, max_size=40),
    'audit_reporting': st.booleans(),
    'chunk_size': st.integers(1, 5),  # several chunks, some runs spanning chunks
    'transmitted_grade': st.sampled_from([None, 'Pass']),
    # the fast path: every run listed, some runs listed, or none (concurrency alone)
    'fast': st.fixed_dictionaries({
        'ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS': st.sampled_from([2, 8, 32]),
        'ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS': st.sampled_from([1, 3, 0]),
    }),
})


def build(population, lms):
    customer = EnterpriseCustomerFactory(enable_audit_enrollment=population['audit_reporting'],
                                         enable_audit_data_reporting=population['audit_reporting'])
    for course_id, run in zip(RUNS, population['runs'], strict=True):
        if run['known']:
            lms.add_course(course_id, pacing=run['pacing'], end=run['end'])
    for index, learner in enumerate(population['learners']):
        course_id = RUNS[learner['run']]
        user = UserFactory()
        customer_user = get_customer_user_model().all_objects.create(
            enterprise_customer=customer, user_id=user.pk, **learner['learner'])
        enrollment = EnterpriseCourseEnrollmentFactory(enterprise_customer_user=customer_user, course_id=course_id)
        add_consent(customer, user.username, course_id, learner['consent'])
        if learner['mode'] is not None:
            lms.add_enrollment(user.username, course_id, mode=learner['mode'])
        if learner['grade'] is not None:
            lms.add_grade(user.username, course_id, *learner['grade'])
        if learner['certificate'] is not None:
            lms.add_certificate(user.username, course_id, **learner['certificate'])
        if index % 3 == 0:
            LearnerDataTransmissionAudit.objects.create(
                enterprise_course_enrollment_id=enrollment.id, course_id=course_id, grade='Pass', status=200)
    return customer


def field_tuples(records):
    return [(record.enterprise_course_enrollment_id, record.course_id, record.subsection_id,
             record.course_completed, record.completed_timestamp, record.grade) for record in records]


def export(configuration, path, transmitted_grade, lms=None):
    with override_settings(**path):
        exporter = LearnerExporter('worker', configuration, lms=lms)
        return field_tuples(exporter.export(TransmissionAudit=LearnerDataTransmissionAudit, grade=transmitted_grade))


class StandInAnswers(LmsAnswers):
    """
    LMS answers read straight from the stand-in's data, a chunk's runs at once, in the exporting
    thread, as a source reading the LMS's own tables does (SPEC 18): the answers are the REST
    APIs' for the same data, every future is done when handed out, and no HTTP call is made.
    """

    failure_types = (LookupError,)

    def __init__(self, lms):
        self.lms = lms
        self.asked_in = set()  # the threads that asked

    def inquiry(self, question, workers):
        return StandInInquiry(self)

    def course_details(self, course_id):
        return self.lms.courses.get(course_id)

    def enrollment_mode(self, course_id, learner):
        return (self.lms.enrollments.get((learner.username, course_id)) or {}).get('mode')

    def remote_id(self, identity_provider, learner):
        return self.lms.remote_ids.get((identity_provider, learner.username))


class StandInInquiry(Inquiry):

    def __init__(self, source):
        self.source = source

    def ask(self, runs, audit_modes):
        self.source.asked_in.add(threading.current_thread())
        futures = []
        for run in runs:
            future = Future()
            future.set_result(StandInRunAnswers(self.source, run))
            futures.append(future)
        return futures


class StandInRunAnswers(RunAnswers):
    """One run's rows, read for its learners when asked (the reading a query would do)."""

    def __init__(self, source, run):
        super().__init__(run.course_id, source.course_details(run.course_id))
        lms, keys = source.lms, {learner.username: (learner.username, run.course_id) for learner in run.learners}
        self.modes = {username: lms.enrollments[key]['mode'] for username, key in keys.items()
                      if key in lms.enrollments}
        self.grades = {username: lms.grades[key] for username, key in keys.items() if key in lms.grades}
        self.certificates = {username: lms.certificates[key] for username, key in keys.items()
                             if key in lms.certificates}

    def mode(self, learner):
        return self.modes.get(learner.username)

    def course_grade(self, learner):
        return self.grades.get(learner.username) or NoCourseGrade(NoCourseGrade.NOT_ENROLLED)

    def certificate(self, learner):
        return self.certificates.get(learner.username)

    def subsection_grades(self, learner):
        return None

    def remote_id(self, learner):
        return None


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=population_strategy)
def test_fast_and_reference_paths_yield_the_same_records(population):
    assume(len({learner['run'] for learner in population['learners']}) >= 2)
    with transaction.atomic(), time_machine.travel(NOW, tick=False), \
            responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        lms = FakeLms(mock)
        customer = build(population, lms)
        configuration = type('Configuration', (), {
            'enterprise_customer': customer, 'transmission_chunk_size': population['chunk_size'], 'id': 1})()
        reference = export(configuration, REFERENCE, population['transmitted_grade'])
        reference_calls = dict(lms.calls)
        fast = export(configuration, population['fast'], population['transmitted_grade'])
        assert fast == reference
        # the reference path never lists; the fast path asks at most as often per learner
        assert reference_calls.get('enrollments', 0) == 0
        # the same decisions on answers read in bulk from the LMS's data, without a call
        calls, source = dict(lms.calls), StandInAnswers(lms)
        assert export(configuration, population['fast'], population['transmitted_grade'], lms=source) == reference
        assert dict(lms.calls) == calls and source.asked_in <= {threading.current_thread()}
        transaction.set_rollback(True)


class TestQueries:

    def export_with_queries(self, size, lms, django_assert_max_num_queries, constant):
        customer = EnterpriseCustomerFactory()
        for course_id in RUNS:
            lms.add_course(course_id, pacing='self', end='2026-03-01T00:00:00Z')
        for username, course_id in bulk_enrollments(customer, size, RUNS):
            lms.learner(username, course_id, passed=True)
        configuration = type('Configuration', (), {
            'enterprise_customer': customer, 'transmission_chunk_size': 500, 'id': 1})()
        with django_assert_max_num_queries(constant):
            records = list(LearnerExporter('worker', configuration).export(
                TransmissionAudit=LearnerDataTransmissionAudit))
        assert len(records) == size

    @pytest.mark.parametrize('size', [50, 500])
    def test_the_same_queries_for_50_and_500_enrollments(self, size, lms, django_assert_max_num_queries):
        # The list of runs, one page per run (4 runs, each row with its learner's username and
        # email), then earlier transmissions and consent for the chunk: 7; at 500 the chunk is
        # full and one more page finds the run's end.
        self.export_with_queries(size, lms, django_assert_max_num_queries, constant=8)


def test_bulk_listings_replace_per_learner_calls(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 20
    customer = EnterpriseCustomerFactory()
    lms.add_course(RUNS[0], pacing='self', end='2026-03-01T00:00:00Z')
    lms.add_course(RUNS[1], pacing='instructor', end='2026-03-01T00:00:00Z')
    placed = bulk_enrollments(customer, 60, RUNS[:2] + [RUNS[0]])  # 40 self-paced, 20 instructor-paced
    for username, course_id in placed:
        lms.learner(username, course_id, passed=True, certificate={'is_passing': True})
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 500,
                                                'id': 1})()
    with time_machine.travel(NOW, tick=False):
        records = list(LearnerExporter('worker', configuration).export())
    assert len(records) == 60
    assert lms.calls['enrollment'] == 0 and lms.calls['enrollments'] == 2
    assert lms.calls['grades'] == 1  # the self-paced run's listing; the instructor-paced run needs none
    assert lms.calls['certificate'] == 20


def test_a_failed_listing_falls_back_to_per_learner_calls(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 5
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    customer = EnterpriseCustomerFactory()
    lms.add_course(RUNS[0], pacing='self', end='2026-03-01T00:00:00Z')
    for username, course_id in bulk_enrollments(customer, 10, RUNS[:1]):
        lms.learner(username, course_id, passed=True)
    lms._serve_enrollments = lambda request: Failure(503, 'listing unavailable')
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 500,
                                                'id': 1})()
    with time_machine.travel(NOW, tick=False):
        records = list(LearnerExporter('worker', configuration).export())
    assert [record.grade for record in records] == ['Pass'] * 10
    assert lms.calls['enrollment'] == 10


def test_the_next_runs_are_asked_about_before_the_first_record(lms, settings):
    """No barrier between chunks: the course details of the runs queued ahead are asked already."""
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = 1  # the tasks run as they are queued
    runs = [f'course-v1:Org+Ahead{index}+2026' for index in range(MIN_CHUNKS_AHEAD + 3)]
    customer = EnterpriseCustomerFactory()
    for course_id in runs:
        lms.add_course(course_id, pacing='self', end='2026-03-01T00:00:00Z')
    for username, course_id in bulk_enrollments(customer, len(runs), runs):
        lms.learner(username, course_id, passed=True)
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 1,
                                                'id': 1})()
    with time_machine.travel(NOW, tick=False):
        records = LearnerExporter('worker', configuration).export()
        first = next(records)
        assert lms.calls['course'] == 1 + MIN_CHUNKS_AHEAD  # this chunk's run and those of the chunks ahead
        assert [first.course_id] + [record.course_id for record in records] == sorted(runs)
    assert lms.calls['course'] == len(runs)


def certificate_population(lms, size):
    """``size`` learners of one instructor-paced run, each with a certificate, read in chunks of 5."""
    customer = EnterpriseCustomerFactory()
    lms.add_course(RUNS[0], pacing='instructor', end='2026-03-01T00:00:00Z')
    for username, course_id in bulk_enrollments(customer, size, RUNS[:1]):
        lms.learner(username, course_id, certificate={'is_passing': True})
    return type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 5, 'id': 1})()


def test_an_export_left_early_stops_its_workers(lms, settings):
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = 4
    records = LearnerExporter('worker', certificate_population(lms, 40)).export()
    next(records)
    records.close()
    asked = lms.calls['certificate']
    assert not [thread for thread in threading.enumerate() if thread.name.startswith('enterprise-export')]
    assert asked < 40 and lms.calls['certificate'] == asked


class FreezeNotingExporter(LearnerExporter):
    """Notes, in each enrollment's worker task, how many objects the garbage collector leaves alone."""

    def __init__(self, *args):
        super().__init__(*args)
        self.frozen_while_asking = []

    def fetch_learner_facts(self, run):
        self.frozen_while_asking.append(gc.get_freeze_count())


# Python 3.12 starts with a few hundred of its own objects frozen; 3.11 and 3.13 with none.
def test_full_collections_leave_what_came_before_the_export_alone_until_it_ends(lms, settings):
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = 4
    exporter = FreezeNotingExporter('worker', certificate_population(lms, 12))
    before = gc.get_freeze_count()
    assert len(list(exporter.export())) == 12
    assert len(exporter.frozen_while_asking) == 12 and min(exporter.frozen_while_asking) > before + 1000
    assert gc.get_freeze_count() <= before


def test_an_export_left_early_hands_the_objects_back_to_the_collector(lms, settings):
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = 4
    records = FreezeNotingExporter('worker', certificate_population(lms, 12)).export()
    before = gc.get_freeze_count()
    next(records)
    assert gc.get_freeze_count() > before + 1000
    records.close()
    assert gc.get_freeze_count() <= before


def test_objects_frozen_by_someone_else_stay_frozen(lms, settings):
    """A server that froze its objects before forking (for copy-on-write) keeps them frozen."""
    exporter = FreezeNotingExporter('worker', certificate_population(lms, 3))
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert len(list(exporter.export())) == 3
        # not frozen again (that would add the export's own objects), nor given back (0)
        assert 0 < min(exporter.frozen_while_asking) and max(exporter.frozen_while_asking) <= frozen
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
