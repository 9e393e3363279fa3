"""
The learner exporter: which enrollments to report, and what the LMS says about each (SPEC section 3).

The decisions live here; the chunked, concurrent reading of enrollments and the LMS is
``enterprise_export.exporters.pipeline``.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from enterprise_export.clients.exceptions import HttpNotFoundError
from enterprise_export.clients.lms import (
    CertificatesApiClient,
    CourseApiClient,
    EnrollmentApiClient,
    GradesApiClient,
    build_lms_session,
)
from enterprise_export.conf import get_setting
from enterprise_export.exporters.base import Exporter
from enterprise_export.exporters.pipeline import (
    LMS_FAILURES,
    ChunkPipeline,
    enrollment_chunks,
    learner_email,
    learner_username,
    lms_failure_reason,
    with_learner_accounts,
    without_transmitted,
)
from enterprise_export.exporters.request import ExportRequest
from enterprise_export.models import LearnerDataTransmissionAudit, get_enrollment_model, has_granted_consent
from enterprise_export.outcomes import LmsFailures
from enterprise_export.utils import (
    is_already_transmitted,
    normalize_grade,
    parse_lms_datetime,
    to_epoch_milliseconds,
)

LOGGER = logging.getLogger(__name__)

# A run's end date, parsed once for all of its learners (an unreadable one raises every time).
_parse_end_date = lru_cache(maxsize=256)(parse_lms_datetime)

__all__ = ['LMS_FAILURES', 'Completion', 'LearnerExporter', 'learner_email', 'learner_username', 'lms_failure_reason']


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

    def __init__(self, user, enterprise_configuration):
        super().__init__(user, enterprise_configuration)
        self._lms_session = None
        self._clients = {}
        self.course_details_cache = {}  # course run id -> Course API details (None: unknown), kept for life
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
        if course_id not in self.course_details_cache:
            self.course_details_cache[course_id] = self.course_api.get_course_details(course_id)
        return self.course_details_cache[course_id]

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
        lms_enrollment = self.enrollment_api.get_course_enrollment(username, enrollment.course_id)
        return not self.is_audit_reporting_disabled((lms_enrollment or {}).get('mode'))

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
        pipeline = ChunkPipeline(self, course_details=True, grade_listings=True)
        for enrollment, completion in pipeline.answers(chunks, self._lms_completion):
            if request.single_learner and (request.grade is not None or request.is_passing):
                self._log_conflicts(enrollment, completion, request.grade, request.is_passing)
            yield from self.get_learner_data_records(
                enrollment,
                completed_date=completion.completed_date,
                grade=completion.grade,
                is_passing=completion.is_passing,
                grade_percent=completion.grade_percent,
            )

    @property
    def chunk_size(self):
        """The configuration's ``transmission_chunk_size`` (500 when it has none)."""
        return max(1, int(getattr(self.enterprise_configuration, 'transmission_chunk_size', 0) or 500))

    def get_enrollments(self, learner=None, course_run_id=None):
        """
        The customer's enrollments of active, linked learners; narrowed to one when both are given.

        Each carries its learner's username and email (``with_learner_accounts``), not the
        learner's or the user's rows: the export reads nothing else of them.
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
        """Ask the LMS about one enrollment (HTTP only) and read it through SPEC section 3's tables."""
        mode = self._lms_mode(run)
        if self.is_audit_reporting_disabled(mode, run.facts.audit_modes):
            LOGGER.debug('Skipped an audit enrollment: the customer does not report audit data',
                         extra={'enrollment_id': run.enrollment_id})
            return None
        is_audit = self.is_audit_enrollment(mode, run.facts.audit_modes)
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
            completed_date=parse_lms_datetime(created) if created else run.facts.now,
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
        now = run.facts.now
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
        pipeline = ChunkPipeline(self, course_details=False, grade_listings=False)
        yield from self._assessment_records(pipeline, enrollment_chunks(self.get_enrollments(), self.chunk_size))

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
        pipeline = ChunkPipeline(self, course_details=True, grade_listings=False)
        yield from self._assessment_records(pipeline, [[enrollment]])

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
        if self.is_audit_reporting_disabled(self._lms_mode(run), run.facts.audit_modes):
            return None
        try:
            return self.grades_api.get_course_assessment_grades(run.course_id, run.username)
        except HttpNotFoundError:
            LOGGER.info('No subsection grades in the LMS', extra={'enrollment_id': run.enrollment_id})
            return None

def _error_code(error):
    """The ``error_code`` of a 404's JSON body, if it has one."""
    try:
        return error.response.json().get('error_code')
    except (AttributeError, ValueError):
        return None
