"""
The one send loop (``transmitters/sending.py``): the crash bound of SPEC 11 however many are in
flight, answers committed together, one query per batch for what a channel needs, dry runs and
stopped runs through the same loop.
"""

import datetime
import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprise_export.channels import get_channel
from enterprise_export.models import DegreedLearnerDataTransmissionAudit
from enterprise_export.outcomes import LmsCredentialsRefusedError
from enterprise_export.transmitters.sending import SendRun
from enterprise_export.workers import Workers
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    UserFactory,
    consenting_enrollment,
)

RUN = 'course-v1:edX+DemoX+Demo_2026'
END_MS = int(datetime.datetime(2026, 3, 31, 17, 45, tzinfo=datetime.UTC).timestamp() * 1000)
DEGREED_TRANSMITTER = get_channel('DEGREED').transmitter_class

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]



@pytest.fixture
def ended_course(lms):
    lms.add_course(RUN, pacing='self', end='2026-03-31T17:45:00Z')


def add_learners(configuration, lms, count, prefix='learner'):
    """``count`` learners of the configuration's customer who passed, each with a Cornerstone identity."""
    for index in range(count):
        username = f'{prefix}-{index:02d}'
        user = UserFactory(username=username, email=f'{username}@example.com')
        enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
        lms.learner(username, RUN, passed=True, percent=0.9)
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user)


def transmit(configuration, batch_size=None, **kwargs):
    channel = get_channel(configuration.channel_code)
    transmitter = channel.build_transmitter(configuration)
    if batch_size is not None:
        transmitter.batch_size = batch_size
    return transmitter.transmit(channel.build_exporter('worker', configuration), **kwargs)


def rows(model):
    return sorted(model.objects.values_list('enterprise_course_enrollment_id', 'course_id', 'status', 'grade'))


@pytest.fixture
def committed(monkeypatch):
    """The sizes of the groups of audit rows written together, in order."""
    groups = []
    save = SendRun._save

    def counted_save(self, records):
        save(self, records)
        groups.append(len(records))

    monkeypatch.setattr(SendRun, '_save', counted_save)
    return groups


def test_one_worker_makes_the_call_at_once():
    calls = []
    future = Workers(1).submit(lambda value: calls.append(value) or value * 2, 21)
    assert calls == [21] and future.done() and future.result() == 42
    failed = Workers(1).submit(int, 'not a number')
    assert failed.done() and isinstance(failed.exception(), ValueError)


@pytest.mark.usefixtures('ended_course')
@pytest.mark.parametrize('batch_size', [1, 5, 100])
@pytest.mark.parametrize('width', [1, 3, 6])
def test_records_sent_but_not_recorded_never_exceed_the_width(settings, lms, channels, monkeypatch, committed,
                                                              width, batch_size):
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = width
    configuration = DegreedConfigurationFactory()
    add_learners(configuration, lms, 12)
    lock, counts = threading.Lock(), {'sent': 0, 'most_unrecorded': 0}
    send = DEGREED_TRANSMITTER.send_record

    def counted_send(self, record):
        with lock:
            counts['sent'] += 1
            unrecorded = counts['sent'] - sum(committed)
            counts['most_unrecorded'] = max(counts['most_unrecorded'], unrecorded)
        time.sleep(0.02)  # the channel's latency: the others go on meanwhile
        return send(self, record)

    monkeypatch.setattr(DEGREED_TRANSMITTER, 'send_record', counted_send)
    summary = transmit(configuration, batch_size=batch_size)
    assert (summary.sent, summary.skipped, summary.failed) == (12, 12, 0)
    assert counts['sent'] == sum(committed) == 12
    assert counts['most_unrecorded'] <= width
    if width > 1:  # several in flight, across batches too
        assert counts['most_unrecorded'] > 1


@pytest.mark.usefixtures('ended_course')
def test_answers_that_came_in_together_are_committed_together(settings, lms, channels, monkeypatch, committed):
    configuration = DegreedConfigurationFactory()
    add_learners(configuration, lms, 9)
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 1
    one_at_a_time = transmit(configuration)
    expected = rows(DegreedLearnerDataTransmissionAudit)
    DegreedLearnerDataTransmissionAudit.objects.all().delete()
    committed.clear()
    # Four in flight whose answers are all in by the time the loop looks: each group is committed at once.
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 4
    monkeypatch.setattr(DEGREED_TRANSMITTER, 'send_executor', lambda self, width: Workers(1))
    together = transmit(configuration)
    assert committed == [1, 4, 4]  # the first call alone (the token), then four at a time
    assert rows(DegreedLearnerDataTransmissionAudit) == expected
    assert (together.sent, together.skipped, together.failed) == (one_at_a_time.sent, one_at_a_time.skipped, 0)


@pytest.mark.usefixtures('ended_course')
def test_cornerstone_identities_are_read_once_per_batch_not_once_per_record(lms, channels):
    def identity_queries(count, prefix):
        configuration = CornerstoneConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory())
        add_learners(configuration, lms, count, prefix)
        with CaptureQueriesContext(connection) as queries:
            summary = transmit(configuration)
        assert summary.sent == count
        return len([query for query in queries if 'cornerstonelearneridentity' in query['sql']])

    assert identity_queries(2, 'few') == identity_queries(9, 'many')
    assert len(channels.received['CSOD']) == 11


@pytest.mark.usefixtures('ended_course')
@pytest.mark.parametrize('width', [1, 4])
def test_a_dry_run_goes_through_the_loop_and_sends_and_saves_nothing(settings, lms, channels, width):
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = width
    configuration = DegreedConfigurationFactory()
    add_learners(configuration, lms, 5)
    summary = transmit(configuration, batch_size=3, dry_run=True)
    assert [record.course_id for record in summary.would_send] == ['edX+DemoX'] * 5
    assert (summary.sent, summary.skipped, summary.failed) == (0, 5, 0)
    assert channels.received['DEGREED'] == [] and channels.tokens['DEGREED'] == 0
    assert rows(DegreedLearnerDataTransmissionAudit) == []


class StoppingExporter:
    """Yields ``records``, then finds the LMS refusing its credentials."""

    lms_failures = None

    def __init__(self, records):
        self.records = records

    def export(self, request):
        yield from self.records
        raise LmsCredentialsRefusedError(401)


def test_a_run_stopped_by_the_export_first_records_the_answers_on_their_way(settings, channels, monkeypatch):
    settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 4
    configuration = DegreedConfigurationFactory()
    records = [DegreedLearnerDataTransmissionAudit(
        enterprise_course_enrollment_id=index, course_id='edX+DemoX', course_completed=True,
        completed_timestamp=END_MS, grade='Pass', degreed_user_email=f'learner{index}@example.com',
    ) for index in range(1, 4)]
    send = DEGREED_TRANSMITTER.send_record

    def slow_send(self, record):
        time.sleep(0.05)  # still in flight when the export stops
        return send(self, record)

    monkeypatch.setattr(DEGREED_TRANSMITTER, 'send_record', slow_send)
    transmitter = get_channel('DEGREED').build_transmitter(configuration)
    transmitter.batch_size = 1
    summary = transmitter.transmit(StoppingExporter(records))
    assert summary.error == 'LMS credentials refused (HTTP 401)'
    assert (summary.sent, len(channels.received['DEGREED'])) == (3, 3)
    assert rows(DegreedLearnerDataTransmissionAudit) == [(index, 'edX+DemoX', 200, 'Pass') for index in (1, 2, 3)]
