"""LMS answers from the REST APIs: per-learner calls or bulk listings, course details once per run, the token first."""

import pytest

from enterprise_export.clients.exceptions import HttpServerError
from enterprise_export.lms import build_lms_answers
from enterprise_export.lms.answers import Learner, LmsAnswers, NoCourseGrade, Question, RunLearners
from enterprise_export.lms.api import ApiAnswers
from enterprise_export.outcomes import LmsCredentialsRefusedError
from enterprise_export.workers import Workers
from test_utils.fake_lms import Failure

RUN = 'course-v1:edX+DemoX+Demo_2026'
AUDIT_MODES = frozenset({'audit', 'honor'})
ADA, BOB, CY = Learner(1, 11, 'ada'), Learner(2, 12, 'bob'), Learner(3, 13, 'cy')


@pytest.fixture(autouse=True)
def no_retries(settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0


def run_answers(question=None, learners=(ADA,), concurrency=1, source=None):
    """What the source says about ``learners`` of ``RUN`` in one chunk."""
    source = source or ApiAnswers('worker')
    with Workers(concurrency) as workers:
        [future] = source.inquiry(question or Question(), workers).ask([RunLearners(RUN, tuple(learners))], AUDIT_MODES)
        return future.result(timeout=10)


def test_the_api_source_is_the_rest_apis(settings):
    settings.ENTERPRISE_EXPORT_LMS_SOURCE = 'api'
    source = build_lms_answers('worker')
    assert isinstance(source, ApiAnswers) and isinstance(source, LmsAnswers)


def test_each_learner_is_asked_about_in_the_rest_apis_shapes(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 0
    lms.add_course(RUN, pacing='instructor', end='2026-03-31T00:00:00Z', effort='5:30')
    lms.learner('ada', RUN, mode='audit', passed=True, percent=0.8, certificate={'is_passing': True, 'grade': '0.8'})
    lms.add_gradebook('ada', RUN, [{'attempted': True, 'module_id': 'block-1', 'percent': 0.5}])
    lms.remote_ids[('saml-acme', 'ada')] = 'SAP-0042'
    answers = run_answers(Question(identity_provider='saml-acme', subsection_grades=True), [ADA, BOB])
    assert answers.details['effort'] == '5:30'
    assert answers.mode(ADA) == 'audit'
    assert answers.course_grade(ADA)['passed'] is True
    assert answers.certificate(ADA)['grade'] == '0.8'
    assert answers.subsection_grades(ADA) == [{'attempted': True, 'module_id': 'block-1', 'percent': 0.5}]
    assert answers.remote_id(ADA) == 'SAP-0042'
    # what the LMS does not know of
    assert answers.mode(BOB) is None
    assert answers.course_grade(BOB) == NoCourseGrade(NoCourseGrade.NOT_ENROLLED)
    assert answers.certificate(BOB) is None
    assert answers.subsection_grades(BOB) is None
    assert answers.remote_id(BOB) is None
    assert (lms.calls['course'], lms.calls['enrollments'], lms.calls['enrollment']) == (1, 0, 2)


def test_a_404_of_the_grades_api_other_than_not_enrolled_says_what_it_was(lms):
    lms.add_course(RUN)
    lms.grades[('ada', RUN)] = Failure(404, '')
    missing = run_answers().course_grade(ADA)
    assert missing.kind == NoCourseGrade.NOT_FOUND and '404' in missing.detail


def test_a_failure_is_raised_to_the_reader_as_one_of_the_sources_failure_types(lms):
    lms.add_course(RUN)
    lms.certificates[('ada', RUN)] = Failure(500, 'boom')
    source = ApiAnswers('worker')
    with pytest.raises(source.failure_types) as raised:
        run_answers(source=source).certificate(ADA)
    assert '500' in source.failure_reason(raised.value)


def test_a_run_with_enough_learners_is_read_from_its_listings(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 3
    lms.add_course(RUN, pacing='self')
    lms.learner('ada', RUN, passed=True)
    lms.learner('bob', RUN, mode='honor')  # enrolled, no grade row in the listing
    answers = run_answers(learners=[ADA, BOB, CY])
    assert [answers.mode(learner) for learner in (ADA, BOB, CY)] == ['verified', 'honor', None]
    assert answers.course_grade(ADA)['passed'] is True
    assert answers.course_grade(BOB) == NoCourseGrade(NoCourseGrade.NOT_LISTED)
    assert (lms.calls['enrollments'], lms.calls['grades'], lms.calls['enrollment']) == (1, 1, 0)


def test_a_run_with_fewer_learners_is_not_listed(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 3
    lms.add_course(RUN, pacing='self')
    lms.learner('ada', RUN, passed=True)
    answers = run_answers(learners=[ADA, BOB])
    assert answers.mode(ADA) == 'verified' and answers.course_grade(ADA)['passed'] is True
    assert (lms.calls['enrollments'], lms.calls['grades'], lms.calls['enrollment']) == (0, 1, 1)


def test_no_grade_listing_when_every_learner_is_read_from_the_certificate(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 1
    lms.add_course(RUN, pacing='instructor')
    lms.learner('ada', RUN, certificate={'is_passing': True})
    lms.learner('bob', RUN, mode='audit')

    def certificate_path(details, mode, audit_modes):
        return details['pacing'] == 'instructor' and mode not in audit_modes

    run_answers(Question(certificate_path=certificate_path), [ADA])
    assert lms.calls['grades'] == 0
    run_answers(Question(certificate_path=certificate_path), [ADA, BOB])  # bob is read from his grade
    assert lms.calls['grades'] == 1


def test_a_question_without_course_grades_lists_no_grades(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 1
    lms.add_course(RUN, pacing='self')
    lms.learner('ada', RUN, passed=True)
    answers = run_answers(Question(course_grades=False, certificates=False, subsection_grades=True))
    assert answers.mode(ADA) == 'verified'
    assert (lms.calls['enrollments'], lms.calls['grades']) == (1, 0)


def test_a_question_without_course_details_asks_none(lms):
    answers = run_answers(Question(course_details=False, course_grades=False, certificates=False))
    assert answers.details is None and lms.calls['course'] == 0


def test_course_details_are_asked_once_per_run_and_a_failure_again(lms):
    source = ApiAnswers('worker')
    lms.courses[RUN] = Failure(502, 'bad gateway')
    with Workers(1) as workers:
        inquiry = source.inquiry(Question(), workers)
        [first] = inquiry.ask([RunLearners(RUN, (ADA,))], AUDIT_MODES)
        assert isinstance(first.result().details, HttpServerError)
        lms.add_course(RUN, pacing='self')
        for _ in range(3):  # the next chunks with the run
            [later] = inquiry.ask([RunLearners(RUN, (BOB,))], AUDIT_MODES)
            assert later.result().details['pacing'] == 'self'
    assert source.course_details(RUN)['pacing'] == 'self'  # and for the source's life, outside an export
    with Workers(1) as workers:
        [again] = source.inquiry(Question(), workers).ask([RunLearners(RUN, (CY,))], AUDIT_MODES)
        assert again.result().details['pacing'] == 'self'
    assert lms.calls['course'] == 2


def test_with_workers_the_token_is_fetched_once_before_the_fan_out(lms, settings):
    settings.ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS = 0
    runs = [f'course-v1:edX+Run{index}+2026' for index in range(3)]
    learners = [Learner(index, index, f'learner-{index}') for index in range(30)]
    for course_id in runs:
        lms.add_course(course_id, pacing='self')
        for learner in learners:
            lms.learner(learner.username, course_id, passed=True)
    source = ApiAnswers('worker')
    with Workers(8) as workers:
        futures = source.inquiry(Question(), workers).ask(
            [RunLearners(course_id, tuple(learners)) for course_id in runs], AUDIT_MODES)
        assert lms.calls['token'] == 1
        modes = [workers.submit(answers.result().mode, learner) for answers in futures for learner in learners]
        assert {mode.result(timeout=10) for mode in modes} == {'verified'}
    assert lms.calls['token'] == 1 and lms.calls['enrollment'] == 90


def test_refused_credentials_stop_the_run_before_the_fan_out(lms, settings):
    settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'not-the-secret'
    with Workers(4) as workers, pytest.raises(LmsCredentialsRefusedError):
        ApiAnswers('worker').inquiry(Question(), workers).ask([RunLearners(RUN, (ADA,))], AUDIT_MODES)
    assert lms.calls['course'] == 0


def test_one_learner_asked_now(lms):
    lms.add_course(RUN, pacing='self')
    lms.learner('ada', RUN, mode='honor')
    lms.remote_ids[('saml-acme', 'ada')] = 'SAP-0042'
    source = ApiAnswers('worker')
    assert source.enrollment_mode(RUN, ADA) == 'honor'
    assert source.enrollment_mode(RUN, BOB) is None
    assert source.remote_id('saml-acme', ADA) == 'SAP-0042'
    assert source.course_details(RUN) == source.course_details(RUN) and lms.calls['course'] == 1
