"""What the event channels' transmitters share (SPEC 17): every completed record, Fail included."""

from enterprise_export.exporters.learner_data import LearnerExporter
from enterprise_export.transmitters.learner_data import LearnerTransmitter
from enterprise_export.utils import from_epoch_milliseconds


def event_moment(epoch_milliseconds):
    """An event's date: ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, to the second)."""
    return from_epoch_milliseconds(epoch_milliseconds).strftime('%Y-%m-%dT%H:%M:%SZ')


class EventLearnerTransmitter(LearnerTransmitter):
    """Sends every record with a completed date, passed or failed; never one still in progress."""

    def is_sendable(self, record):
        return super().is_sendable(record) and record.grade != LearnerExporter.GRADE_INCOMPLETE
