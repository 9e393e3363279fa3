"""
LMS answers from the LMS's REST APIs (SPEC section 2), over one pooled OAuth session.

For each run of a chunk, one worker task (ahead of the learners' tasks, and after the previous
chunk's task for the same run, whose findings it reuses) finds the run's course details (once
per run for the source's life; a failure is asked again by the next chunk) and, when at least
``ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS`` of the chunk's learners are in the run, its bulk
enrollment listing and, where some learner is read from the course grade, its bulk grade
listing. A learner the listings do not answer for is asked about on their own when a worker
reads their answers. The OAuth token is fetched in the exporting thread before a chunk's tasks
are queued, so that the workers do not all ask for it at once.
"""

import logging
from dataclasses import dataclass, replace

from enterprise_export.clients.exceptions import HttpNotFoundError, ListingStoppedError
from enterprise_export.clients.lms import (
    CertificatesApiClient,
    CourseApiClient,
    EnrollmentApiClient,
    GradesApiClient,
    ThirdPartyAuthApiClient,
    build_lms_session,
)
from enterprise_export.conf import get_setting
from enterprise_export.lms.answers import Inquiry, LmsAnswers, NoCourseGrade, RunAnswers
from enterprise_export.lms.failures import (
    LMS_FAILURES,
    attempt,
    lms_failure_reason,
    raise_if_credentials_refused,
)

LOGGER = logging.getLogger(__name__)

_NOT_ASKED = object()


class ApiAnswers(LmsAnswers):
    """
    The LMS REST APIs as a source of answers. Its clients are built on first use and share one
    session (one connection pool, one OAuth token) for the source's life.
    """

    failure_types = LMS_FAILURES

    def __init__(self, user, session=None):
        self.user = user
        self._session = session
        self._clients = {}
        # course run id -> the Course API's details (None: unknown). Filled by the run tasks
        # (``setdefault`` of a run's first success) and read in the exporting thread.
        self._course_details = {}

    @property
    def session(self):
        if self._session is None:
            self._session = build_lms_session()
        return self._session

    def client(self, client_class):
        """The source's ``client_class`` client, on its session."""
        if client_class not in self._clients:
            self._clients[client_class] = client_class(self.user, session=self.session)
        return self._clients[client_class]

    def inquiry(self, question, workers):
        return ApiInquiry(self, question, workers)

    def course_details(self, course_id):
        if course_id not in self._course_details:
            self._course_details[course_id] = self.client(CourseApiClient).get_course_details(course_id)
        return self._course_details[course_id]

    def known_course_details(self, course_id):
        """The run's details when they are known already, else ``_NOT_ASKED``."""
        return self._course_details.get(course_id, _NOT_ASKED)

    def remember_course_details(self, course_id, details):
        self._course_details.setdefault(course_id, details)

    def enrollment_mode(self, course_id, learner):
        lms_enrollment = self.client(EnrollmentApiClient).get_course_enrollment(learner.username, course_id)
        return (lms_enrollment or {}).get('mode')

    def remote_id(self, identity_provider, learner):
        return self.client(ThirdPartyAuthApiClient).get_remote_id(identity_provider, learner.username)

    def subsection_grades(self, course_id, learner):
        """One learner's subsection rows in a run, from the Gradebook API (None when it has none)."""
        try:
            return self.client(GradesApiClient).get_course_assessment_grades(course_id, learner.username)
        except HttpNotFoundError:
            return None

    def failure_reason(self, error):
        return lms_failure_reason(error)

    def raise_if_fatal(self, error):
        raise_if_credentials_refused(error)


@dataclass(frozen=True, slots=True)
class RunListing:
    """
    A run's bulk listings: LMS enrollment mode and (when fetched) grade row, by username.

    A listing that stopped before its end (at a ``next`` link off the LMS) is partial: a learner
    missing from it is not known to be missing from the LMS, and is asked about on their own.
    """

    modes: dict
    grades: dict | None = None
    partial_modes: bool = False
    partial_grades: bool = False

    def has_mode(self, username):
        """True when the listings answer for ``username``'s mode (a partial listing may not)."""
        return not self.partial_modes or username in self.modes

    def has_grade(self, username):
        """True when the listings answer for ``username``'s grade row."""
        if self.grades is None or not self.has_mode(username):
            return False
        return not self.partial_grades or username in self.grades


class ApiInquiry(Inquiry):
    """One export's questions to the REST APIs; the run tasks of a chunk go ahead of its learners' tasks."""

    def __init__(self, source, question, workers):
        self.source = source
        self.question = question
        self.workers = workers
        self._latest = {}  # course id -> the future ApiRunAnswers of the latest chunk with the run

    # The exporting thread.

    def ask(self, runs, audit_modes):
        if runs and self.workers.threaded:
            self._fetch_token()
        minimum = int(get_setting('ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS'))
        latest, futures = {}, []
        for run in runs:
            previous = self._latest.get(run.course_id)
            future = self.workers.schedule(
                self._run_answers, run, previous, self.source.known_course_details(run.course_id),
                (minimum, audit_modes), urgent=True, after=previous,
            )
            latest[run.course_id] = future
            futures.append(future)
        self._latest = latest  # runs come in order: a run of no later chunk is done with
        return futures

    def _fetch_token(self):
        """Get the OAuth token before a fan-out, so that the workers do not all ask for it at once."""
        try:
            self.source.session.get_jwt_access_token()
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
            LOGGER.error('Could not get an LMS access token: %s', lms_failure_reason(error))

    # Worker threads: HTTP only, on plain values.

    def _run_answers(self, run, previous, known_details, chunk_values):
        """
        The run's answers for one chunk: what the chunk before with the run learned, or else the
        course details (unless asked and known), and the bulk listings this chunk needs.
        """
        minimum, audit_modes = chunk_values
        prior = previous.result() if previous is not None else None
        details, listing = None, None
        if self.question.course_details:
            details = self._course_details(run.course_id, prior, known_details)
            if isinstance(details, dict):
                self.source.remember_course_details(run.course_id, details)
        if isinstance(details, dict) or not self.question.course_details:  # no listing for a run left out
            usernames = [learner.username for learner in run.learners]
            listing = self._run_listing(run.course_id, usernames, details, prior.listing if prior else None,
                                        minimum, audit_modes)
        return ApiRunAnswers(self.source, run.course_id, details, listing, self.question.identity_provider)

    def _course_details(self, course_id, prior, known_details):
        if prior is not None and not isinstance(prior.details, Exception):
            return prior.details
        if known_details is not _NOT_ASKED:
            return known_details
        return attempt(self.source.client(CourseApiClient).get_course_details, course_id)  # a failure: asked again

    def _run_listing(self, course_id, usernames, details, listing, minimum, audit_modes):
        """
        The run's bulk listings, when at least ``minimum`` of the chunk's learners are in the run
        (or an earlier chunk listed it): the enrollment listing, and, when the question reads
        course grades, the grade listing where some learner is read from the grade. A failed
        listing is logged, and its learners are asked about one by one.
        """
        if listing is None and (minimum <= 0 or len(usernames) < minimum):
            return None
        if listing is None:
            modes = self._listing(course_id, 'modes')
            if modes is None:
                return None
            by_username, whole = modes
            listing = RunListing(by_username, partial_modes=not whole)
        wants_grades = self.question.course_grades and listing.grades is None
        if wants_grades and self._reads_grades(details, listing, usernames, audit_modes):
            grades = self._listing(course_id, 'grades')
            if grades is not None:
                by_username, whole = grades
                listing = replace(listing, grades=by_username, partial_grades=not whole)
        return listing

    def _reads_grades(self, details, listing, usernames, audit_modes):
        """True when some learner is read from the course grade rather than the certificate."""
        certificate_path = self.question.certificate_path
        if certificate_path is None or not isinstance(details, dict):
            return True
        return not all(certificate_path(details, listing.modes.get(username), audit_modes) for username in usernames)

    def _listing(self, course_id, kind):
        """
        The run's ``'modes'`` or ``'grades'`` listing by username, and whether it is whole: one
        that stopped at a ``next`` link off the LMS (logged by the client) is kept as far as it
        went. None when it failed (logged).
        """
        by_username = {}
        try:
            if kind == 'modes':
                rows, key = self.source.client(EnrollmentApiClient).iter_course_enrollments(course_id), 'user'
            else:
                rows, key = self.source.client(GradesApiClient).iter_course_grades(course_id), 'username'
            for row in rows:
                if isinstance(row, dict) and key in row:
                    by_username[row[key]] = row.get('mode') if kind == 'modes' else row
        except ListingStoppedError:
            return by_username, False
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
            LOGGER.warning('Bulk %s listing of %s failed (%s): asking about its learners one by one',
                           kind, course_id, lms_failure_reason(error), extra={'course_id': course_id})
            return None
        return by_username, True


class ApiRunAnswers(RunAnswers):
    """A run's answers from the REST APIs: its listings where they answer, else one call per learner."""

    def __init__(self, source, course_id, details, listing, identity_provider):
        super().__init__(course_id, details)
        self.listing = listing
        self.identity_provider = identity_provider
        self._source = source

    def mode(self, learner):
        if self.listing is not None and self.listing.has_mode(learner.username):
            return self.listing.modes.get(learner.username)
        return self._source.enrollment_mode(self.course_id, learner)

    def course_grade(self, learner):
        if self.listing is not None and self.listing.has_grade(learner.username):
            course_grade = self.listing.grades.get(learner.username)
            return NoCourseGrade(NoCourseGrade.NOT_LISTED) if course_grade is None else course_grade
        try:
            return self._source.client(GradesApiClient).get_course_grade(self.course_id, learner.username)
        except HttpNotFoundError as error:
            if _error_code(error) == 'user_not_enrolled':
                return NoCourseGrade(NoCourseGrade.NOT_ENROLLED)
            return NoCourseGrade(NoCourseGrade.NOT_FOUND, str(error))

    def certificate(self, learner):
        try:
            return self._source.client(CertificatesApiClient).get_course_certificate(self.course_id, learner.username)
        except HttpNotFoundError:
            return None

    def subsection_grades(self, learner):
        return self._source.subsection_grades(self.course_id, learner)

    def remote_id(self, learner):
        return self._source.remote_id(self.identity_provider, learner)


def _error_code(error):
    """The ``error_code`` of a 404's JSON body, if it has one."""
    try:
        return error.response.json().get('error_code')
    except (AttributeError, ValueError):
        return None
