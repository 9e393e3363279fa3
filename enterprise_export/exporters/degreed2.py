"""The Degreed v2 exporter: the same records as Degreed's, on the v2 audit model."""

from enterprise_export.exporters.degreed import DegreedLearnerExporter
from enterprise_export.models import Degreed2LearnerDataTransmissionAudit


class Degreed2LearnerExporter(DegreedLearnerExporter):
    """Records for Degreed's v2 API: the learner's email, course key then run id, with the percent grade."""

    audit_model = Degreed2LearnerDataTransmissionAudit
    channel_code = 'DEGREED2'
