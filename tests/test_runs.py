"""
SPEC 19 and 21: every run recorded (``TransmissionRun``), its run id on the audit rows it wrote,
its telemetry and its one summary line; ``prune_transmission_runs``; a resend on request
(``--enterprise_enrollment_id ID [--force]``); a failed row superseded by the other target's
success, both ways.
"""

import datetime
import io
import logging
import uuid
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.db.models import QuerySet

from enterprise_export import tasks
from enterprise_export.locks import configuration_lock
from enterprise_export.models import (
    DegreedLearnerDataTransmissionAudit,
    TransmissionRun,
    get_consent_model,
    get_enrollment_model,
)
from enterprise_export.transmitters.sending import SendRun
from test_utils.factories import DegreedConfigurationFactory

RUN = 'course-v1:edX+DemoX+Demo_2026'
COURSE_KEY = 'edX+DemoX'
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_clock(settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    with time_machine.travel(NOW, tick=False):
        yield


def run_command(*args):
    """(exit status, stdout) of the command, as the shell would see them."""
    out = io.StringIO()
    try:
        call_command('transmit_learner_data', *args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def rows():
    return DegreedLearnerDataTransmissionAudit.objects.order_by('enterprise_course_enrollment_id', 'course_id')


def is_course_key_record(payload):
    return COURSE_KEY in str(payload) and RUN not in str(payload)


class TestRecordedRuns:

    def test_a_run_is_recorded_with_its_counts_and_its_id_on_the_rows_it_wrote(self, degreed, channels):
        channels.fail('DEGREED', 500, 'down', when=lambda payload: 'bob' in str(payload))
        result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        run = TransmissionRun.objects.get()
        assert (run.channel, run.configuration_id, run.enterprise_customer_id) == (
            'DEGREED', degreed.pk, degreed.enterprise_customer_id)
        assert (run.sent, run.skipped, run.failed, run.lms_errors, run.error) == (
            result['sent'], result['skipped'], result['failed'], 0, '')
        assert (run.started, run.finished) == (NOW, NOW)
        assert set(rows().values_list('run_id', flat=True)) == {run.run_id}

    def test_the_row_is_written_when_the_run_starts(self, degreed, channels):
        seen = []
        original = SendRun.send

        def send(send_run, records):
            seen.extend(TransmissionRun.objects.values_list('finished', flat=True))
            return original(send_run, records)

        with mock.patch.object(SendRun, 'send', send):
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert seen == [None]  # a run killed here would show no finished time

    def test_each_run_has_its_own_id_and_rows_keep_the_id_of_the_run_that_last_wrote_them(self, degreed, channels):
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        first = TransmissionRun.objects.get()
        second_result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert second_result['sent'] == 0
        assert TransmissionRun.objects.count() == 2
        # The second run sent nothing: every row keeps the first run's id.
        assert set(rows().values_list('run_id', flat=True)) == {first.run_id}

    def test_a_locked_run_is_recorded_with_its_error(self, degreed, channels):
        with configuration_lock('DEGREED', degreed.pk):
            result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert result['error'] == 'locked'
        run = TransmissionRun.objects.get()
        assert (run.error, run.sent, run.finished) == ('locked', 0, NOW)

    def test_a_run_the_credentials_stopped_is_recorded_with_its_error(self, degreed, channels, settings):
        settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'wrong'
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert TransmissionRun.objects.get().error == 'LMS credentials refused (HTTP 401)'

    def test_a_dry_run_is_not_recorded(self, degreed, channels):
        status, _ = run_command('--api_user', 'api_worker', '--dry-run')
        assert status == 0
        assert not TransmissionRun.objects.exists()

    def test_the_single_learner_task_records_one_run_per_configuration_with_the_run_id_it_was_given(
            self, degreed, channels):
        run_id = str(uuid.uuid4())
        summaries = tasks.transmit_single_learner_data('ada', RUN, configurations=[['DEGREED', degreed.pk]],
                                                       run_ids=[run_id])
        assert [summary['sent'] for summary in summaries] == [1]
        run = TransmissionRun.objects.get()
        assert str(run.run_id) == run_id
        assert {str(value) for value in rows().values_list('run_id', flat=True)} == {run_id}

    def test_run_ids_go_one_per_configuration(self, degreed):
        with pytest.raises(ValueError, match='one run id per configuration'):
            tasks.transmit_single_learner_data('ada', RUN, run_ids=[str(uuid.uuid4())])


class TestTelemetry:

    def test_the_run_sets_its_custom_attributes(self, degreed, channels):
        with mock.patch('enterprise_export.runs.set_custom_attribute') as set_attribute:
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        attributes = {call.args[0]: call.args[1] for call in set_attribute.call_args_list}
        duration = attributes.pop('enterprise_export.duration_s')
        assert isinstance(duration, float) and duration >= 0
        assert attributes == {
            'enterprise_export.channel': 'DEGREED', 'enterprise_export.configuration_id': degreed.pk,
            'enterprise_export.sent': 3, 'enterprise_export.skipped': 3, 'enterprise_export.failed': 0,
            'enterprise_export.lms_errors': 0, 'enterprise_export.error': '',
        }

    def test_an_error_is_an_attribute_too(self, degreed, channels):
        with configuration_lock('DEGREED', degreed.pk), \
                mock.patch('enterprise_export.runs.set_custom_attribute') as set_attribute:
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert mock.call('enterprise_export.error', 'locked') in set_attribute.call_args_list

    def test_a_dry_run_sets_none(self, degreed, channels):
        with mock.patch('enterprise_export.runs.set_custom_attribute') as set_attribute:
            run_command('--api_user', 'api_worker', '--dry-run')
        set_attribute.assert_not_called()

    def test_one_info_summary_line_per_run_with_its_run_id(self, degreed, channels, caplog):
        with caplog.at_level(logging.INFO, logger='enterprise_export'):
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        run = TransmissionRun.objects.get()
        lines = [record for record in caplog.records
                 if record.levelno == logging.INFO and str(run.run_id) in record.getMessage()]
        assert len(lines) == 1
        assert 'DEGREED configuration' in lines[0].getMessage()
        assert '3 sent, 3 skipped, 0 failed, 0 lms_errors' in lines[0].getMessage()
        assert lines[0].run_id == str(run.run_id)

    def test_the_tasks_carry_the_code_owner_attribute(self):
        # ``set_code_owner_attribute`` wraps the task's function (functools.wraps keeps its name).
        for task in (tasks.transmit_learner_data, tasks.transmit_single_learner_data):
            assert task.run.__wrapped__.__name__ == task.__name__.rsplit('.', 1)[-1]


class TestPrune:

    def test_runs_older_than_the_retention_are_deleted(self, degreed, channels, settings):
        settings.ENTERPRISE_EXPORT_RUN_RETENTION_DAYS = 30
        for days_ago in (31, 29, 0):
            with time_machine.travel(NOW - datetime.timedelta(days=days_ago), tick=False):
                tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        out = io.StringIO()
        call_command('prune_transmission_runs', stdout=out)
        assert TransmissionRun.objects.count() == 2
        assert 'Deleted 1 transmission runs started before 2026-05-02T00:00:00Z' in out.getvalue()

    def test_the_default_retention_is_90_days(self, degreed, channels):
        with time_machine.travel(NOW - datetime.timedelta(days=91), tick=False):
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        with time_machine.travel(NOW - datetime.timedelta(days=89), tick=False):
            tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        call_command('prune_transmission_runs', stdout=io.StringIO())
        assert TransmissionRun.objects.count() == 1


class TestResend:

    @staticmethod
    def _enrollment(username):
        user = get_user_model().objects.get(username=username)
        return get_enrollment_model().objects.get(enterprise_customer_user__user_id=user.pk).pk

    def test_one_enrollment_is_sent_in_the_command_s_process(self, degreed, channels):
        status, output = run_command('--api_user', 'api_worker', '--enterprise_enrollment_id',
                                     str(self._enrollment('bob')))
        assert status == 0
        assert output.splitlines()[-1] == 'Total: 1 sent, 1 skipped, 0 failed, 0 lms_errors, 0 configurations in error.'
        assert len(channels.received['DEGREED']) == 1
        assert {row.enterprise_course_enrollment_id for row in rows()} == {self._enrollment('bob')}
        run = TransmissionRun.objects.get()
        assert set(rows().values_list('run_id', flat=True)) == {run.run_id}

    def test_what_was_sent_is_not_sent_again_without_force(self, degreed, channels):
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        status, output = run_command('--api_user', 'api_worker', '--enterprise_enrollment_id',
                                     str(self._enrollment('bob')))
        assert status == 0
        assert output.splitlines()[-1].startswith('Total: 0 sent, 2 skipped, 0 failed')
        assert len(channels.received['DEGREED']) == 3

    def test_force_sends_it_again_and_updates_its_row(self, degreed, channels):
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        first_run = TransmissionRun.objects.get()
        bob = self._enrollment('bob')
        status, output = run_command('--api_user', 'api_worker', '--enterprise_enrollment_id', str(bob), '--force')
        assert status == 0
        # The course-key record is sent again; its run-id record still is not, after it.
        assert output.splitlines()[-1].startswith('Total: 1 sent, 1 skipped, 0 failed')
        assert len(channels.received['DEGREED']) == 4
        resend = TransmissionRun.objects.exclude(pk=first_run.pk).get()
        bob_row = rows().get(enterprise_course_enrollment_id=bob, course_id=COURSE_KEY)
        assert bob_row.run_id == resend.run_id
        assert set(rows().exclude(enterprise_course_enrollment_id=bob).values_list('run_id', flat=True)) == {
            first_run.run_id}

    def test_a_locked_configuration_is_reported_and_recorded(self, degreed, channels):
        with configuration_lock('DEGREED', degreed.pk):
            status, output = run_command('--api_user', 'api_worker', '--enterprise_enrollment_id',
                                         str(self._enrollment('bob')), '--fail-if-locked')
        assert status == 1
        assert 'locked' in output
        assert TransmissionRun.objects.get().error == 'locked'
        assert channels.received['DEGREED'] == []

    def test_consent_still_applies(self, degreed, channels):
        get_consent_model().objects.update(granted=False)
        status, output = run_command('--api_user', 'api_worker', '--enterprise_enrollment_id',
                                     str(self._enrollment('bob')), '--force')
        assert status == 0
        assert channels.received['DEGREED'] == []

    def test_an_unknown_enrollment_is_an_error(self, degreed):
        with pytest.raises(CommandError, match='No enterprise course enrollment 999999'):
            call_command('transmit_learner_data', '--api_user', 'api_worker', '--enterprise_enrollment_id', '999999')

    def test_force_needs_an_enrollment(self, degreed):
        with pytest.raises(CommandError, match='--force needs --enterprise_enrollment_id'):
            call_command('transmit_learner_data', '--api_user', 'api_worker', '--force')

    def test_an_enrollment_of_another_customer_is_an_error(self, degreed):
        other = DegreedConfigurationFactory()
        with pytest.raises(CommandError, match='is not of enterprise customer'):
            call_command('transmit_learner_data', '--api_user', 'api_worker', '--enterprise_enrollment_id',
                         str(self._enrollment('bob')), '--enterprise_customer', str(other.enterprise_customer.uuid))


class TestSupersededBothWays:

    def test_a_failed_course_key_row_is_superseded_when_the_run_id_was_sent(self, degreed, channels):
        channels.fail('DEGREED', 500, 'down', when=is_course_key_record)
        result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert (result['sent'], result['failed']) == (3, 3)
        assert [(row.course_id, row.status, row.superseded) for row in rows()] == [
            (RUN, 200, False), (COURSE_KEY, 500, True)] * 3

    def test_a_course_key_row_failed_in_an_earlier_run_is_superseded_when_the_run_id_goes_through(
            self, degreed, channels):
        channels.fail('DEGREED', 500, 'down', when=is_course_key_record)
        channels.fail('DEGREED', 503, 'later', when=lambda payload: RUN in str(payload))
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert not rows().filter(superseded=True).exists()
        channels.failures.pop()  # the run id goes through now; the course key still fails
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert [(row.course_id, row.status, row.superseded) for row in rows()] == [
            (RUN, 200, False), (COURSE_KEY, 500, True)] * 3

    def test_rows_only_marked_superseded_keep_the_run_id_of_the_run_that_wrote_them(self, degreed, channels):
        channels.fail('DEGREED', 500, 'down')
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        first_run = TransmissionRun.objects.get()
        channels.failures.clear()
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        second_run = TransmissionRun.objects.exclude(pk=first_run.pk).get()
        assert [(row.course_id, row.superseded, row.run_id) for row in rows()] == [
            (RUN, True, first_run.run_id), (COURSE_KEY, False, second_run.run_id)] * 3

    def test_a_failed_row_left_beside_a_sent_one_is_superseded_by_the_next_run(self, degreed, channels):
        # Rows as an import (or a version before superseding held both ways) may have left them:
        # the run id sent, the course key failed, nothing superseded.
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        rows().filter(course_id=COURSE_KEY).update(status=500, error_message='down', failure_kind='server_error')
        DegreedLearnerDataTransmissionAudit.objects.bulk_create([
            DegreedLearnerDataTransmissionAudit(
                plugin_configuration_id=degreed.pk, enterprise_course_enrollment_id=row.enterprise_course_enrollment_id,
                course_id=RUN, grade=row.grade, status=200, degreed_user_email=row.degreed_user_email,
                course_completed=True, completed_timestamp=row.completed_timestamp)
            for row in rows().filter(course_id=COURSE_KEY)
        ])
        result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert (result['sent'], result['failed']) == (0, 0)
        assert [(row.course_id, row.status, row.superseded) for row in rows()] == [
            (RUN, 200, False), (COURSE_KEY, 500, True)] * 3


class TestARunTheDatabaseStopped:

    def test_its_summary_still_tells_what_it_did_when_its_end_cannot_be_recorded(self, degreed, channels, caplog):
        original_update = QuerySet.update

        def update(queryset, **values):
            if queryset.model is TransmissionRun and 'finished' in values and values['finished'] is not None:
                raise OperationalError('server has gone away')
            return original_update(queryset, **values)

        with mock.patch.object(QuerySet, 'update', update), caplog.at_level(logging.INFO, logger='enterprise_export'):
            result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert (result['sent'], result['skipped'], result['error']) == (3, 3, None)
        assert TransmissionRun.objects.get().finished is None  # as a run that died shows
        messages = [record.getMessage() for record in caplog.records]
        assert any('its end could not be recorded' in message for message in messages)
        assert any('3 sent, 3 skipped, 0 failed' in message for message in messages)
