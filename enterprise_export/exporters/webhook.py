"""The webhook exporter: one event per enrollment."""

from enterprise_export.exporters.events import EventLearnerExporter
from enterprise_export.models import WebhookLearnerDataTransmissionAudit


class WebhookLearnerExporter(EventLearnerExporter):
    """Records for a customer's webhook: the learner's email and LMS user id go in the event."""

    audit_model = WebhookLearnerDataTransmissionAudit
    channel_code = 'WEBHOOK'
    email_field = 'webhook_user_email'
    event_id_field = 'event_id'
