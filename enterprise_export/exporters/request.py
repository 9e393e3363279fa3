"""What an export is asked for: every learner of a configuration, or one learner in one run."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """
    One export's question (SPEC 3's keyword arguments of ``export()``, as one value).

    ``learner`` (a user) and ``course_run_id`` together narrow the export to that learner's
    enrollment in that run. ``grade`` and ``is_passing`` are what the caller believes: the LMS
    wins where they differ (a conflict is logged), and an enrollment already sent with
    ``grade`` is not asked about again while ``skip_transmitted`` holds. ``completed_date`` is
    only logged.
    """

    learner: object = None
    course_run_id: str | None = None
    grade: str | None = None
    is_passing: bool = False
    completed_date: datetime | None = None
    skip_transmitted: bool = True

    @property
    def single_learner(self):
        """True when the export is narrowed to one learner's enrollment in one run."""
        return self.learner is not None and self.course_run_id is not None

    @property
    def checks_transmitted(self):
        """
        True when enrollments already sent with the caller's grade are left out before the LMS is
        asked. A request without a grade (a full run) leaves that to the transmitter, which checks
        each record's own grade: nothing is ever sent with no grade.
        """
        return self.skip_transmitted and self.grade is not None


EVERY_LEARNER = ExportRequest()
