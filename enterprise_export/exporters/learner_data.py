"""
The learner exporter: which enrollments to report, and what the LMS says about each (SPEC section 3).

An export works in chunks of enrollments (``transmission_chunk_size``) read in keyset pages.
For each chunk the database is asked a constant number of questions (enrollments, users,
consent, earlier transmissions); then the LMS is asked about each enrollment that may be
reported, with up to ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS`` calls in flight over one
OAuth session. Worker threads make HTTP calls only; every query and every record is made in
the exporting thread, in the order of the enrollments.
"""

import logging
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

import requests
from django.contrib.auth import get_user_model
from django.utils import timezone

from enterprise_export.clients.exceptions import HttpError, HttpNotFoundError
from enterprise_export.clients.lms import (
    CertificatesApiClient,
    CourseApiClient,
    EnrollmentApiClient,
    GradesApiClient,
    build_lms_session,
)
from enterprise_export.conf import get_setting
from enterprise_export.exporters.base import Exporter
from enterprise_export.models import (
    DataSharingConsent,
    EnterpriseCourseEnrollment,
    LearnerDataTransmissionAudit,
)
from enterprise_export.utils import (
    get_course_key,
    is_already_transmitted,
    latest_transmitted_grades,
    normalize_grade,
    parse_lms_datetime,
    to_epoch_milliseconds,
)

LOGGER = logging.getLogger(__name__)

# What can go wrong when asking the LMS about one enrollment, other than the 404s the tables
# handle: 4xx/5xx answers, unreadable bodies, timeouts and connection errors, missing fields.
LMS_FAILURES = (HttpError, requests.RequestException, ValueError, KeyError, TypeError)


@dataclass
class RunListing:
    """A run's bulk listings: LMS enrollment mode and (when needed) grade row, by username."""

    modes: dict
    grades: dict | None = None


@dataclass(frozen=True)
class LearnerRun:
    """The facts of one enrollment a worker thread needs: plain values, no model instances."""

    enrollment_id: int
    course_id: str
    username: str
    course_details: dict | None = None
    listing: RunListing | None = None  # the run's bulk listings, when the run was listed


@dataclass(frozen=True)
class Completion:
    """What the LMS says about one enrollment, as a row of SPEC section 3's tables."""

    completed_date: datetime | None
    grade: str | None
    is_passing: bool | None
    grade_percent: float | None


class LearnerExporter(Exporter):
    """
    Yields one learner-data record (an unsaved audit row) per reportable enrollment.

    Channel exporters override ``get_learner_data_records`` (and the grade words when their
    channel uses others) and leave the rest alone.
    """

    GRADE_PASSING = 'Pass'
    GRADE_FAILING = 'Fail'
    GRADE_INCOMPLETE = 'In Progress'
    GRADE_AUDIT = 'Audit'

    def __init__(self, user, enterprise_configuration):
        super().__init__(user, enterprise_configuration)
        self._lms_session = None
        self._clients = {}
        self._course_details = {}
        self._listings = {}
        self._pool = None

    # Grade words: override the properties when a channel words grades differently.

    @property
    def grade_passing(self):
        return self.GRADE_PASSING

    @property
    def grade_failing(self):
        return self.GRADE_FAILING

    @property
    def grade_incomplete(self):
        return self.GRADE_INCOMPLETE

    @property
    def grade_audit(self):
        return self.GRADE_AUDIT

    # LMS clients, built on first use and sharing one session for the exporter's life.

    @property
    def lms_session(self):
        if self._lms_session is None:
            self._lms_session = build_lms_session()
        return self._lms_session

    def _client(self, client_class):
        if client_class not in self._clients:
            self._clients[client_class] = client_class(self.user, session=self.lms_session)
        return self._clients[client_class]

    @property
    def course_api(self):
        return self._client(CourseApiClient)

    @property
    def grades_api(self):
        return self._client(GradesApiClient)

    @property
    def certificates_api(self):
        return self._client(CertificatesApiClient)

    @property
    def enrollment_api(self):
        return self._client(EnrollmentApiClient)

    def get_course_details(self, course_id):
        """The run's Course API details, asked once per run for the exporter's life (None: unknown)."""
        if course_id not in self._course_details:
            self._course_details[course_id] = self.course_api.get_course_details(course_id)
        return self._course_details[course_id]

    # Consent and audit enrollments.

    def is_audit_enrollment(self, mode):
        """True when an LMS enrollment mode is one of ``ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES``."""
        return mode in get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES')

    def is_audit_reporting_disabled(self, mode):
        """True for an audit enrollment of a customer who does not report audit data."""
        return self.is_audit_enrollment(mode) and not self.enterprise_customer.enables_audit_data_reporting

    def has_data_sharing_consent(self, enrollment):
        """
        True when the learner granted consent for the run (or its course) and, should this be an
        audit enrollment, the customer reports audit data. Asks the LMS for the mode only when
        consent was granted.
        """
        username = enrollment.enterprise_customer_user.username
        consent = DataSharingConsent.objects.proxied_get(
            username=username, course_id=enrollment.course_id, enterprise_customer=self.enterprise_customer,
        )
        if not consent.granted:
            return False
        lms_enrollment = self.enrollment_api.get_course_enrollment(username, enrollment.course_id)
        return not self.is_audit_reporting_disabled((lms_enrollment or {}).get('mode'))

    # Course-level export.

    def export(self, *, learner_to_transmit=None, course_run_id=None, grade=None, is_passing=False,
               completed_date=None, skip_transmitted=True, TransmissionAudit=None, app_label=None):  # noqa: N803
        """
        Yield the unsaved audit records of every enrollment that may and should be reported.

        With both ``learner_to_transmit`` (a user) and ``course_run_id``, only that learner's
        enrollment in that run is exported; ``grade`` and ``is_passing`` are then what the caller
        believes, and the LMS wins where they differ. ``completed_date`` is only logged.
        An enrollment already sent with ``grade`` to ``TransmissionAudit`` is skipped while
        ``skip_transmitted`` holds.
        """
        single_learner = learner_to_transmit is not None and course_run_id is not None
        if single_learner:
            LOGGER.debug('Single-learner export; the caller gives completion date %s', completed_date,
                         extra={'course_id': course_run_id, 'channel': app_label})
            enrollments = self.get_enrollments(learner_to_transmit, course_run_id)
        else:
            enrollments = self.get_enrollments()
        caller_claims = (grade, is_passing) if single_learner else (None, False)
        with self._lms_workers():
            pending = None
            for chunk in self._enrollment_chunks(enrollments):
                if TransmissionAudit is not None and skip_transmitted:
                    chunk = self._drop_transmitted(chunk, TransmissionAudit, grade)
                # The database work of this chunk runs while the LMS answers about the previous one;
                # its course details and listings once those answers are in; its records are built
                # while the LMS answers about the next one.
                consenting = self._consenting(chunk)
                completed = self._finished(pending)
                runs = self._load_listings(self._runs_of(consenting, need_course_details=True), with_grades=True)
                pending = (chunk, runs, self._submit(self._lms_completion, [run for _, run in runs]))
                if completed is not None:
                    yield from self._chunk_records(*completed, *caller_claims)
            completed = self._finished(pending)
            if completed is not None:
                yield from self._chunk_records(*completed, *caller_claims)

    @staticmethod
    def _finished(pending):
        """A submitted chunk with its answers in (waiting for them); None stays None."""
        if pending is None:
            return None
        chunk, runs, submitted = pending
        return chunk, runs, _results(submitted)

    def _chunk_records(self, chunk, runs, completions, caller_grade, caller_passing):
        """The records of one chunk, in enrollment order, once the LMS has answered about it."""
        for (enrollment, run), completion in zip(runs, completions, strict=True):
            if completion is None:
                continue
            if caller_grade is not None or caller_passing:
                self._log_conflicts(run, completion, caller_grade, caller_passing)
            yield from self.get_learner_data_records(
                enrollment,
                completed_date=completion.completed_date,
                grade=completion.grade,
                is_passing=completion.is_passing,
                grade_percent=completion.grade_percent,
            )
        self.finish_chunk(chunk)

    def get_enrollments(self, learner=None, course_run_id=None):
        """The customer's enrollments of active, linked learners; narrowed to one when both are given."""
        enrollments = EnterpriseCourseEnrollment.objects.filter(
            enterprise_customer_user__enterprise_customer=self.enterprise_customer,
            enterprise_customer_user__active=True,
            enterprise_customer_user__linked=True,
        ).select_related('enterprise_customer_user')
        if learner is not None and course_run_id is not None:
            enrollments = enrollments.filter(enterprise_customer_user__user_id=learner.pk, course_id=course_run_id)
        return enrollments

    def get_learner_data_records(self, enrollment, completed_date=None, grade=None, is_passing=False,
                                 grade_percent=None):
        """
        The unsaved audit rows to send for one enrollment; an empty list sends nothing.

        Override in a channel to look up the learner's identity there and return its own rows.
        """
        return [self.build_record(LearnerDataTransmissionAudit, enrollment, completed_date=completed_date,
                                  grade=grade, is_passing=is_passing)]

    @staticmethod
    def build_record(audit_model, enrollment, *, course_id=None, completed_date=None, grade=None, is_passing=False,
                     **channel_fields):
        """
        An unsaved ``audit_model`` row for ``enrollment`` (for ``course_id``, else its run).

        ``course_completed`` is ``is_passing`` when there is a completed date, else False; the
        date becomes epoch milliseconds.
        """
        return audit_model(
            enterprise_course_enrollment_id=enrollment.id,
            course_id=course_id or enrollment.course_id,
            course_completed=bool(is_passing) if completed_date else False,
            completed_timestamp=to_epoch_milliseconds(completed_date),
            grade=grade,
            **channel_fields,
        )

    def _lms_completion(self, run):
        """Ask the LMS about one enrollment (HTTP only) and read it through SPEC section 3's tables."""
        mode = self._lms_mode(run)
        if self.is_audit_reporting_disabled(mode):
            LOGGER.debug('Skipped an audit enrollment: the customer does not report audit data',
                         extra={'enrollment_id': run.enrollment_id})
            return None
        is_audit = self.is_audit_enrollment(mode)
        if run.course_details.get('pacing') == 'instructor' and not is_audit:
            completion = self._certificate_completion(run)
        else:
            completion = self._grades_completion(run, is_audit)
        self.fetch_learner_facts(run)
        return completion

    def prepare_chunk(self, chunk):
        """
        Hook, in the exporting thread, once per chunk after its users are loaded: load in a few
        queries what ``get_learner_data_records`` will need for the chunk. Nothing by default.
        """

    def finish_chunk(self, chunk):
        """Hook, in the exporting thread, once the chunk's records are out: drop what ``prepare_chunk`` kept."""

    def fetch_learner_facts(self, run):
        """
        Hook, in a worker thread, for each enrollment that will get records: make the HTTP calls
        ``get_learner_data_records`` will need (never a query). Nothing by default.
        """

    def _lms_mode(self, run):
        if run.listing is not None:
            return run.listing.modes.get(run.username)
        lms_enrollment = self.enrollment_api.get_course_enrollment(run.username, run.course_id)
        return (lms_enrollment or {}).get('mode')

    def _certificate_completion(self, run):
        try:
            certificate = self.certificates_api.get_course_certificate(run.course_id, run.username)
        except HttpNotFoundError:
            return Completion(None, self.grade_incomplete, False, None)
        is_passing = bool(certificate.get('is_passing'))
        created = certificate.get('created_date')
        return Completion(
            completed_date=parse_lms_datetime(created) if created else timezone.now(),
            grade=self.grade_passing if is_passing else self.grade_failing,
            is_passing=is_passing,
            grade_percent=certificate.get('grade'),
        )

    def _grades_completion(self, run, is_audit):
        course_grade = self._course_grade(run)
        if course_grade is None:
            return Completion(None, None, None, None)
        passed = bool(course_grade.get('passed'))
        percent = course_grade.get('percent')
        now = timezone.now()
        end = run.course_details.get('end')
        end_date = parse_lms_datetime(end) if end else None
        if end_date is not None and end_date < now:
            if is_audit:
                grade = self.grade_audit
            else:
                grade = self.grade_passing if passed else self.grade_failing
            return Completion(end_date, grade, passed, percent)
        if passed:
            return Completion(now, self.grade_passing, True, percent)
        return Completion(None, self.grade_incomplete, passed, percent)

    def _course_grade(self, run):
        """The learner's grade row, from the run's listing or its own call; None when the LMS has none."""
        if run.listing is not None and run.listing.grades is not None:
            course_grade = run.listing.grades.get(run.username)
            if course_grade is None:
                LOGGER.info('No grade: the learner is not in the LMS grade listing of the run',
                            extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id})
            return course_grade
        try:
            return self.grades_api.get_course_grade(run.course_id, run.username)
        except HttpNotFoundError as error:
            self._log_missing_grade(run, error)
            return None

    @staticmethod
    def _log_missing_grade(run, error):
        extra = {'enrollment_id': run.enrollment_id, 'course_id': run.course_id}
        if _error_code(error) == 'user_not_enrolled':
            LOGGER.info('No grade: the learner is not enrolled in the run in the LMS', extra=extra)
        else:
            LOGGER.error('No grade for enrollment %s in %s: %s', run.enrollment_id, run.course_id, error,
                         extra=extra)

    @staticmethod
    def _log_conflicts(run, completion, grade, is_passing):
        """In a single-learner export, say when the caller's grade or passing differ from the LMS's."""
        grade_differs = grade is not None and normalize_grade(grade) != completion.grade
        passing_differs = bool(is_passing) and not completion.is_passing
        if grade_differs or passing_differs:
            LOGGER.error(
                'Conflicting data for enrollment %s in %s: caller grade %s passing %s, LMS grade %s passing %s;'
                ' the LMS wins',
                run.enrollment_id, run.course_id, grade, is_passing, completion.grade, completion.is_passing,
                extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id},
            )

    # Assessment-level export.

    def bulk_assessment_level_export(self):
        """Yield one record per attempted subsection of every consenting enrollment of the customer."""
        for chunk in self._enrollment_chunks(self.get_enrollments()):
            runs = self._reportable_runs(chunk, need_course_details=False)
            yield from self._assessment_records(self._load_listings(runs, with_grades=False))

    def single_assessment_level_export(self, *, learner_to_transmit, course_run_id, grade=None,
                                       subsection_id=None, TransmissionAudit=None):  # noqa: N803
        """
        Yield the subsection records of one learner's enrollment in one run.

        Nothing when the enrollment is missing, was already sent with ``grade`` for
        ``subsection_id``, lacks consent, or its course has no details.
        """
        enrollment = self.get_enrollments(learner_to_transmit, course_run_id).first()
        if enrollment is None:
            LOGGER.info('No enrollment of an active, linked learner of this customer in %s', course_run_id,
                        extra={'course_id': course_run_id,
                               'enterprise_customer_uuid': str(self.enterprise_customer.pk)})
            return
        if TransmissionAudit is not None and is_already_transmitted(
            TransmissionAudit, enrollment.id, grade, subsection_id=subsection_id,
            plugin_configuration_id=getattr(self.enterprise_configuration, 'id', None),
        ):
            return
        runs = self._reportable_runs([enrollment], need_course_details=True)
        yield from self._assessment_records(self._load_listings(runs, with_grades=False))

    def get_learner_assessment_data_records(self, enrollment, assessment_grades):
        """
        The unsaved subsection rows of one enrollment: one per attempted subsection with a grade.

        ``grade`` is the subsection's ``percent`` written as Python writes the float (``0.0`` kept).
        """
        records = []
        for subsection in assessment_grades:
            if not isinstance(subsection, dict) or not subsection.get('attempted'):
                continue
            percent = subsection.get('percent')
            if percent is None:
                continue
            records.append(LearnerDataTransmissionAudit(
                enterprise_course_enrollment_id=enrollment.id,
                course_id=enrollment.course_id,
                subsection_id=subsection.get('module_id') or '',
                grade=normalize_grade(float(percent)),
            ))
        return records

    def _assessment_records(self, runs):
        grade_lists = self._map_lms(self._lms_assessment_grades, [run for _, run in runs])
        for (enrollment, _run), assessment_grades in zip(runs, grade_lists, strict=True):
            if assessment_grades:
                yield from self.get_learner_assessment_data_records(enrollment, assessment_grades)

    def _lms_assessment_grades(self, run):
        if self.is_audit_reporting_disabled(self._lms_mode(run)):
            return None
        try:
            return self.grades_api.get_course_assessment_grades(run.course_id, run.username)
        except HttpNotFoundError:
            LOGGER.info('No subsection grades in the LMS', extra={'enrollment_id': run.enrollment_id})
            return None

    # The chunk pipeline shared by both levels.

    def _enrollment_chunks(self, enrollments):
        """
        Yield lists of at most ``transmission_chunk_size`` enrollments, in (course_id, id) order.

        The runs come from one query; each run is then read in keyset pages by id (``course_id =
        X AND id > Y ORDER BY id``), which every database serves from the (course_id, id) index
        and stops reading at the page's end. A single ``(course_id, id) > (X, Y)`` condition
        would make the database sort all of the customer's enrollments for every page.
        """
        size = max(1, int(getattr(self.enterprise_configuration, 'transmission_chunk_size', 0) or 500))
        course_ids = list(enrollments.order_by('course_id').values_list('course_id', flat=True).distinct())
        chunk = []
        for course_id in course_ids:
            after_id = 0
            while True:
                wanted = size - len(chunk)
                page = list(enrollments.filter(course_id=course_id, id__gt=after_id).order_by('id')[:wanted])
                chunk.extend(page)
                if len(chunk) == size:
                    yield chunk
                    chunk = []
                if len(page) < wanted:
                    break
                after_id = page[-1].id
        if chunk:
            yield chunk

    def _drop_transmitted(self, chunk, TransmissionAudit, grade):  # noqa: N803
        """Leave out the enrollments whose latest successful transmission carried ``grade``."""
        sent_grades = latest_transmitted_grades(
            TransmissionAudit, [enrollment.id for enrollment in chunk],
            plugin_configuration_id=getattr(self.enterprise_configuration, 'id', None),
        )
        wanted = normalize_grade(grade)
        return [
            enrollment for enrollment in chunk
            if enrollment.id not in sent_grades or sent_grades[enrollment.id] != wanted
        ]

    def _reportable_runs(self, chunk, need_course_details):
        """
        Pair each enrollment of the chunk that may be reported with its ``LearnerRun``.

        ``_consenting`` (the database) then ``_runs_of`` (the Course API).
        """
        return self._runs_of(self._consenting(chunk), need_course_details)

    def _consenting(self, chunk):
        """
        The enrollments of the chunk whose learner granted consent, with their users loaded: a
        few queries per chunk, and ``prepare_chunk``.
        """
        self._load_users(chunk)
        self.prepare_chunk(chunk)
        consented = self._consented_ids(chunk)
        return [enrollment for enrollment in chunk if enrollment.id in consented]

    def _runs_of(self, enrollments, need_course_details):
        """
        ``(enrollment, LearnerRun)`` pairs; when ``need_course_details``, without the runs the
        Course API does not know or could not tell about (asked all at once, once per run).
        """
        details = self._chunk_course_details({enrollment.course_id for enrollment in enrollments}) \
            if need_course_details else {}
        runs = []
        for enrollment in enrollments:
            run_details = details.get(enrollment.course_id)
            if need_course_details and not isinstance(run_details, dict):
                self._log_missing_details(enrollment, run_details)
                continue
            runs.append((enrollment, LearnerRun(
                enrollment.id, enrollment.course_id, enrollment.enterprise_customer_user.username, run_details,
            )))
        return runs

    def _chunk_course_details(self, course_ids):
        """The details of each run (a dict, None when unknown, or the failure), asked at once for new runs."""
        missing = sorted(course_id for course_id in course_ids if course_id not in self._course_details)
        answers = self._parallel_map(lambda course_id: _attempt(self.course_api.get_course_details, course_id),
                                     missing)
        failures = {}
        for course_id, answer in zip(missing, answers, strict=True):
            if isinstance(answer, Exception):
                failures[course_id] = answer  # not kept: the next chunk asks again
            else:
                self._course_details[course_id] = answer
        return {course_id: failures.get(course_id, self._course_details.get(course_id)) for course_id in course_ids}

    @staticmethod
    def _log_missing_details(enrollment, failure):
        extra = {'enrollment_id': enrollment.id, 'course_id': enrollment.course_id}
        if failure is None:
            LOGGER.error('Skipped enrollment %s: the Course API has no details for %s',
                         enrollment.id, enrollment.course_id, extra=extra)
        else:
            LOGGER.error('Skipped enrollment %s: course details of %s failed: %s',
                         enrollment.id, enrollment.course_id, lms_failure_reason(failure), extra=extra)

    @staticmethod
    def _load_users(chunk):
        """Give each learner of the chunk its Django user, in one query."""
        learners = [enrollment.enterprise_customer_user for enrollment in chunk]
        users = get_user_model().objects.in_bulk({learner.user_id for learner in learners})
        for learner in learners:
            learner.__dict__['user'] = users.get(learner.user_id)

    def _consented_ids(self, chunk):
        """
        The ids of the chunk's enrollments whose learner granted consent, in one query.

        Same rule as ``DataSharingConsent.objects.proxied_get``: the run's row, else the course
        key's row, else no consent.
        """
        wanted = {}
        for enrollment in chunk:
            username = enrollment.enterprise_customer_user.username
            if username is None:
                LOGGER.warning('Skipped enrollment %s: its learner has no LMS user', enrollment.id,
                               extra={'enrollment_id': enrollment.id})
                continue
            wanted[enrollment.id] = (username, enrollment.course_id, get_course_key(enrollment.course_id))
        course_ids = {run for _, run, _ in wanted.values()} | {key for _, _, key in wanted.values() if key}
        granted = {
            (username, course_id): is_granted
            for username, course_id, is_granted in DataSharingConsent.objects.filter(
                enterprise_customer=self.enterprise_customer,
                username__in={username for username, _, _ in wanted.values()},
                course_id__in=course_ids,
            ).values_list('username', 'course_id', 'granted')
        }
        consented = set()
        for enrollment_id, (username, run_id, course_key) in wanted.items():
            consent = granted.get((username, run_id), granted.get((username, course_key)))
            if consent:
                consented.add(enrollment_id)
        return consented

    def _load_listings(self, runs, with_grades):
        """
        ``runs`` with their run's bulk listings: the enrollment listing (and, ``with_grades``, the
        grade listing where some learner takes the grades path) of each run with at least
        ``ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS`` learners among ``runs``, fetched all at
        once; the learners of other runs are asked about one by one. Only the listings of this
        chunk's runs are kept (chunks come in run order, so a run spanning chunks is listed once).
        """
        counts = Counter(run.course_id for _, run in runs)
        self._listings = {course_id: listing for course_id, listing in self._listings.items() if course_id in counts}
        minimum = int(get_setting('ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS'))
        if minimum > 0:
            self._fetch_run_listings(runs, [course_id for course_id, count in counts.items() if count >= minimum],
                                     with_grades)
        return [(enrollment, replace(run, listing=self._listings.get(run.course_id))) for enrollment, run in runs]

    def _fetch_run_listings(self, runs, listed, with_grades):
        self._fetch_listings([(course_id, 'modes') for course_id in listed if course_id not in self._listings] + [
            (course_id, 'grades') for course_id in listed
            if with_grades and course_id not in self._listings and not self._instructor_paced(course_id, runs)
        ])
        if with_grades:  # instructor-paced runs need grades only for their audit enrollments
            self._fetch_listings([
                (course_id, 'grades') for course_id in listed
                if course_id in self._listings and self._listings[course_id].grades is None
                and self._has_audit_learners(course_id, runs)
            ])

    def _fetch_listings(self, wanted):
        """Fetch ``(course_id, 'modes' | 'grades')`` listings at once into ``self._listings``."""
        answers = self._parallel_map(lambda item: _attempt(self._listing, *item), wanted)
        # modes first: a grade listing joins its run's listing
        ordered = sorted(zip(wanted, answers, strict=True), key=lambda pair: pair[0][1] != 'modes')
        for (course_id, kind), answer in ordered:
            if isinstance(answer, Exception):
                LOGGER.warning('Bulk %s listing of %s failed (%s): asking about its learners one by one',
                               kind, course_id, lms_failure_reason(answer), extra={'course_id': course_id})
            elif kind == 'modes':
                self._listings[course_id] = RunListing(answer)
            elif course_id in self._listings:
                self._listings[course_id].grades = answer

    def _listing(self, course_id, kind):
        if kind == 'modes':
            return {row['user']: row.get('mode') for row in self.enrollment_api.iter_course_enrollments(course_id)
                    if isinstance(row, dict) and 'user' in row}
        return {row['username']: row for row in self.grades_api.iter_course_grades(course_id)
                if isinstance(row, dict) and 'username' in row}

    @staticmethod
    def _instructor_paced(course_id, runs):
        details = next(run.course_details for _, run in runs if run.course_id == course_id) or {}
        return details.get('pacing') == 'instructor'

    def _has_audit_learners(self, course_id, runs):
        modes = self._listings[course_id].modes
        return any(self.is_audit_enrollment(modes.get(run.username)) for _, run in runs if run.course_id == course_id)

    def _map_lms(self, work, runs):
        """``work`` applied to each run, results in the runs' order; a failing run gives None (logged)."""
        return self._parallel_map(lambda run: self._guarded(work, run), runs)

    def _submit(self, work, runs):
        """Start ``work`` on each run in the export's workers; ``_results`` waits for the answers."""
        if self._pool is None:
            return self._map_lms(work, runs)
        if runs:
            self._fetch_token()
        return [self._pool.submit(self._guarded, work, run) for run in runs]

    @contextmanager
    def _lms_workers(self):
        """
        The worker threads of a whole export (none on the reference path): at most
        ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS`` calls in flight.
        """
        concurrency = int(get_setting('ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS'))
        if concurrency <= 1 or self._pool is not None:
            yield
            return
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix='enterprise-export')
        try:
            yield
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _fetch_token(self):
        """Get the OAuth token before a fan-out, so that the workers do not all ask for it at once."""
        try:
            self.lms_session.get_jwt_access_token()
        except requests.RequestException as error:
            LOGGER.error('Could not get an LMS access token: %s', lms_failure_reason(error))

    def _parallel_map(self, function, items):
        """
        ``function`` applied to each item, results in the items' order.

        Up to ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS`` items are worked on at once (1: one
        after the other, the reference path). The OAuth token is fetched before the fan-out.
        ``function`` must make HTTP calls only: it runs in worker threads.
        """
        concurrency = int(get_setting('ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS'))
        if concurrency <= 1 or len(items) <= 1:
            return [function(item) for item in items]
        self._fetch_token()
        if self._pool is not None:  # idle here: the export waits for a chunk before the next one's runs
            return list(self._pool.map(function, items))
        with ThreadPoolExecutor(max_workers=min(concurrency, len(items)),
                                thread_name_prefix='enterprise-export') as pool:
            return list(pool.map(function, items))

    @staticmethod
    def _guarded(work, run):
        try:
            return work(run)
        except LMS_FAILURES as error:
            LOGGER.error('Skipped enrollment %s in %s this run: the LMS failed: %s',
                         run.enrollment_id, run.course_id, lms_failure_reason(error),
                         extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id})
            LOGGER.debug('LMS failure detail', exc_info=True)
            return None


def _results(submitted):
    """The answers of ``_submit``, in order (waiting for the workers when there are any)."""
    return [item.result() if isinstance(item, Future) else item for item in submitted]


def _attempt(function, *args):
    """``function(*args)``, or the LMS failure it raised (returned, not raised)."""
    try:
        return function(*args)
    except LMS_FAILURES as error:
        return error


def lms_failure_reason(error):
    """Why an LMS call failed, without the URL (which may name the learner)."""
    if isinstance(error, HttpError):
        return str(error)
    return type(error).__name__


def _error_code(error):
    """The ``error_code`` of a 404's JSON body, if it has one."""
    try:
        return error.response.json().get('error_code')
    except (AttributeError, ValueError):
        return None
