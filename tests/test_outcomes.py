"""SPEC section 11, rule by rule: what the command, the task results and the audit rows say."""

import datetime
import io
import logging
import os
from unittest import mock

import pytest
import time_machine
from celery.exceptions import Retry
from django.core.management import CommandError, call_command

from demo.standin.http import Failure
from enterprise_export import tasks
from enterprise_export.locks import acquire, configuration_lock, is_locked, release
from enterprise_export.models import ConfigurationLock, DegreedLearnerDataTransmissionAudit
from test_utils.factories import UserFactory
from test_utils.fake_channels import DEGREED

RUN = 'course-v1:edX+DemoX+Demo_2026'
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_clock(settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        yield


def run_command(*args):
    """(exit status, stdout, stderr) of the command, as the shell would see them."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command('transmit_learner_data', *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), f'{err.getvalue()}{error}'
    return 0, out.getvalue(), err.getvalue()


def summary_row(output, channel='DEGREED'):
    line = next(line for line in output.splitlines() if line.startswith(channel))
    return line.split(maxsplit=7)


class TestSummary:

    def test_task_result_carries_every_field(self, degreed, channels):
        result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert {key: result[key] for key in ('sent', 'skipped', 'failed', 'lms_errors', 'error')} == {
            'sent': 3, 'skipped': 3, 'failed': 0, 'lms_errors': 0, 'error': None}

    def test_lms_errors_are_counted_and_not_fatal(self, degreed, lms, channels):
        lms.grades[('bob', RUN)] = Failure(500, 'boom')
        status, output, _ = run_command('--api_user', 'api_worker')
        assert status == 0
        assert summary_row(output)[3:7] == ['2', '2', '0', '1']
        assert output.splitlines()[-1] == 'Total: 2 sent, 2 skipped, 0 failed, 1 lms_errors, 0 configurations in error.'

    def test_refused_lms_credentials_are_an_error_logged_once(self, degreed, channels, settings, caplog):
        settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET = 'wrong'
        with caplog.at_level(logging.WARNING, logger='enterprise_export'):
            status, output, err = run_command('--api_user', 'api_worker')
        assert status == 1
        assert summary_row(output)[7] == 'LMS credentials refused (HTTP 401)'
        assert output.splitlines()[-1].endswith('1 configurations in error.')
        assert 'LMS credentials refused (HTTP 401)' in err
        refused = [record for record in caplog.records if 'LMS credentials refused (HTTP 401)' in record.getMessage()]
        assert len(refused) == 1 and refused[0].levelno == logging.ERROR
        assert not [record for record in caplog.records if 'HTTPError' in record.getMessage()]
        assert channels.received['DEGREED'] == []

    def test_lms_unreachable_for_every_enrollment_is_an_error(self, degreed, lms, channels):
        for name in ('ada', 'bob', 'cy'):
            lms.grades[(name, RUN)] = Failure(503, 'down')
        status, output, _ = run_command('--api_user', 'api_worker')
        assert status == 1
        assert summary_row(output)[6] == '3'
        assert summary_row(output)[7].startswith('LMS unreachable')

    def test_a_task_that_raised_is_an_error(self, degreed, channels):
        with mock.patch('enterprise_export.transmitters.learner_data.LearnerTransmitter.transmit',
                        side_effect=RuntimeError('bug')):
            status, output, err = run_command('--api_user', 'api_worker')
        assert status == 1
        assert summary_row(output)[7] == 'the task raised RuntimeError'
        assert 'RuntimeError' in err

    def test_channel_failures_are_counted_and_not_fatal(self, degreed, channels):
        channels.fail('DEGREED', 500, 'oops')
        status, output, _ = run_command('--api_user', 'api_worker')
        assert status == 0
        assert summary_row(output)[3:6] == ['0', '0', '6']


class TestArguments:

    def test_inactive_api_user_is_refused(self, degreed, channels):
        UserFactory(username='retired', is_active=False)
        with pytest.raises(CommandError, match='inactive'):
            call_command('transmit_learner_data', '--api_user', 'retired')
        assert channels.received['DEGREED'] == []

    @pytest.mark.parametrize('where', ['missing-folder/out.csv', '.'])
    def test_output_is_checked_before_exporting(self, degreed, http, tmp_path, where):
        with pytest.raises(CommandError, match='--output'):
            call_command('transmit_learner_data', '--api_user', 'api_worker', '--dry-run',
                         '--output', str(tmp_path / where))
        assert len(http.calls) == 0  # not even the LMS token

    @pytest.mark.skipif(os.geteuid() == 0, reason='root writes anywhere')
    def test_output_in_a_read_only_folder_is_refused(self, degreed, http, tmp_path):
        tmp_path.chmod(0o500)
        with pytest.raises(CommandError, match='cannot be written'):
            call_command('transmit_learner_data', '--api_user', 'api_worker', '--dry-run',
                         '--output', str(tmp_path / 'out.csv'))


class TestLock:

    def test_a_locked_configuration_sends_nothing_and_says_locked(self, degreed, channels):
        holder = acquire('DEGREED', degreed.pk)
        status, output, _ = run_command('--api_user', 'api_worker')
        assert status == 0
        assert summary_row(output)[3:] == ['0', '0', '0', '0', 'locked']
        assert channels.received['DEGREED'] == []
        status, _, err = run_command('--api_user', 'api_worker', '--fail-if-locked')
        assert status == 1 and 'locked' in err
        release('DEGREED', degreed.pk, holder)
        assert run_command('--api_user', 'api_worker')[0] == 0
        assert len(channels.received['DEGREED']) == 3

    def test_the_lock_is_released_after_a_run_even_a_failed_one(self, degreed, channels):
        with mock.patch('enterprise_export.transmitters.learner_data.LearnerTransmitter.transmit',
                        side_effect=RuntimeError('bug')):
            run_command('--api_user', 'api_worker')
        assert not ConfigurationLock.objects.exists()

    def test_not_reentrant_and_expires(self, settings):
        settings.ENTERPRISE_EXPORT_LOCK_SECONDS = 60
        with configuration_lock('SAP', 7) as first:
            with configuration_lock('SAP', 7) as second:
                assert (first, second) == (True, False)
            with configuration_lock('SAP', 8) as other:
                assert other is True
            assert is_locked('SAP', 7)
            with time_machine.travel(datetime.datetime(2026, 6, 1, 0, 1, 1, tzinfo=datetime.UTC), tick=False):
                assert not is_locked('SAP', 7)
                with configuration_lock('SAP', 7) as after_expiry:
                    assert after_expiry is True  # the dead holder's lock was taken over
        assert not ConfigurationLock.objects.exists()

    def test_a_holder_whose_lock_was_taken_over_does_not_release_the_new_one(self):
        old = acquire('SAP', 7)
        ConfigurationLock.objects.update(expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        new = acquire('SAP', 7)
        release('SAP', 7, old)
        assert new is not None and is_locked('SAP', 7)

    def test_single_learner_task_is_retried_later_for_the_locked_configuration(self, degreed, channels, settings):
        settings.ENTERPRISE_EXPORT_LOCK_RETRY_SECONDS = 120
        UserFactory(username='enterprise_channel_worker')
        holder = acquire('DEGREED', degreed.pk)
        with mock.patch.object(tasks.transmit_single_learner_data, 'retry', side_effect=Retry()) as retry:
            with pytest.raises(Retry):
                tasks.transmit_single_learner_data('ada', RUN)
        assert retry.call_args.kwargs['countdown'] == 120
        assert retry.call_args.kwargs['kwargs'] == {
            'username': 'ada', 'course_run_id': RUN, 'configurations': [['DEGREED', degreed.pk]]}
        assert channels.received['DEGREED'] == []
        release('DEGREED', degreed.pk, holder)
        summaries = tasks.transmit_single_learner_data('ada', RUN, configurations=[['DEGREED', degreed.pk]])
        assert [summary['sent'] for summary in summaries] == [1]


class TestAuditRows:

    def test_each_answer_is_saved_before_the_next_record_is_sent(self, degreed, channels, settings):
        """A run that dies mid-way has recorded every answer it got (nothing waits for a batch)."""
        # One at a time, so that "the next record" is well defined (with workers, at most
        # ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY records are on their way unsaved).
        settings.ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY = 1
        sent_before = []

        def count_rows(request):
            sent_before.append(DegreedLearnerDataTransmissionAudit.objects.filter(status=200).count())
            return None

        channels.fail('DEGREED', 500, 'never', when=lambda payload: count_rows(payload) is not None)
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert sent_before == [0, 1, 2]

    def test_a_failed_run_id_row_is_superseded_by_a_sent_course_key_record(self, degreed, channels):
        channels.fail('DEGREED', 500, 'down')
        first = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert first['failed'] == 6
        channels.failures.clear()
        second = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert (second['sent'], second['failed']) == (3, 0)
        rows = DegreedLearnerDataTransmissionAudit.objects.order_by('enterprise_course_enrollment_id', 'course_id')
        assert [(row.course_id, row.status, row.superseded) for row in rows] == [
            (RUN, 500, True), ('edX+DemoX', 200, False)] * 3

    def test_a_new_attempt_clears_superseded(self, degreed, channels):
        channels.fail('DEGREED', 500, 'down')
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        DegreedLearnerDataTransmissionAudit.objects.update(superseded=True)
        tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert not DegreedLearnerDataTransmissionAudit.objects.filter(superseded=True, course_id='edX+DemoX').exists()

    def test_the_token_endpoint_answering_2xx_without_a_token_leaves_no_2xx_status(self, degreed, http):
        http.add(http.POST, f'{DEGREED}/oauth/token', status=200, json={'token': 'misnamed'})
        result = tasks.transmit_learner_data('api_worker', 'DEGREED', degreed.pk)
        assert result['failed'] == 6 and result['sent'] == 0
        assert set(DegreedLearnerDataTransmissionAudit.objects.values_list('status', flat=True)) == {None}
