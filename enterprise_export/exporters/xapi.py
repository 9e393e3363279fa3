"""The xAPI exporter: one statement per enrollment, its id the completion's event id."""

from enterprise_export.exporters.events import EventLearnerExporter
from enterprise_export.models import XAPILearnerDataTransmissionAudit


class XAPILearnerExporter(EventLearnerExporter):
    """Records for a Learning Record Store: the learner's email is the statement's actor."""

    audit_model = XAPILearnerDataTransmissionAudit
    channel_code = 'XAPI'
    email_field = 'xapi_user_email'
    event_id_field = 'statement_id'
