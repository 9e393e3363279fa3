"""
The learner exporter: which enrollments to report, and what the LMS says about each (SPEC section 3).

The decisions live here. The chunked, concurrent reading of enrollments and LMS answers is
``exporters.pipeline``; where the answers come from is the source of ``enterprise_export.lms``,
which the decisions here do not know.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from enterprise_export.audits import is_already_transmitted, normalize_grade
from enterprise_export.conf import get_setting
from enterprise_export.exporters.accounts import learner_of, learner_username, with_learner_accounts
from enterprise_export.exporters.base import Exporter
from enterprise_export.exporters.chunks import enrollment_chunks, without_transmitted
from enterprise_export.exporters.pipeline import ChunkPipeline
from enterprise_export.exporters.request import ExportRequest
from enterprise_export.lms import build_lms_answers
from enterprise_export.lms.answers import NoCourseGrade, Question
from enterprise_export.models import LearnerDataTransmissionAudit, get_enrollment_model, has_granted_consent
from enterprise_export.outcomes import LmsFailures
from enterprise_export.utils import parse_lms_datetime, to_epoch_milliseconds

LOGGER = logging.getLogger(__name__)

# A run's end date, parsed once for all of its learners (an unreadable one raises every time).
_parse_end_date = lru_cache(maxsize=256)(parse_lms_datetime)

# What a run's subsection grades are asked with: no course details (bulk) or with them (one learner).
BULK_ASSESSMENT = Question(course_details=False, course_grades=False, certificates=False, subsection_grades=True)
SINGLE_ASSESSMENT = Question(course_details=True, course_grades=False, certificates=False, subsection_grades=True)


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
    # The audit model whose rows say what was already sent: a channel exporter's channel's.
    audit_model = None

    def __init__(self, user, enterprise_configuration, *, lms=None):
        super().__init__(user, enterprise_configuration)
        self._lms = lms
        self.lms_failures = LmsFailures()  # what the LMS could not tell about, for the run's summary

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

    # The LMS answers, from one source (``enterprise_export.lms``) for the exporter's life.

    @property
    def lms(self):
        """The source of LMS answers (an ``lms.answers.LmsAnswers``), built on first use unless given."""
        if self._lms is None:
            self._lms = build_lms_answers(self.user)
        return self._lms

    def get_course_details(self, course_id):
        """The run's course details, asked once per run for the exporter's life (None: unknown)."""
        return self.lms.course_details(course_id)

    @property
    def identity_provider(self):
        """The provider whose remote ids ``get_learner_data_records`` needs (SAP's ``idp_id``); None here."""
        return None

    # Consent and audit enrollments.

    def is_audit_enrollment(self, mode, audit_modes=None):
        """
        True when an LMS enrollment mode is one of ``ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES``
        (``audit_modes``: the setting as a chunk read it once for all of its enrollments).
        """
        if audit_modes is None:
            audit_modes = get_setting('ENTERPRISE_COURSE_ENROLLMENT_AUDIT_MODES')
        return mode in audit_modes

    def is_audit_reporting_disabled(self, mode, audit_modes=None):
        """True for an audit enrollment of a customer who does not report audit data."""
        return self.is_audit_enrollment(mode, audit_modes) and not self.enterprise_customer.enables_audit_data_reporting

    def has_data_sharing_consent(self, enrollment):
        """
        True when the learner granted consent for the run (or its course) and, should this be an
        audit enrollment, the customer reports audit data. Asks the LMS for the mode only when
        consent was granted.
        """
        username = learner_username(enrollment)
        if username is None or not has_granted_consent(
            username=username, course_id=enrollment.course_id, enterprise_customer=self.enterprise_customer,
        ):
            return False
        mode = self.lms.enrollment_mode(enrollment.course_id, learner_of(enrollment))
        return not self.is_audit_reporting_disabled(mode)

    def takes_certificate_path(self, course_details, mode, audit_modes=None):
        """
        SPEC 3 step 5: the completion of an instructor-paced run's enrollment that is not an audit
        enrollment is read from its certificate; every other from its course grade.
        """
        return (isinstance(course_details, dict) and course_details.get('pacing') == 'instructor'
                and not self.is_audit_enrollment(mode, audit_modes))

    # Course-level export.

    def export(self, request=None, *, learner_to_transmit=None, course_run_id=None, grade=None, is_passing=False,
               completed_date=None, skip_transmitted=True, TransmissionAudit=None, app_label=None):  # noqa: N803
        """
        Yield the unsaved audit records of every enrollment that may and should be reported.

        ``request`` (an ``ExportRequest``) says what is asked; SPEC 3's keyword arguments build
        one when it is not given. Enrollments already sent with the request's ``grade`` to the
        audit model (``TransmissionAudit``, else the exporter's own ``audit_model``) are skipped
        (``ExportRequest.checks_transmitted``). ``app_label`` is not used (the exporter knows its
        channel).
        """
        if request is None:
            request = ExportRequest(learner=learner_to_transmit, course_run_id=course_run_id, grade=grade,
                                    is_passing=is_passing, completed_date=completed_date,
                                    skip_transmitted=skip_transmitted)
        yield from self._export(request, TransmissionAudit or self.audit_model)

    def _export(self, request, audit_model):
        if request.single_learner:
            LOGGER.debug('Single-learner export; the caller gives completion date %s', request.completed_date,
                         extra={'course_id': request.course_run_id})
            enrollments = self.get_enrollments(request.learner, request.course_run_id)
        else:
            enrollments = self.get_enrollments()
        chunks = enrollment_chunks(enrollments, self.chunk_size)
        if audit_model is not None and request.checks_transmitted:
            chunks = without_transmitted(chunks, audit_model, request.grade,
                                         getattr(self.enterprise_configuration, 'id', None))
        question = Question(identity_provider=self.identity_provider, certificate_path=self.takes_certificate_path)
        for enrollment, completion in self._pipeline(question).answers(chunks, self._lms_completion):
            if request.single_learner and (request.grade is not None or request.is_passing):
                self._log_conflicts(enrollment, completion, request.grade, request.is_passing)
            yield from self.get_learner_data_records(
                enrollment,
                completed_date=completion.completed_date,
                grade=completion.grade,
                is_passing=completion.is_passing,
                grade_percent=completion.grade_percent,
            )

    def _pipeline(self, question):
        return ChunkPipeline(self.lms, customer=self.enterprise_customer, question=question, tally=self.lms_failures,
                             prepare_chunk=self.prepare_chunk, finish_chunk=self.finish_chunk)

    @property
    def chunk_size(self):
        """The configuration's ``transmission_chunk_size`` (500 when it has none)."""
        return max(1, int(getattr(self.enterprise_configuration, 'transmission_chunk_size', 0) or 500))

    def get_enrollments(self, learner=None, course_run_id=None):
        """
        The customer's enrollments of active, linked learners; narrowed to one when both are given.

        Each carries its learner's username, email and user id (``with_learner_accounts``), not
        the learner's or the user's rows: the export reads nothing else of them.
        """
        enrollments = get_enrollment_model()._default_manager.filter(
            enterprise_customer_user__enterprise_customer=self.enterprise_customer,
            enterprise_customer_user__active=True,
            enterprise_customer_user__linked=True,
        )
        enrollments = with_learner_accounts(enrollments)
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
        """Read one enrollment's LMS answers (in a worker: never a query) through SPEC section 3's tables."""
        mode = run.mode()
        if self.is_audit_reporting_disabled(mode, run.audit_modes):
            LOGGER.debug('Skipped an audit enrollment: the customer does not report audit data',
                         extra={'enrollment_id': run.enrollment_id})
            return None
        if self.takes_certificate_path(run.course_details, mode, run.audit_modes):
            completion = self._certificate_completion(run)
        else:
            completion = self._grades_completion(run, self.is_audit_enrollment(mode, run.audit_modes))
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
        Hook, in a worker thread, for each enrollment that will get records: read what else of
        the LMS ``get_learner_data_records`` will need (``run`` is a ``pipeline.LearnerRun``:
        ``run.remote_id()`` for instance; never a query). Nothing by default.
        """

    def _certificate_completion(self, run):
        certificate = run.certificate()
        if certificate is None:
            return Completion(None, self.grade_incomplete, False, None)
        is_passing = bool(certificate.get('is_passing'))
        created = certificate.get('created_date')
        return Completion(
            completed_date=parse_lms_datetime(created) if created else run.now,
            grade=self.grade_passing if is_passing else self.grade_failing,
            is_passing=is_passing,
            grade_percent=certificate.get('grade'),
        )

    def _grades_completion(self, run, is_audit):
        course_grade = run.course_grade()
        if isinstance(course_grade, NoCourseGrade):
            self._log_missing_grade(run, course_grade)
            return Completion(None, None, None, None)
        passed = bool(course_grade.get('passed'))
        percent = course_grade.get('percent')
        now = run.now
        end = run.course_details.get('end')
        end_date = _parse_end_date(end) if end else None
        if end_date is not None and end_date < now:
            if is_audit:
                grade = self.grade_audit
            else:
                grade = self.grade_passing if passed else self.grade_failing
            return Completion(end_date, grade, passed, percent)
        if passed:
            return Completion(now, self.grade_passing, True, percent)
        return Completion(None, self.grade_incomplete, passed, percent)

    @staticmethod
    def _log_missing_grade(run, missing):
        extra = {'enrollment_id': run.enrollment_id, 'course_id': run.course_id}
        if missing.kind == NoCourseGrade.NOT_ENROLLED:
            LOGGER.info('No grade: the learner is not enrolled in the run in the LMS', extra=extra)
        elif missing.kind == NoCourseGrade.NOT_LISTED:
            LOGGER.info('No grade: the learner is not in the LMS grade listing of the run', extra=extra)
        else:
            LOGGER.error('No grade for enrollment %s in %s: %s', run.enrollment_id, run.course_id, missing.detail,
                         extra=extra)

    @staticmethod
    def _log_conflicts(enrollment, completion, grade, is_passing):
        """In a single-learner export, say when the caller's grade or passing differ from the LMS's."""
        grade_differs = grade is not None and normalize_grade(grade) != completion.grade
        passing_differs = bool(is_passing) and not completion.is_passing
        if grade_differs or passing_differs:
            LOGGER.error(
                'Conflicting data for enrollment %s in %s: caller grade %s passing %s, LMS grade %s passing %s;'
                ' the LMS wins',
                enrollment.id, enrollment.course_id, grade, is_passing, completion.grade, completion.is_passing,
                extra={'enrollment_id': enrollment.id, 'course_id': enrollment.course_id},
            )

    # Assessment-level export.

    def bulk_assessment_level_export(self):
        """Yield one record per attempted subsection of every consenting enrollment of the customer."""
        chunks = enrollment_chunks(self.get_enrollments(), self.chunk_size)
        yield from self._assessment_records(self._pipeline(BULK_ASSESSMENT), chunks)

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
        yield from self._assessment_records(self._pipeline(SINGLE_ASSESSMENT), [[enrollment]])

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

    def _assessment_records(self, pipeline, chunks):
        for enrollment, assessment_grades in pipeline.answers(chunks, self._lms_assessment_grades):
            yield from self.get_learner_assessment_data_records(enrollment, assessment_grades)

    def _lms_assessment_grades(self, run):
        if self.is_audit_reporting_disabled(run.mode(), run.audit_modes):
            return None
        subsection_grades = run.subsection_grades()
        if subsection_grades is None:
            LOGGER.info('No subsection grades in the LMS', extra={'enrollment_id': run.enrollment_id})
        return subsection_grades
