"""The database source (SPEC 18): each rule on rows of the LMS's tables, in bulk, without HTTP."""

import datetime

import pytest
import responses
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from demo.lms import models as tables
from demo.lms.rows import serve_rows
from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.exporters.sap_success_factors import SapSuccessFactorsLearnerExporter
from enterprise_export.lms import build_lms_answers
from enterprise_export.lms.answers import Learner, NoCourseGrade, Question, RunLearners
from enterprise_export.lms.database import DatabaseAnswers, social_auth_filter
from enterprise_export.models import get_consent_model, get_customer_user_model
from test_utils.factories import (
    EnterpriseCourseEnrollmentFactory,
    EnterpriseCustomerFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.fake_lms import FakeLms

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
RUN = 'course-v1:edX+DemoX+Demo_2026'
OTHER_RUN = 'course-v1:edX+Other+2026'
END = datetime.datetime(2026, 3, 31, 17, 45, tzinfo=UTC)


def learner(enrollment_id=1, user=None):
    user = user or UserFactory()
    return Learner(enrollment_id, user.pk, user.username)


def answers(runs, question=None, source=None):
    source = source or DatabaseAnswers()
    futures = source.inquiry(question or Question(identity_provider='saml-acme'), workers=None).ask(
        [RunLearners(course_id, tuple(learners)) for course_id, learners in runs], frozenset({'audit', 'honor'}))
    assert all(future.done() for future in futures)  # read in the exporting thread: workers only read them
    return [future.result() for future in futures]


def test_course_details_from_the_overview_and_none_for_an_unknown_run():
    tables.CourseOverview.objects.create(id=RUN, self_paced=False, end=END, effort='5:30')
    tables.CourseOverview.objects.create(id=OTHER_RUN, self_paced=True)
    known, other, unknown = answers([(RUN, [learner()]), (OTHER_RUN, [learner(2)]), ('course-v1:x+y+z', [learner(3)])])
    assert (known.details['pacing'], known.details['end'], known.details['effort']) == ('instructor', END, '5:30')
    assert (other.details['pacing'], other.details['end']) == ('self', None)
    assert unknown.details is None


def test_mode_from_the_enrollment_row_active_or_not_and_none_without_one():
    tables.CourseOverview.objects.create(id=RUN)
    audit, inactive, absent = learner(1), learner(2), learner(3)
    tables.CourseEnrollment.objects.create(user_id=audit.user_id, course_id=RUN, mode='audit')
    tables.CourseEnrollment.objects.create(user_id=inactive.user_id, course_id=RUN, mode='verified', is_active=False)
    [run] = answers([(RUN, [audit, inactive, absent])])
    assert [run.mode(each) for each in (audit, inactive, absent)] == ['audit', 'verified', None]


def test_course_grade_passed_is_a_letter_grade_and_enrolled_without_a_row_is_a_zero_grade():
    tables.CourseOverview.objects.create(id=RUN)
    passed, failed, null_letter, ungraded, not_enrolled = (learner(index) for index in range(1, 6))
    for each in (passed, failed, null_letter, ungraded):
        tables.CourseEnrollment.objects.create(user_id=each.user_id, course_id=RUN, mode='verified',
                                               is_active=each is not failed)
    tables.PersistentCourseGrade.objects.create(user_id=passed.user_id, course_id=RUN, percent_grade=0.82,
                                                letter_grade='Pass')
    tables.PersistentCourseGrade.objects.create(user_id=failed.user_id, course_id=RUN, percent_grade=0.4,
                                                letter_grade='')
    tables.PersistentCourseGrade.objects.create(user_id=null_letter.user_id, course_id=RUN, percent_grade=0.5,
                                                letter_grade=None)
    # A grade row without an enrollment row: the Grades API says "not enrolled" whatever it holds.
    tables.PersistentCourseGrade.objects.create(user_id=not_enrolled.user_id, course_id=RUN, percent_grade=1.0,
                                                letter_grade='A')
    [run] = answers([(RUN, [passed, failed, null_letter, ungraded, not_enrolled])])
    assert [(grade['passed'], grade['percent']) for grade in map(run.course_grade, (passed, failed, null_letter,
                                                                                      ungraded))] == [
        (True, 0.82), (False, 0.4), (False, 0.5), (False, 0.0)]
    assert run.course_grade(not_enrolled) == NoCourseGrade(NoCourseGrade.NOT_ENROLLED)


@pytest.mark.parametrize(('status', 'shown', 'passing'), [
    ('downloadable', True, True), ('generating', True, True), ('notpassing', True, False),
    ('unavailable', True, False), ('audit_passing', False, None), ('audit_notpassing', False, None),
])
def test_certificates_leave_audit_ones_out_and_pass_when_downloadable_or_generating(status, shown, passing):
    tables.CourseOverview.objects.create(id=RUN, self_paced=False)
    each = learner()
    created = datetime.datetime(2026, 5, 1, 10, tzinfo=UTC)
    tables.GeneratedCertificate.objects.create(user_id=each.user_id, course_id=RUN, status=status, grade='0.9',
                                               created_date=created)
    [run] = answers([(RUN, [each])])
    certificate = run.certificate(each)
    if not shown:
        assert certificate is None
    else:
        assert (certificate['is_passing'], certificate['grade'], certificate['created_date'],
                certificate['status']) == (passing, '0.9', created, status)


def test_remote_ids_by_identity_provider_first_row_by_id():
    tables.CourseOverview.objects.create(id=RUN)
    saml, oauth, other_idp, none = learner(1), learner(2), learner(3), learner(4)
    tables.UserSocialAuth.objects.create(user_id=saml.user_id, provider='tpa-saml', uid='acme:SAP-1')
    tables.UserSocialAuth.objects.create(user_id=saml.user_id, provider='tpa-saml', uid='acme:SAP-9')
    tables.UserSocialAuth.objects.create(user_id=oauth.user_id, provider='azuread-oauth2', uid='oid-2')
    tables.UserSocialAuth.objects.create(user_id=other_idp.user_id, provider='tpa-saml', uid='globex:G-3')
    [run] = answers([(RUN, [saml, oauth, other_idp, none])])
    assert [run.remote_id(each) for each in (saml, oauth, other_idp, none)] == ['SAP-1', None, None, None]
    [run] = answers([(RUN, [saml, oauth])], Question(identity_provider='oa2-azuread-oauth2'))
    assert [run.remote_id(each) for each in (saml, oauth)] == [None, 'oid-2']


def test_social_auth_filter():
    assert social_auth_filter('saml-acme') == ('tpa-saml', 'acme:')
    assert social_auth_filter('oa2-google-oauth2') == ('google-oauth2', '')
    assert social_auth_filter('lti-x') is None and social_auth_filter('') is None


def test_one_query_per_table_per_chunk_whatever_its_size_and_overviews_once_per_run():
    source = DatabaseAnswers()
    counts = []
    for size in (2, 40):
        tables.CourseOverview.objects.get_or_create(id=RUN)
        tables.CourseOverview.objects.get_or_create(id=OTHER_RUN)
        learners = [learner(index) for index in range(size)]
        for each in learners:
            tables.CourseEnrollment.objects.create(user_id=each.user_id, course_id=RUN if each.enrollment_id % 2
                                                   else OTHER_RUN, mode='verified')
        runs = [(RUN, learners[1::2]), (OTHER_RUN, learners[0::2])]
        with CaptureQueriesContext(connection) as queries:
            answers(runs, source=source)
        counts.append(len(queries))
    # overviews, enrollments, grades, certificates, remote ids; then the overviews are known.
    assert counts == [5, 4]


# The same records from both sources, on random populations written once into the LMS's tables.

STATUSES = ['downloadable', 'generating', 'notpassing', 'unavailable', 'audit_passing', 'audit_notpassing']
NOW = datetime.datetime(2026, 6, 1, 12, tzinfo=UTC)
RUNS = [f'course-v1:Org+C{index}+2026' for index in range(4)]

run_strategy = st.fixed_dictionaries({
    'known': st.sampled_from([True, True, True, False]),
    'self_paced': st.booleans(),
    'end': st.sampled_from([None, datetime.datetime(2026, 3, 1, tzinfo=UTC),
                            datetime.datetime(2026, 12, 1, tzinfo=UTC)]),
})
learner_strategy = st.fixed_dictionaries({
    'run': st.integers(0, len(RUNS) - 1),
    'enrollment': st.none() | st.tuples(st.sampled_from(['verified', 'audit', 'honor', 'professional']),
                                        st.booleans()),
    'grade': st.none() | st.tuples(st.sampled_from(['Pass', 'A', '', None]), st.sampled_from([0.0, 0.5, 0.91])),
    'certificate': st.none() | st.tuples(st.sampled_from(STATUSES), st.sampled_from(['0.0', '0.5', '0.91'])),
    'sap_id': st.sampled_from([None, 'acme', 'globex']),
    'consent': st.sampled_from([True, True, True, False]),
})
population_strategy = st.fixed_dictionaries({
    'runs': st.lists(run_strategy, min_size=len(RUNS), max_size=len(RUNS)),
    'learners': st.lists(learner_strategy, min_size=4, max_size=30),
    'audit_reporting': st.booleans(),
    'chunk_size': st.integers(1, 6),
    'bulk_listing_min': st.sampled_from([0, 1, 3]),
})


def write_population(population):
    """The customer, learners, enrollments and consent, and the LMS's rows about them."""
    customer = EnterpriseCustomerFactory(enable_audit_enrollment=population['audit_reporting'],
                                         enable_audit_data_reporting=population['audit_reporting'])
    for course_id, run in zip(RUNS, population['runs'], strict=True):
        if run['known']:
            tables.CourseOverview.objects.create(id=course_id, self_paced=run['self_paced'], end=run['end'],
                                                 effort='4:30')
    for index, learner in enumerate(population['learners']):
        course_id, user = RUNS[learner['run']], UserFactory()
        customer_user = get_customer_user_model().all_objects.create(enterprise_customer=customer, user_id=user.pk)
        EnterpriseCourseEnrollmentFactory(enterprise_customer_user=customer_user, course_id=course_id)
        get_consent_model()._default_manager.create(enterprise_customer=customer, username=user.username,
                                                    course_id=course_id, granted=learner['consent'])
        if learner['enrollment'] is not None:
            mode, active = learner['enrollment']
            tables.CourseEnrollment.objects.create(user_id=user.pk, course_id=course_id, mode=mode, is_active=active)
        if learner['grade'] is not None:
            letter, percent = learner['grade']
            tables.PersistentCourseGrade.objects.create(user_id=user.pk, course_id=course_id, percent_grade=percent,
                                                        letter_grade=letter)
        if learner['certificate'] is not None:
            status, grade = learner['certificate']
            tables.GeneratedCertificate.objects.create(
                user_id=user.pk, course_id=course_id, status=status, grade=grade,
                created_date=datetime.datetime(2026, 4, 2, 10, index % 60, tzinfo=UTC))
        if learner['sap_id']:
            tables.UserSocialAuth.objects.create(user_id=user.pk, provider='tpa-saml',
                                                 uid=f"{learner['sap_id']}:SAP-{index}")
    return customer


def record_fields(records):
    return [(record.enterprise_course_enrollment_id, record.course_id, record.course_completed,
             record.completed_timestamp, record.grade, getattr(record, 'sapsf_user_id', None), record.total_hours
             if hasattr(record, 'total_hours') else None) for record in records]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(population=population_strategy)
def test_the_database_source_gives_the_records_of_the_api_source_for_the_same_rows(population):
    with transaction.atomic(), time_machine.travel(NOW, tick=False), \
            override_settings(ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS=population['bulk_listing_min']), \
            responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        customer = write_population(population)
        configuration = SAPConfigurationFactory.build(
            enterprise_customer=customer, transmission_chunk_size=population['chunk_size'], idp_id='saml-acme',
            transmit_total_hours=True, id=1)
        lms = FakeLms(mock)
        serve_rows(lms)
        over_http = list(SapSuccessFactorsLearnerExporter('worker', configuration).export())
        calls = sum(lms.calls.values())
        from_tables = list(SapSuccessFactorsLearnerExporter('worker', configuration, lms=DatabaseAnswers()).export())
        assert record_fields(from_tables) == record_fields(over_http)
        assert sum(lms.calls.values()) == calls  # not one call from the database source
        transaction.set_rollback(True)


def test_an_export_from_the_database_source_makes_no_http_call(http, settings):
    """``http`` fails any request: the export, its token included, asks nothing over HTTP."""
    settings.ENTERPRISE_EXPORT_LMS_SOURCE = 'database'
    customer = EnterpriseCustomerFactory()
    tables.CourseOverview.objects.create(id=RUN, self_paced=True, end=datetime.datetime(2026, 1, 1, tzinfo=UTC))
    users = []
    for _ in range(3):
        user = UserFactory()
        consenting_enrollment(customer, RUN, user=user)
        tables.CourseEnrollment.objects.create(user_id=user.pk, course_id=RUN, mode='verified')
        tables.PersistentCourseGrade.objects.create(user_id=user.pk, course_id=RUN, percent_grade=0.8,
                                                    letter_grade='Pass')
        users.append(user)
    configuration = type('Configuration', (), {'enterprise_customer': customer, 'transmission_chunk_size': 2,
                                               'id': 1})()
    records = list(LearnerExporter('worker', configuration).export())
    assert [(record.grade, record.course_completed) for record in records] == [('Pass', True)] * 3
    assert len(http.calls) == 0


def test_an_unknown_source_is_refused(settings):
    settings.ENTERPRISE_EXPORT_LMS_SOURCE = 'graphql'
    with pytest.raises(ImproperlyConfigured, match='ENTERPRISE_EXPORT_LMS_SOURCE'):
        build_lms_answers('worker')
