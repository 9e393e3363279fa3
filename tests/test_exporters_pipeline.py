"""
The chunk pipeline on its own: its collaborators given to it (a source of LMS answers, the
customer, the question, the tally, the chunk hooks), no exporter and no HTTP.
"""

import logging
import threading
from concurrent.futures import Future

import pytest

from enterprise_export.exporters.accounts import with_learner_accounts
from enterprise_export.exporters.chunks import enrollment_chunks
from enterprise_export.exporters.pipeline import ChunkPipeline
from enterprise_export.lms.answers import Inquiry, LmsAnswers, Question, RunAnswers
from enterprise_export.models import get_enrollment_model
from enterprise_export.outcomes import LmsFailures, RunAbortedError
from test_utils.factories import EnterpriseCourseEnrollmentFactory, EnterpriseCustomerUserFactory, consenting_enrollment

pytestmark = pytest.mark.django_db
RUNS = ['course-v1:Org+A+2026', 'course-v1:Org+B+2026', 'course-v1:Org+C+2026']


class UnansweredError(Exception):
    """What the fake source raises when it cannot tell."""


class FatalError(RunAbortedError):
    pass


class FakeAnswers(LmsAnswers):
    """Modes by username; course details by run (an exception: the source failed). Answers are ready when asked."""

    failure_types = (UnansweredError,)

    def __init__(self, details, modes):
        self.details, self.modes = details, modes
        self.asked = []  # (thread, [(course_id, usernames)]) per chunk

    def inquiry(self, question, workers):
        return FakeInquiry(self)

    def course_details(self, course_id):
        return self.details.get(course_id)

    def enrollment_mode(self, course_id, learner):
        return self.modes.get(learner.username)

    def remote_id(self, identity_provider, learner):
        return None

    def failure_reason(self, error):
        return f'fake {type(error).__name__}'

    def raise_if_fatal(self, error):
        if isinstance(error.__cause__, FatalError):
            raise error.__cause__


class FakeInquiry(Inquiry):

    def __init__(self, source):
        self.source = source

    def ask(self, runs, audit_modes):
        self.source.asked.append((threading.current_thread(), [
            (run.course_id, [learner.username for learner in run.learners]) for run in runs]))
        futures = []
        for run in runs:
            future = Future()
            future.set_result(FakeRunAnswers(self.source, run.course_id))
            futures.append(future)
        return futures


class FakeRunAnswers(RunAnswers):

    def __init__(self, source, course_id):
        super().__init__(course_id, source.details.get(course_id))
        self.source = source

    def mode(self, learner):
        mode = self.source.modes.get(learner.username)
        if isinstance(mode, Exception):
            raise mode
        return mode

    def course_grade(self, learner):
        raise NotImplementedError

    def certificate(self, learner):
        raise NotImplementedError

    def subsection_grades(self, learner):
        raise NotImplementedError

    def remote_id(self, learner):
        raise NotImplementedError


def population(customer):
    """Two consenting learners in each run, and one without consent in the first."""
    enrollments = [consenting_enrollment(customer, course_id) for course_id in RUNS for _ in range(2)]
    learner = EnterpriseCustomerUserFactory(enterprise_customer=customer)
    EnterpriseCourseEnrollmentFactory(enterprise_customer_user=learner, course_id=RUNS[0])
    return enrollments


def chunks(size):
    enrollments = with_learner_accounts(get_enrollment_model()._default_manager.all())
    return enrollment_chunks(enrollments, size)


def username(enrollment):
    return enrollment.enterprise_customer_user.username


def pipeline(source, customer, question=None, **hooks):
    return ChunkPipeline(source, customer=customer, question=question or Question(), tally=LmsFailures(), **hooks)


@pytest.mark.parametrize('concurrency', [1, 4])
def test_the_answers_of_consenting_enrollments_come_in_order(customer, settings, concurrency):
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = concurrency
    enrollments = population(customer)
    source = FakeAnswers({course_id: {'pacing': 'self'} for course_id in RUNS},
                         {username(enrollment): 'verified' for enrollment in enrollments})
    source.modes[username(enrollments[1])] = None  # work answers None: nothing for it
    answers = list(pipeline(source, customer).answers(chunks(4), lambda run: run.mode()))
    assert answers == [(enrollment, 'verified') for enrollment in enrollments if enrollment != enrollments[1]]
    # asked chunk by chunk in the exporting thread, consenting learners only, run by run
    assert [runs for _, runs in source.asked] == [
        [(RUNS[0], [username(enrollments[0]), username(enrollments[1])]), (RUNS[1], [username(enrollments[2])])],
        [(RUNS[1], [username(enrollments[3])]), (RUNS[2], [username(enrollments[4]), username(enrollments[5])])],
    ]
    assert {thread for thread, _ in source.asked} == {threading.current_thread()}


def test_work_runs_in_the_workers_and_the_hooks_in_the_exporting_thread(customer, settings):
    settings.ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS = 4
    enrollments = population(customer)
    source = FakeAnswers({course_id: {} for course_id in RUNS}, {})
    calls = []
    answers = list(pipeline(
        source, customer,
        prepare_chunk=lambda chunk: calls.append(('prepare', len(chunk), threading.current_thread())),
        finish_chunk=lambda chunk: calls.append(('finish', len(chunk), threading.current_thread())),
    ).answers(chunks(7), lambda run: threading.current_thread()))
    assert [enrollment for enrollment, _ in answers] == enrollments
    assert threading.current_thread() not in {thread for _, thread in answers}
    assert calls == [('prepare', 7, threading.current_thread()), ('finish', 7, threading.current_thread())]


def test_a_run_without_course_details_is_left_out_and_a_failure_counted(customer, caplog):
    enrollments = population(customer)
    source = FakeAnswers({RUNS[0]: None, RUNS[1]: UnansweredError('down'), RUNS[2]: {'pacing': 'self'}}, {})
    chunk_pipeline = pipeline(source, customer)
    with caplog.at_level(logging.ERROR):
        answers = list(chunk_pipeline.answers(chunks(500), lambda run: run.course_id))
    assert answers == [(enrollment, RUNS[2]) for enrollment in enrollments[4:]]
    assert chunk_pipeline.tally.failed == 2  # the learners of the run whose details failed
    messages = [record.getMessage() for record in caplog.records]
    assert sum('has no details' in message for message in messages) == 2
    assert sum('fake UnansweredError' in message for message in messages) == 2


def test_a_question_without_course_details_leaves_no_run_out(customer):
    enrollments = population(customer)
    source = FakeAnswers({}, {})
    question = Question(course_details=False, course_grades=False, certificates=False, subsection_grades=True)
    answers = list(pipeline(source, customer, question).answers(chunks(500), lambda run: run.course_id))
    assert [enrollment for enrollment, _ in answers] == enrollments


def test_what_the_source_cannot_tell_skips_only_that_enrollment(customer, caplog):
    enrollments = population(customer)
    source = FakeAnswers({course_id: {} for course_id in RUNS},
                         {username(enrollment): 'verified' for enrollment in enrollments})
    source.modes[username(enrollments[2])] = UnansweredError('timeout')
    chunk_pipeline = pipeline(source, customer)
    answers = list(chunk_pipeline.answers(chunks(500), lambda run: run.mode()))
    assert [enrollment for enrollment, _ in answers] == enrollments[:2] + enrollments[3:]
    assert (chunk_pipeline.tally.failed, chunk_pipeline.tally.answered) == (1, True)
    assert any(f'Skipped enrollment {enrollments[2].id}' in record.getMessage() for record in caplog.records)


def test_a_failure_the_source_calls_fatal_stops_the_export(customer):
    enrollments = population(customer)
    source = FakeAnswers({course_id: {} for course_id in RUNS}, {})
    refused = UnansweredError('refused')
    refused.__cause__ = FatalError('credentials refused')
    source.modes[username(enrollments[3])] = refused
    answers = pipeline(source, customer).answers(chunks(500), lambda run: run.mode())
    with pytest.raises(FatalError):
        list(answers)


def test_other_errors_are_not_taken_for_lms_failures(customer):
    population(customer)
    source = FakeAnswers({course_id: {} for course_id in RUNS}, {})
    with pytest.raises(NotImplementedError):
        list(pipeline(source, customer).answers(chunks(500), lambda run: run.certificate()))
