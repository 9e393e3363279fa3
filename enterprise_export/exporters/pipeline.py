"""
The chunk pipeline under the learner exporter: chunks of enrollments in, each consenting
enrollment's LMS answer out, in order, with the LMS kept busy across chunks and runs.

For each chunk the database is asked a constant number of questions (consent; the enrollments
come with their learners' accounts) in the exporting thread, and the chunk's learners are handed,
run by run, to the source of LMS answers (``lms.answers.Inquiry.ask``), which gives one future
answer per run. Tasks of a few enrollments each then read those answers for their learners,
once their run's answers are in. A few chunks are queued ahead of the one whose answers are
being read, so that the LMS never waits for the database, for a slow call or for the start of a
run; memory holds those chunks only. Worker threads never touch the database: every query,
every hook of the exporting thread and every record happen in the exporting thread, in the
order of the enrollments.
"""

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import NamedTuple

from django.utils import timezone

from enterprise_export.conf import get_setting
from enterprise_export.exporters.accounts import learner_of, learner_username
from enterprise_export.exporters.gc_freeze import objects_before_frozen
from enterprise_export.lms.answers import Learner, RunAnswers, RunLearners
from enterprise_export.models import granted_consents
from enterprise_export.workers import Workers

LOGGER = logging.getLogger(__name__)

# Enrollments per worker task: enough to make a task's own cost small against its calls, few
# enough that a chunk's tasks spread over every worker.
ENROLLMENTS_PER_TASK = 10
# Chunks whose LMS work is queued while the answers of an earlier one are read: at least two,
# and more with more workers, since a chunk whose runs are answered by listings keeps none busy.
MIN_CHUNKS_AHEAD = 4
WORKERS_PER_CHUNK_AHEAD = 4


class LearnerRun(NamedTuple):
    """
    One enrollment as a worker task sees it: its learner, what the source said about its run,
    and what the chunk read once for all of its enrollments (the time, the audit modes).
    """

    learner: Learner
    answers: RunAnswers
    now: datetime
    audit_modes: frozenset

    @property
    def enrollment_id(self):
        return self.learner.enrollment_id

    @property
    def username(self):
        return self.learner.username

    @property
    def course_id(self):
        return self.answers.course_id

    @property
    def course_details(self):
        return self.answers.details

    def mode(self):
        return self.answers.mode(self.learner)

    def course_grade(self):
        return self.answers.course_grade(self.learner)

    def certificate(self):
        return self.answers.certificate(self.learner)

    def subsection_grades(self):
        return self.answers.subsection_grades(self.learner)

    def remote_id(self):
        return self.answers.remote_id(self.learner)


@dataclass
class _QueuedChunk:
    chunk: list
    tasks: list  # (enrollments, future of (RunAnswers, answers or None)) in enrollment order


def _no_hook(chunk):
    """A chunk hook that does nothing."""


class ChunkPipeline:
    """
    The chunked, concurrent machinery under one export.

    ``answers(chunks, work)`` yields ``(enrollment, answer)`` for each enrollment of the chunks
    whose learner granted ``customer`` consent, in order, where ``work(run)`` (called in a
    worker thread with a ``LearnerRun``, never a query) answered something other than None.
    ``lms`` (an ``LmsAnswers``) is asked ``question``; when the question asks for course details,
    the enrollments of a run without them are left out (logged). What the LMS answered or could
    not tell about is kept in ``tally`` (an ``outcomes.LmsFailures``). ``prepare_chunk`` and
    ``finish_chunk`` are called with each chunk in the exporting thread, before its LMS work is
    queued and once its answers are out.
    """

    def __init__(self, lms, *, customer, question, tally, prepare_chunk=_no_hook, finish_chunk=_no_hook):
        self.lms = lms
        self.customer = customer
        self.question = question
        self.tally = tally
        self.prepare_chunk = prepare_chunk
        self.finish_chunk = finish_chunk

    def answers(self, chunks, work):
        workers = Workers(self.lms.concurrency())
        try:
            with objects_before_frozen():
                inquiry = self.lms.inquiry(self.question, workers)
                ahead = max(MIN_CHUNKS_AHEAD, workers.concurrency // WORKERS_PER_CHUNK_AHEAD)
                queued = deque()
                for chunk in chunks:
                    queued.append(self._queue_chunk(chunk, work, workers, inquiry))
                    if len(queued) > ahead:
                        yield from self._chunk_answers(queued.popleft())
                while queued:
                    yield from self._chunk_answers(queued.popleft())
        finally:
            workers.close()

    # The exporting thread: the database, then the chunk's LMS tasks.

    def _queue_chunk(self, chunk, work, workers, inquiry):
        consenting = self._consenting(chunk)
        now, audit_modes = timezone.now(), frozenset(get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES'))
        runs, groups = [], []
        for course_id, group in groupby(consenting, key=lambda enrollment: enrollment.course_id):
            enrollments = list(group)
            groups.append(enrollments)
            runs.append(RunLearners(course_id, tuple(learner_of(enrollment) for enrollment in enrollments)))
        tasks = []
        for run, enrollments, answers in zip(runs, groups, inquiry.ask(runs, audit_modes), strict=True):
            for start in range(0, len(enrollments), ENROLLMENTS_PER_TASK):
                end = start + ENROLLMENTS_PER_TASK
                tasks.append((enrollments[start:end], workers.schedule(
                    self._ask_learners, work, answers, run.learners[start:end], (now, audit_modes), after=answers)))
        return _QueuedChunk(chunk, tasks)

    def _consenting(self, chunk):
        """
        The enrollments of the chunk whose learner granted consent: a few queries per chunk, and
        ``prepare_chunk``.
        """
        self.prepare_chunk(chunk)
        learner_runs = {}
        for enrollment in chunk:
            username = learner_username(enrollment)
            if username is None:
                LOGGER.warning('Skipped enrollment %s: its learner has no LMS user', enrollment.id,
                               extra={'enrollment_id': enrollment.id})
                continue
            learner_runs[enrollment.id] = (username, enrollment.course_id)
        granted = granted_consents(self.customer, learner_runs.values())
        return [enrollment for enrollment in chunk if learner_runs.get(enrollment.id) in granted]

    # The exporting thread: the answers, in order.

    def _chunk_answers(self, queued):
        for enrollments, task in queued.tasks:
            run_answers, answers = task.result()
            if answers is None:
                for enrollment in enrollments:
                    self._log_missing_details(enrollment, run_answers.details)
                continue
            for enrollment, answer in zip(enrollments, answers, strict=True):
                if answer is not None:
                    yield enrollment, answer
        self.finish_chunk(queued.chunk)

    def _log_missing_details(self, enrollment, failure):
        extra = {'enrollment_id': enrollment.id, 'course_id': enrollment.course_id}
        if failure is None:
            LOGGER.error('Skipped enrollment %s: the Course API has no details for %s',
                         enrollment.id, enrollment.course_id, extra=extra)
        else:
            self.tally.add_failure()
            LOGGER.error('Skipped enrollment %s: course details of %s failed: %s',
                         enrollment.id, enrollment.course_id, self.lms.failure_reason(failure), extra=extra)

    # Worker threads: the source's answers, never the database.

    def _ask_learners(self, work, answers, learners, chunk_values):
        """``work`` on each learner of one run; (RunAnswers, None) when the run has no usable details."""
        run_answers = answers.result()
        if self.question.course_details and not isinstance(run_answers.details, dict):
            return run_answers, None
        now, audit_modes = chunk_values
        return run_answers, [self._guarded(work, LearnerRun(learner, run_answers, now, audit_modes))
                             for learner in learners]

    def _guarded(self, work, run):
        try:
            answer = work(run)
        except self.lms.failure_types as error:
            self.lms.raise_if_fatal(error)
            self.tally.add_failure()
            LOGGER.error('Skipped enrollment %s in %s this run: the LMS failed: %s',
                         run.enrollment_id, run.course_id, self.lms.failure_reason(error),
                         extra={'enrollment_id': run.enrollment_id, 'course_id': run.course_id})
            LOGGER.debug('LMS failure detail', exc_info=True)
            return None
        self.tally.add_answer()
        return answer
