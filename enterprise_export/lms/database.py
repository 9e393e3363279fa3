"""
LMS answers from the LMS's own tables (SPEC 18), for an exporter that runs inside the LMS.

No OAuth application, no service user, no HTTP call: what the REST APIs would answer for the
same rows is read in bulk, in the exporting thread, at most one query per table per chunk
(course overviews once per run for the source's life), from ``ENTERPRISE_EXPORT_LMS_DATABASE``.
Each chunk's answers are handed back as futures already done, so the exporter's worker tasks
read them without a query. Subsection grades still come from the Gradebook API.
"""

import logging
from concurrent.futures import Future

from django.conf import settings
from django.db import DatabaseError

from enterprise_export.conf import get_setting
from enterprise_export.lms.answers import Inquiry, LmsAnswers, NoCourseGrade, RunAnswers
from enterprise_export.lms.api import ApiAnswers
from enterprise_export.lms.failures import LMS_FAILURES
from enterprise_export.lms_tables import (
    LmsCourseEnrollment,
    LmsCourseOverview,
    LmsGeneratedCertificate,
    LmsPersistentCourseGrade,
    LmsUserSocialAuth,
)
from enterprise_export.settings.common import lms_database_alias

LOGGER = logging.getLogger(__name__)

# Certificates the Certificates API does not show (an audit learner's).
AUDIT_CERTIFICATE_STATUSES = ('audit_passing', 'audit_notpassing')
PASSING_CERTIFICATE_STATUSES = ('downloadable', 'generating')
# The third-party-auth backend of SAML identity providers, whose ``uid`` is ``<slug>:<remote id>``.
SAML_PROVIDER = 'tpa-saml'


def lms_database():
    """The database alias the source reads: the setting, else the read replica when there is one."""
    return get_setting('ENTERPRISE_EXPORT_LMS_DATABASE') or lms_database_alias(settings.DATABASES)


def course_details(overview):
    """The Course API's details of a run (the fields the exporter reads), from its overview row."""
    return {'course_id': overview.id, 'pacing': 'self' if overview.self_paced else 'instructor',
            'end': overview.end, 'effort': overview.effort}


def social_auth_filter(identity_provider):
    """
    ``(provider, uid prefix)`` of the ``social_auth_usersocialauth`` rows of an ``idp_id``:
    ``saml-<slug>`` → (``tpa-saml``, ``<slug>:``); ``oa2-<backend>`` → (``<backend>``, ``''``);
    None for any other id.
    """
    kind, _, name = (identity_provider or '').partition('-')
    if not name:
        return None
    if kind == 'saml':
        return SAML_PROVIDER, f'{name}:'
    if kind == 'oa2':
        return name, ''
    return None


class DatabaseAnswers(LmsAnswers):
    """The LMS's tables as a source of answers, read on ``using`` (default: ``lms_database()``)."""

    # The tables' failures, and the Gradebook API's (subsection grades).
    failure_types = (DatabaseError, *LMS_FAILURES)

    def __init__(self, user=None, using=None):
        self.user = user
        self.using = using or lms_database()
        self._course_details = {}  # course run id -> details (None: no overview), for the source's life
        self._gradebook = None

    def concurrency(self):
        return 1  # every answer is read in the exporting thread: worker threads would only hand dicts over

    def inquiry(self, question, workers):
        return DatabaseInquiry(self, question)

    def course_details(self, course_id):
        self.read_course_details([course_id])
        return self._course_details[course_id]

    def read_course_details(self, course_ids):
        """Read the overviews of the runs of ``course_ids`` not read yet: one query, none when all are known."""
        missing = sorted({course_id for course_id in course_ids if course_id not in self._course_details})
        if not missing:
            return
        overviews = {overview.id: overview for overview in
                     LmsCourseOverview.objects.using(self.using).filter(id__in=missing)
                     .only('id', 'self_paced', 'end', 'effort')}
        for course_id in missing:
            overview = overviews.get(course_id)
            self._course_details[course_id] = course_details(overview) if overview is not None else None

    def known_course_details(self, course_id):
        return self._course_details.get(course_id)

    def enrollment_mode(self, course_id, learner):
        return LmsCourseEnrollment.objects.using(self.using).filter(
            user_id=learner.user_id, course_id=course_id).values_list('mode', flat=True).first()

    def remote_id(self, identity_provider, learner):
        return self.remote_ids(identity_provider, [learner.user_id]).get(learner.user_id)

    def remote_ids(self, identity_provider, user_ids):
        """``{user id: remote id}`` at ``identity_provider`` for ``user_ids``, in one query (the first row by id)."""
        matching = social_auth_filter(identity_provider)
        if matching is None or not user_ids:
            return {}
        provider, prefix = matching
        rows = LmsUserSocialAuth.objects.using(self.using).filter(
            user_id__in=set(user_ids), provider=provider, uid__startswith=prefix,
        ).order_by('id').values_list('user_id', 'uid')
        remote_ids = {}
        for user_id, uid in rows:
            remote_ids.setdefault(user_id, uid[len(prefix):])
        return remote_ids

    def failure_reason(self, error):
        return self.gradebook.failure_reason(error) if isinstance(error, LMS_FAILURES) else type(error).__name__

    @property
    def gradebook(self):
        """The REST source that subsection grades still come from (the Gradebook API)."""
        if self._gradebook is None:
            self._gradebook = ApiAnswers(self.user)
        return self._gradebook


class DatabaseInquiry(Inquiry):
    """One export's questions to the tables: each chunk read in a few queries, in the exporting thread."""

    def __init__(self, source, question):
        self.source = source
        self.question = question

    def ask(self, runs, audit_modes):
        question, source = self.question, self.source
        if question.course_details:
            source.read_course_details(run.course_id for run in runs)
        course_ids = [run.course_id for run in runs if self._answers_run(run.course_id)]
        user_ids = {learner.user_id for run in runs for learner in run.learners if learner.user_id is not None}
        rows = ChunkRows(source.using, course_ids, user_ids)
        rows.read_enrollments()
        grade_runs, certificate_runs = self._paths(runs, rows, audit_modes)
        rows.read_results(grade_runs if question.course_grades else (),
                          certificate_runs if question.certificates else ())
        remote_ids = source.remote_ids(question.identity_provider, user_ids) if question.identity_provider else {}
        futures = []
        for run in runs:
            details = source.known_course_details(run.course_id) if question.course_details else None
            future = Future()
            future.set_result(DatabaseRunAnswers(source, run.course_id, details, rows, remote_ids))
            futures.append(future)
        return futures

    def _paths(self, runs, rows, audit_modes):
        """
        The runs some learner of is read from the course grade, and those some learner of is read
        from the certificate (the question's ``certificate_path``; without one, every run both).
        """
        certificate_path, grade_runs, certificate_runs = self.question.certificate_path, set(), set()
        for run in runs:
            details = self.source.known_course_details(run.course_id)
            for learner in run.learners:
                if certificate_path is None:
                    grade_runs.add(run.course_id)
                    certificate_runs.add(run.course_id)
                elif certificate_path(details, rows.mode(learner.user_id, run.course_id), audit_modes):
                    certificate_runs.add(run.course_id)
                else:
                    grade_runs.add(run.course_id)
        return grade_runs, certificate_runs

    def _answers_run(self, course_id):
        # A run without an overview is left out of an export that wants details: nobody reads its rows.
        return not self.question.course_details or self.source.known_course_details(course_id) is not None


class ChunkRows:
    """A chunk's rows of the enrollment, grade and certificate tables, by (user id, course id)."""

    def __init__(self, using, course_ids, user_ids):
        self.using = using
        self.course_ids = sorted(set(course_ids))
        self.user_ids = sorted(user_ids)
        self.enrollments, self.grades, self.certificates = {}, {}, {}

    def read_enrollments(self):
        """The chunk's enrollment rows (one query; none for a chunk without runs or learners)."""
        self.enrollments = self._by_learner(LmsCourseEnrollment, self.course_ids, 'mode', 'is_active')

    def mode(self, user_id, course_id):
        enrollment = self.enrollments.get((user_id, course_id))
        return enrollment.mode if enrollment is not None else None

    def read_results(self, grade_runs, certificate_runs):
        """The course grades of ``grade_runs`` and the certificates of ``certificate_runs``: a query each, if any."""
        self.grades = self._by_learner(LmsPersistentCourseGrade, grade_runs, 'percent_grade', 'letter_grade')
        self.certificates = self._by_learner(
            LmsGeneratedCertificate, certificate_runs, 'status', 'grade', 'created_date',
            exclude={'status__in': AUDIT_CERTIFICATE_STATUSES})

    def _by_learner(self, model, course_ids, *fields, exclude=None):
        wanted = set(course_ids)
        course_ids = [course_id for course_id in self.course_ids if course_id in wanted]
        if not course_ids or not self.user_ids:
            return {}
        rows = model.objects.using(self.using).filter(course_id__in=course_ids, user_id__in=self.user_ids)
        if exclude:
            rows = rows.exclude(**exclude)
        # One row per learner and run in the LMS (its tables are unique on them).
        return {(row.user_id, row.course_id): row
                for row in rows.values_list('user_id', 'course_id', *fields, named=True)}


class DatabaseRunAnswers(RunAnswers):
    """A run's answers from its chunk's rows, in the shapes of the REST APIs' answers (SPEC 18)."""

    def __init__(self, source, course_id, details, rows, remote_ids):
        super().__init__(course_id, details)
        self._source = source
        self._rows = rows
        self._remote_ids = remote_ids

    def _row(self, table, learner):
        return table.get((learner.user_id, self.course_id))

    def mode(self, learner):
        return self._rows.mode(learner.user_id, self.course_id)

    def course_grade(self, learner):
        if self._row(self._rows.enrollments, learner) is None:
            return NoCourseGrade(NoCourseGrade.NOT_ENROLLED)  # the Grades API's user_not_enrolled
        grade = self._row(self._rows.grades, learner)
        if grade is None:  # enrolled, never graded: the Grades API answers a zero grade
            return {'username': learner.username, 'course_id': self.course_id, 'passed': False, 'percent': 0.0}
        return {'username': learner.username, 'course_id': self.course_id,
                'passed': bool(grade.letter_grade), 'percent': grade.percent_grade}

    def certificate(self, learner):
        certificate = self._row(self._rows.certificates, learner)
        if certificate is None:
            return None
        return {'username': learner.username, 'course_id': self.course_id, 'status': certificate.status,
                'is_passing': certificate.status in PASSING_CERTIFICATE_STATUSES,
                'grade': certificate.grade, 'created_date': certificate.created_date}

    def subsection_grades(self, learner):
        return self._source.gradebook.subsection_grades(self.course_id, learner)

    def remote_id(self, learner):
        return self._remote_ids.get(learner.user_id)
