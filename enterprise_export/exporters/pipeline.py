"""
The chunk pipeline under the learner exporter: enrollments in chunks, a few queries per chunk,
the LMS kept busy across chunks and runs.

Enrollments are read run by run in keyset pages and handed out in chunks of
``transmission_chunk_size``. For each chunk the database is asked a constant number of
questions (the enrollments with their learners' usernames and emails, consent, earlier
transmissions) in the exporting thread; the chunk's LMS work is then queued: for each of its
runs, one task that asks the course details and bulk listings (ahead of any enrollment
work), then tasks of a few enrollments each that ask about each
learner. Up to ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS`` tasks run at once over one OAuth
session. A few chunks are queued ahead of the one whose answers are being read, so that the
LMS never waits for the database, for a slow call or for the start of a run; memory holds
those chunks only. Worker threads make HTTP calls only; every query, every hook of the
exporting thread and every record happen in the exporting thread, in the order of the
enrollments.
"""

import gc
import logging
import queue
import threading
from collections import deque
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import count, groupby

import requests
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from enterprise_export.clients.exceptions import HttpError, ListingStoppedError
from enterprise_export.conf import get_setting
from enterprise_export.models import granted_consents
from enterprise_export.outcomes import LmsCredentialsRefusedError, refused_token_status
from enterprise_export.utils import latest_transmitted_grades, normalize_grade

LOGGER = logging.getLogger(__name__)

# What can go wrong when asking the LMS about one enrollment, other than the 404s the tables
# handle: 4xx/5xx answers, unreadable bodies, timeouts and connection errors, missing fields.
LMS_FAILURES = (HttpError, requests.RequestException, ValueError, KeyError, TypeError)

# Enrollments per worker task: enough to make a task's own cost small against its calls, few
# enough that a chunk's tasks spread over every worker.
ENROLLMENTS_PER_TASK = 10
# Chunks whose LMS work is queued while the answers of an earlier one are read: at least two,
# and more with more workers, since a chunk whose runs are answered by listings keeps none busy.
MIN_CHUNKS_AHEAD = 4
WORKERS_PER_CHUNK_AHEAD = 4
_NOT_ASKED = object()

# What ``LearnerExporter.get_enrollments`` reads with each enrollment (``with_learner_accounts``):
# its learner's username and email, from the user table, in the enrollments' own query.
# edx-enterprise's ``EnterpriseCustomerUser.user`` is a plain property that queries on every access.
LEARNER_USERNAME = 'enterprise_export_username'
LEARNER_EMAIL = 'enterprise_export_email'


def with_learner_accounts(enrollments):
    """
    ``enrollments`` (a queryset joined to the learners) with each learner's username and email
    (None when the user is gone), looked up by primary key for the rows read.
    """
    user = get_user_model()._default_manager.filter(pk=OuterRef('enterprise_customer_user__user_id'))
    return enrollments.annotate(**{
        LEARNER_USERNAME: Subquery(user.values('username')[:1]),
        LEARNER_EMAIL: Subquery(user.values('email')[:1]),
    })


def _learner_account(enrollment):
    """``(username, email)`` of an enrollment's learner: as read with it, else asked now."""
    if not hasattr(enrollment, LEARNER_USERNAME):
        user = get_user_model()._default_manager.filter(
            pk=enrollment.enterprise_customer_user.user_id,
        ).values('username', 'email').first() or {}
        setattr(enrollment, LEARNER_USERNAME, user.get('username'))
        setattr(enrollment, LEARNER_EMAIL, user.get('email'))
    return getattr(enrollment, LEARNER_USERNAME), getattr(enrollment, LEARNER_EMAIL)


def learner_username(enrollment):
    """The username of an enrollment's learner (None when the user is gone)."""
    return _learner_account(enrollment)[0]


def learner_email(enrollment):
    """The email of an enrollment's learner (None when the user is gone or has none)."""
    return _learner_account(enrollment)[1] or None


@dataclass(frozen=True, slots=True)
class RunListing:
    """
    A run's bulk listings: LMS enrollment mode and (when fetched) grade row, by username.

    A listing that stopped before its end (at a ``next`` link off the LMS) is partial: a learner
    missing from it is not known to be missing from the LMS, and is asked about on its own.
    """

    modes: dict
    grades: dict | None = None
    partial_modes: bool = False
    partial_grades: bool = False

    def for_learner(self, username):
        """
        What of the listings answers for ``username``: all of them; the modes only, when a partial
        grade listing does not hold the learner; None, when a partial mode listing does not.
        """
        if self.partial_modes and username not in self.modes:
            return None
        if self.partial_grades and username not in self.grades:
            return RunListing(self.modes)
        return self


@dataclass(frozen=True, slots=True)
class RunFacts:
    """
    One course run as the enrollment tasks of a chunk see it: what the LMS said about the run,
    and what the chunk read once for all of its enrollments.

    ``details`` is the Course API's answer (None: unknown, or not asked), or the failure.
    """

    course_id: str
    details: object
    listing: RunListing | None
    now: datetime
    audit_modes: frozenset


@dataclass(frozen=True, slots=True)
class LearnerRun:
    """The facts of one enrollment a worker thread needs: plain values, no model instances."""

    enrollment_id: int
    username: str
    facts: RunFacts

    @property
    def course_id(self):
        return self.facts.course_id

    @property
    def course_details(self):
        return self.facts.details

    @property
    def listing(self):
        return self.facts.listing


def enrollment_chunks(enrollments, size):
    """
    Yield lists of at most ``size`` enrollments, in (course_id, id) order.

    The runs come from one query; each run is then read in keyset pages by id (``course_id =
    X AND id > Y ORDER BY id``), which every database serves from the (course_id, id) index
    and stops reading at the page's end. A single ``(course_id, id) > (X, Y)`` condition
    would make the database sort all of the customer's enrollments for every page.
    """
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


def without_transmitted(chunks, TransmissionAudit, grade, plugin_configuration_id):  # noqa: N803
    """Each chunk without the enrollments whose latest successful transmission carried ``grade``."""
    wanted = normalize_grade(grade)
    for chunk in chunks:
        sent_grades = latest_transmitted_grades(TransmissionAudit, [enrollment.id for enrollment in chunk],
                                                plugin_configuration_id=plugin_configuration_id)
        yield [enrollment for enrollment in chunk
               if enrollment.id not in sent_grades or sent_grades[enrollment.id] != wanted]


class LmsWorkers:
    """
    Threads that run the LMS tasks of one export, run-level tasks first.

    ``submit(work, *args, urgent=, after=)`` returns a ``Future``; the task is queued once the
    future ``after`` is done, so that no worker ever waits for another task. With one worker
    (the reference path) every task runs at once, in the exporting thread.
    """

    def __init__(self, concurrency):
        self.concurrency = concurrency
        self._threads = []
        self._tasks = queue.PriorityQueue()
        self._order = count()
        self._closed = False
        if concurrency > 1:
            self._threads = [threading.Thread(target=self._work, name=f'enterprise-export-{index}', daemon=True)
                             for index in range(concurrency)]
            for thread in self._threads:
                thread.start()

    @property
    def threaded(self):
        return bool(self._threads)

    def submit(self, work, *args, urgent=False, after=None):
        future = Future()
        task = (0 if urgent else 1, next(self._order), future, work, args)
        if after is None or after.done():
            self._queue(task)
        else:
            after.add_done_callback(lambda _: self._queue(task))
        return future

    def _queue(self, task):
        if not self._threads:
            _run(*task[2:])
        elif not self._closed:
            self._tasks.put(task)

    def _work(self):
        while True:
            task = self._tasks.get()
            if task[2] is None:
                return
            _run(*task[2:])

    def close(self):
        """Drop the tasks not started, and wait for the running ones."""
        self._closed = True
        while True:
            try:
                self._tasks.get_nowait()[2].cancel()
            except queue.Empty:
                break
        for _ in self._threads:
            self._tasks.put((-1, next(self._order), None, None, None))
        for thread in self._threads:
            thread.join()


# Objects frozen when this module was imported: Python 3.12 freezes a few hundred of its own
# at start-up; more than that later means the process froze its objects itself.
_FROZEN_AT_IMPORT = gc.get_freeze_count()


@contextmanager
def objects_before_frozen():
    """
    Keep the objects that existed before the export out of the garbage collector's full
    collections while it runs (``gc.freeze``), and hand them back after (``gc.unfreeze``).

    A full collection walks every tracked object with every thread stopped, so no LMS answer
    is read meanwhile. An export allocates enough to cause several; in an LMS process most of
    what each one walks is modules and settings that outlive any export. Nothing is done when
    the process froze objects itself: a server that froze them before forking keeps them frozen.
    """
    if gc.get_freeze_count() > _FROZEN_AT_IMPORT:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(future, work, args):
    if not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(work(*args))
    except BaseException as error:  # noqa: BLE001 - handed to the exporting thread, which raises it
        future.set_exception(error)


@dataclass
class _QueuedChunk:
    chunk: list
    tasks: list  # (enrollments, future of (RunFacts, answers or None)) in enrollment order


class ChunkPipeline:
    """
    The chunked, concurrent machinery under one export of a ``LearnerExporter``.

    ``answers(chunks, work)`` yields ``(enrollment, answer)`` for each consenting enrollment of
    the chunks, in order, where ``work(run)`` (called in a worker thread with a ``LearnerRun``,
    HTTP only) answered something other than None. With ``course_details``, the enrollments
    of a run the Course API does not know or could not tell about are left out (logged);
    ``grade_listings`` adds the bulk grade listing to the enrollment listing of a run.

    What it uses of the exporter: its customer, LMS clients and session, ``prepare_chunk`` and
    ``finish_chunk`` (exporting thread), ``is_audit_enrollment``, ``course_details_cache`` (read
    and filled in the exporting thread) and ``lms_failures`` (what the LMS could not tell).
    """

    def __init__(self, exporter, *, course_details, grade_listings):
        self.exporter = exporter
        self.course_details = course_details
        self.grade_listings = grade_listings
        self._latest_facts = {}  # course id -> the future RunFacts of the latest chunk with the run

    def answers(self, chunks, work):
        with self._workers() as workers, objects_before_frozen():
            ahead = max(MIN_CHUNKS_AHEAD, workers.concurrency // WORKERS_PER_CHUNK_AHEAD)
            queued = deque()
            for chunk in chunks:
                queued.append(self._queue_chunk(chunk, work, workers))
                if len(queued) > ahead:
                    yield from self._chunk_answers(queued.popleft())
            while queued:
                yield from self._chunk_answers(queued.popleft())

    @contextmanager
    def _workers(self):
        workers = LmsWorkers(int(get_setting('ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS')))
        try:
            yield workers
        finally:
            workers.close()

    # The exporting thread: the database, then the chunk's LMS tasks.

    def _queue_chunk(self, chunk, work, workers):
        consenting = self._consenting(chunk)
        if consenting and workers.threaded:
            self._fetch_token()
        now, audit_modes = timezone.now(), frozenset(get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES'))
        minimum = int(get_setting('ENTERPRISE_EXPORT_BULK_LISTING_MIN_LEARNERS'))
        latest, tasks = {}, []
        for course_id, group in groupby(consenting, key=lambda enrollment: enrollment.course_id):
            enrollments = list(group)
            learners = [(enrollment.id, learner_username(enrollment)) for enrollment in enrollments]
            previous = self._latest_facts.get(course_id)
            facts = workers.submit(
                self._run_facts, course_id, [username for _, username in learners], previous,
                self.exporter.course_details_cache.get(course_id, _NOT_ASKED), (now, audit_modes, minimum),
                urgent=True, after=previous,
            )
            latest[course_id] = facts
            for start in range(0, len(enrollments), ENROLLMENTS_PER_TASK):
                end = start + ENROLLMENTS_PER_TASK
                tasks.append((enrollments[start:end],
                              workers.submit(self._ask_learners, work, facts, learners[start:end], after=facts)))
        self._latest_facts = latest  # runs come in order: a run of no later chunk is done with
        return _QueuedChunk(chunk, tasks)

    def _consenting(self, chunk):
        """
        The enrollments of the chunk whose learner granted consent: a few queries per chunk, and
        ``prepare_chunk``.
        """
        self.exporter.prepare_chunk(chunk)
        learner_runs = {}
        for enrollment in chunk:
            username = learner_username(enrollment)
            if username is None:
                LOGGER.warning('Skipped enrollment %s: its learner has no LMS user', enrollment.id,
                               extra={'enrollment_id': enrollment.id})
                continue
            learner_runs[enrollment.id] = (username, enrollment.course_id)
        granted = granted_consents(self.exporter.enterprise_customer, learner_runs.values())
        return [enrollment for enrollment in chunk if learner_runs.get(enrollment.id) in granted]

    def _fetch_token(self):
        """Get the OAuth token before a fan-out, so that the workers do not all ask for it at once."""
        try:
            self.exporter.lms_session.get_jwt_access_token()
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
            LOGGER.error('Could not get an LMS access token: %s', lms_failure_reason(error))

    # The exporting thread: the answers, in order.

    def _chunk_answers(self, queued):
        for enrollments, task in queued.tasks:
            facts, answers = task.result()
            if answers is None:
                for enrollment in enrollments:
                    self._log_missing_details(enrollment, facts.details)
                continue
            if self.course_details:
                self.exporter.course_details_cache.setdefault(facts.course_id, facts.details)
            for enrollment, answer in zip(enrollments, answers, strict=True):
                if answer is not None:
                    yield enrollment, answer
        self.exporter.finish_chunk(queued.chunk)

    def _log_missing_details(self, enrollment, failure):
        extra = {'enrollment_id': enrollment.id, 'course_id': enrollment.course_id}
        if failure is None:
            LOGGER.error('Skipped enrollment %s: the Course API has no details for %s',
                         enrollment.id, enrollment.course_id, extra=extra)
        else:
            self.exporter.lms_failures.add_failure()
            LOGGER.error('Skipped enrollment %s: course details of %s failed: %s',
                         enrollment.id, enrollment.course_id, lms_failure_reason(failure), extra=extra)

    # Worker threads: HTTP only, on plain values.

    def _ask_learners(self, work, facts, learners):
        """``work`` on each learner of one run; (RunFacts, None) when the run has no usable details."""
        run_facts = facts.result()
        if self.course_details and not isinstance(run_facts.details, dict):
            return run_facts, None
        return run_facts, [
            self._guarded(work, LearnerRun(enrollment_id, username, _learner_facts(run_facts, username)))
            for enrollment_id, username in learners]

    def _guarded(self, work, run):
        try:
            answer = work(run)
        except LMS_FAILURES as error:
            raise_if_credentials_refused(error)
            self.exporter.lms_failures.add_failure()
            LOGGER.error('Skipped enrollment %s in %s this run: the LMS failed: %s',
                         run.enrollment_id, run.course_id, lms_failure_reason(error),
                         extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id})
            LOGGER.debug('LMS failure detail', exc_info=True)
            return None
        self.exporter.lms_failures.add_answer()
        return answer

    def _run_facts(self, course_id, usernames, previous, known_details, chunk_values):
        """
        The ``RunFacts`` of a run for one chunk: what the chunk before with the run learned, or
        else the course details (unless asked and known), and the bulk listings this chunk needs.
        """
        now, audit_modes, minimum = chunk_values
        prior = previous.result() if previous is not None else None
        details, listing = None, None
        if self.course_details:
            details = self._course_details(course_id, prior, known_details)
        if isinstance(details, dict) or not self.course_details:  # no listing for a run left out
            listing = self._run_listing(course_id, usernames, details, prior.listing if prior else None,
                                        minimum, audit_modes)
        return RunFacts(course_id, details, listing, now, audit_modes)

    def _course_details(self, course_id, prior, known_details):
        if prior is not None and not isinstance(prior.details, Exception):
            return prior.details
        if known_details is not _NOT_ASKED:
            return known_details
        return _attempt(self.exporter.course_api.get_course_details, course_id)  # a failure is asked again

    def _run_listing(self, course_id, usernames, details, listing, minimum, audit_modes):
        """
        The run's bulk listings, when at least ``minimum`` of the chunk's learners are in the run
        (or an earlier chunk listed it): the enrollment listing, and with ``grade_listings`` the
        grade listing where some learner takes the grades path. A failed listing is logged, and
        its learners are asked about one by one.
        """
        if listing is None and (minimum <= 0 or len(usernames) < minimum):
            return None
        if listing is None:
            modes = self._listing(course_id, 'modes')
            if modes is None:
                return None
            by_username, whole = modes
            listing = RunListing(by_username, partial_modes=not whole)
        wants_grades = self.grade_listings and listing.grades is None
        if wants_grades and self._grades_path(details, listing, usernames, audit_modes):
            grades = self._listing(course_id, 'grades')
            if grades is not None:
                by_username, whole = grades
                listing = replace(listing, grades=by_username, partial_grades=not whole)
        return listing

    def _grades_path(self, details, listing, usernames, audit_modes):
        """True when some learner takes the grades path: a self-paced run, or an audit learner."""
        if not isinstance(details, dict) or details.get('pacing') != 'instructor':
            return True
        return any(self.exporter.is_audit_enrollment(listing.modes.get(username), audit_modes)
                   for username in usernames)

    def _listing(self, course_id, kind):
        """
        The run's ``'modes'`` or ``'grades'`` listing by username, and whether it is whole: one
        that stopped at a ``next`` link off the LMS (logged by the client) is kept as far as it
        went. None when it failed (logged).
        """
        by_username = {}
        try:
            if kind == 'modes':
                rows, key = self.exporter.enrollment_api.iter_course_enrollments(course_id), 'user'
            else:
                rows, key = self.exporter.grades_api.iter_course_grades(course_id), 'username'
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


def _learner_facts(facts, username):
    """``facts`` as one learner's enrollment sees them: without a partial listing that does not hold the learner."""
    listing = facts.listing
    learner_listing = listing.for_learner(username) if listing is not None else None
    return facts if learner_listing is listing else replace(facts, listing=learner_listing)


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
