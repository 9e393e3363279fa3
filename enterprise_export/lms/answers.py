"""
What an export asks the LMS, and the shape of its answers: the interface every source implements.

An export opens one ``Inquiry`` on its source (``LmsAnswers.inquiry``) and, in the exporting
thread, hands it each chunk's consenting learners run by run (``Inquiry.ask``). It gets one
future ``RunAnswers`` per run; the worker tasks of that run read it for each of its learners
(``mode``, ``course_grade``, ``certificate``, ``subsection_grades``, ``remote_id``). A source
decides how: the REST APIs (``lms.api``) find a run's details and bulk listings in a worker
task and ask about a learner when the worker reads it; a source reading the LMS's own tables
would read the whole chunk in the exporting thread (one query per table) and hand back
futures already done. Either way the answers have the shapes of the REST APIs' answers
(SPEC section 2's fields), so the exporter's decisions (SPEC section 3) do not know which
source gave them.

A question a source could not answer raises one of its ``failure_types`` (the exporter leaves
that enrollment for the next run); ``raise_if_fatal`` turns the failures that stop a whole run
(the LMS refused the credentials) into ``RunAbortedError``.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from enterprise_export.conf import get_setting


class Learner(NamedTuple):
    """One enrollment's learner as the LMS knows them."""

    enrollment_id: int
    user_id: int | None
    username: str


@dataclass(frozen=True, slots=True)
class RunLearners:
    """The learners of one course run in one chunk, in enrollment order."""

    course_id: str
    learners: tuple


@dataclass(frozen=True, slots=True)
class Question:
    """
    What an export needs to know, so that a source asks nothing else.

    ``course_details``: the run's details (an export that wants them leaves out the runs that
    have none). ``course_grades``, ``certificates``, ``subsection_grades``: which of a learner's
    results may be read. ``identity_provider``: remote ids are read at that provider (SAP's
    ``idp_id``). ``certificate_path(details, mode, audit_modes)``: the exporter's rule for which
    learners are read from their certificate rather than their course grade, so that a source
    can leave out what nobody reads.
    """

    course_details: bool = True
    course_grades: bool = True
    certificates: bool = True
    subsection_grades: bool = False
    identity_provider: str | None = None
    certificate_path: Callable | None = None


@dataclass(frozen=True, slots=True)
class NoCourseGrade:
    """
    The LMS has no course grade for a learner in a run: ``NOT_ENROLLED`` (the Grades API's
    ``user_not_enrolled``), ``NOT_LISTED`` (not in a whole listing of the run), or ``NOT_FOUND``
    (any other 404; ``detail`` says what the source said).
    """

    NOT_ENROLLED = 'not_enrolled'
    NOT_LISTED = 'not_listed'
    NOT_FOUND = 'not_found'

    kind: str
    detail: str = ''


class RunAnswers(ABC):
    """
    What a source says about one run's learners of one chunk. Read in worker threads: nothing
    in it changes once it is handed out, and reading it makes no database query.

    ``details`` is the Course API's answer for the run (``pacing``, ``end``, ``effort``): a
    dict, None when the run is unknown (or the question did not ask), or the failure (an
    exception, not raised) when the source could not tell.
    """

    def __init__(self, course_id, details):
        self.course_id = course_id
        self.details = details

    @abstractmethod
    def mode(self, learner):
        """The learner's LMS enrollment mode in the run; None when the LMS has no enrollment."""

    @abstractmethod
    def course_grade(self, learner):
        """The learner's grade row (``passed``, ``percent``), or a ``NoCourseGrade``."""

    @abstractmethod
    def certificate(self, learner):
        """The learner's certificate (``created_date``, ``is_passing``, ``grade``, ``status``), or None."""

    @abstractmethod
    def subsection_grades(self, learner):
        """The learner's subsection rows (``section_breakdown``), or None when the LMS has none."""

    @abstractmethod
    def remote_id(self, learner):
        """The learner's id at the question's identity provider, or None when there is none."""


class Inquiry(ABC):
    """One export's questions to a source: what it learned of a run in one chunk serves the next."""

    @abstractmethod
    def ask(self, runs, audit_modes):
        """
        One future ``RunAnswers`` per ``RunLearners`` of ``runs`` (a chunk's, in order). Called
        in the exporting thread; ``audit_modes`` is the setting as the chunk read it.
        """


class LmsAnswers(ABC):
    """
    A source of LMS answers, kept for an exporter's life (course details are asked once per run
    for that life). ``failure_types``: what its answers raise when it could not tell.
    """

    failure_types = ()

    def concurrency(self):
        """
        Worker threads an export on this source runs its learners' tasks on: the setting
        ``ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS`` by default (tasks wait for the LMS). A source
        whose answers are in memory when handed out says 1: threads would only add hand-offs.
        """
        return int(get_setting('ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS'))

    @abstractmethod
    def inquiry(self, question, workers):
        """An ``Inquiry`` for one export asking ``question``, whose tasks run on ``workers``."""

    @abstractmethod
    def course_details(self, course_id):
        """The run's details (as ``RunAnswers.details``, never a failure: that raises), once per run."""

    @abstractmethod
    def enrollment_mode(self, course_id, learner):
        """One learner's LMS enrollment mode in a run (None: no enrollment), asked now."""

    @abstractmethod
    def remote_id(self, identity_provider, learner):
        """One learner's id at ``identity_provider`` (None: none), asked now."""

    def failure_reason(self, error):
        """Why a question failed, in words fit for the logs (no personal data)."""
        return type(error).__name__

    def raise_if_fatal(self, error):
        """Raise ``RunAbortedError`` when ``error`` means no learner can be asked about. Nothing by default."""
        return
