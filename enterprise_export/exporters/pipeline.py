"""
The chunk pipeline under the learner exporter: enrollments in chunks, a few queries per chunk,
the LMS asked concurrently.

Enrollments are read run by run in keyset pages and handed out in chunks of
``transmission_chunk_size``. For each chunk the database is asked a constant number of
questions (users, consent, earlier transmissions); the LMS is then asked about each
enrollment that may be reported, with up to ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS``
calls in flight over one OAuth session. Worker threads make HTTP calls only; every query and
every record is made in the exporting thread, in the order of the enrollments.
"""

import logging
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace

import requests
from django.contrib.auth import get_user_model

from enterprise_export.clients.exceptions import HttpError
from enterprise_export.conf import get_setting
from enterprise_export.models import get_consent_model
from enterprise_export.outcomes import LmsCredentialsRefusedError, LmsFailures, refused_token_status
from enterprise_export.utils import get_course_key, latest_transmitted_grades, normalize_grade

LOGGER = logging.getLogger(__name__)

# What can go wrong when asking the LMS about one enrollment, other than the 404s the tables
# handle: 4xx/5xx answers, unreadable bodies, timeouts and connection errors, missing fields.
LMS_FAILURES = (HttpError, requests.RequestException, ValueError, KeyError, TypeError)

# Where a chunk's enrollment keeps its learner's Django user, loaded once for the whole chunk:
# edx-enterprise's ``EnterpriseCustomerUser.user`` is a plain property that queries on every access.
_LEARNER_USER = '_enterprise_export_user'
_NOT_LOADED = object()


def learner_user(enrollment):
    """The Django user of an enrollment's learner (None when it is gone): the chunk's, else asked now."""
    user = getattr(enrollment, _LEARNER_USER, _NOT_LOADED)
    if user is _NOT_LOADED:
        user = get_user_model().objects.filter(pk=enrollment.enterprise_customer_user.user_id).first()
        setattr(enrollment, _LEARNER_USER, user)
    return user


def learner_username(enrollment):
    user = learner_user(enrollment)
    return user.username if user is not None else None


def learner_email(enrollment):
    user = learner_user(enrollment)
    return (user.email or None) if user is not None else None


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


class ChunkPipeline:
    """
    The chunked, concurrent machinery of ``LearnerExporter`` (a mixin: it uses the exporter's
    LMS clients, ``prepare_chunk`` and ``is_audit_enrollment``).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._listings = {}
        self._pool = None
        self.lms_failures = LmsFailures()

    @staticmethod
    def _finished(pending):
        """A submitted chunk with its answers in (waiting for them); None stays None."""
        if pending is None:
            return None
        chunk, runs, submitted = pending
        return chunk, runs, _results(submitted)

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
                enrollment.id, enrollment.course_id, learner_username(enrollment), run_details,
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

    def _log_missing_details(self, enrollment, failure):
        extra = {'enrollment_id': enrollment.id, 'course_id': enrollment.course_id}
        if failure is None:
            LOGGER.error('Skipped enrollment %s: the Course API has no details for %s',
                         enrollment.id, enrollment.course_id, extra=extra)
        else:
            self.lms_failures.add_failure()
            LOGGER.error('Skipped enrollment %s: course details of %s failed: %s',
                         enrollment.id, enrollment.course_id, lms_failure_reason(failure), extra=extra)

    @staticmethod
    def _load_users(chunk):
        """Give each enrollment of the chunk its learner's Django user (``learner_user``), in one query."""
        users = get_user_model().objects.in_bulk({enrollment.enterprise_customer_user.user_id for enrollment in chunk})
        for enrollment in chunk:
            setattr(enrollment, _LEARNER_USER, users.get(enrollment.enterprise_customer_user.user_id))

    def _consented_ids(self, chunk):
        """
        The ids of the chunk's enrollments whose learner granted consent, in one query.

        Same rule as ``enterprise_export.models.has_granted_consent``: the run's row, else the
        course key's row, else no consent.
        """
        wanted = {}
        for enrollment in chunk:
            username = learner_username(enrollment)
            if username is None:
                LOGGER.warning('Skipped enrollment %s: its learner has no LMS user', enrollment.id,
                               extra={'enrollment_id': enrollment.id})
                continue
            wanted[enrollment.id] = (username, enrollment.course_id, get_course_key(enrollment.course_id))
        course_ids = {run for _, run, _ in wanted.values()} | {key for _, _, key in wanted.values() if key}
        granted = {
            (username, course_id): is_granted
            for username, course_id, is_granted in get_consent_model()._default_manager.filter(
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
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
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

    def _guarded(self, work, run):
        try:
            answer = work(run)
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
            self.lms_failures.add_failure()
            LOGGER.error('Skipped enrollment %s in %s this run: the LMS failed: %s',
                         run.enrollment_id, run.course_id, lms_failure_reason(error),
                         extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id})
            LOGGER.debug('LMS failure detail', exc_info=True)
            return None
        self.lms_failures.add_answer()
        return answer


def _results(submitted):
    """The answers of ``_submit``, in order (waiting for the workers when there are any)."""
    return [item.result() if isinstance(item, Future) else item for item in submitted]


def _attempt(function, *args):
    """``function(*args)``, or the LMS failure it raised (returned, not raised)."""
    try:
        return function(*args)
    except LMS_FAILURES as error:
        raise_if_credentials_refused(error)
        return error


def raise_if_credentials_refused(error):
    """Stop the export when the LMS refused its OAuth credentials: no enrollment can be asked about."""
    status = refused_token_status(error)
    if status is not None:
        raise LmsCredentialsRefusedError(status) from error


def lms_failure_reason(error):
    """Why an LMS call failed, without the URL (which may name the learner)."""
    if isinstance(error, HttpError):
        return str(error)
    return type(error).__name__
