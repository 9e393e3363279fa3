"""``manage.py transmit_learner_data``: its errors, its tasks, its summary, and --dry-run."""

import csv
import io
import json
import logging
import uuid
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from enterprise_export.models import (
    CornerstoneLearnerDataTransmissionAudit,
    DegreedLearnerDataTransmissionAudit,
    SapSuccessFactorsLearnerDataTransmissionAudit,
)
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)

RUN = 'course-v1:edX+DemoX+Demo_2026'
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]



def run_command(*args, stderr=None):
    out = io.StringIO()
    call_command('transmit_learner_data', *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


@pytest.fixture
def three_customers(lms, api_user):
    """One customer per channel, two learners each: one passed, one still in progress."""
    lms.add_course(RUN, pacing='self', end=None)
    configurations = [SAPConfigurationFactory(), DegreedConfigurationFactory(), CornerstoneConfigurationFactory()]
    for configuration in configurations:
        for index, passed in enumerate((True, False)):
            user = UserFactory()
            enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
            lms.learner(user.username, RUN, passed=passed)
            lms.remote_ids[('saml-acme', user.username)] = f'SAP-{index}'
            CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user)
    return configurations


class TestErrors:

    def test_api_user_is_required(self):
        with pytest.raises(CommandError, match='--api_user is required'):
            run_command()

    def test_unknown_user(self):
        with pytest.raises(CommandError, match="No user with username 'nobody'"):
            run_command('--api_user', 'nobody')

    def test_unknown_customer(self, api_user):
        with pytest.raises(CommandError, match='No enterprise customer'):
            run_command('--api_user', 'api_worker', '--enterprise_customer', str(uuid.uuid4()))

    def test_malformed_customer(self, api_user):
        with pytest.raises(CommandError, match='not a customer UUID'):
            run_command('--api_user', 'api_worker', '--enterprise_customer', 'acme')

    def test_inactive_customer(self, api_user):
        customer = EnterpriseCustomerFactory(active=False)
        with pytest.raises(CommandError, match='is inactive'):
            run_command('--api_user', 'api_worker', '--enterprise_customer', str(customer.uuid))

    def test_unknown_channel(self, api_user):
        with pytest.raises(CommandError, match="Unknown channel 'MOODLE'"):
            run_command('--api_user', 'api_worker', '--channel', 'MOODLE')

    def test_output_needs_dry_run(self, api_user, tmp_path):
        with pytest.raises(CommandError, match='--output needs --dry-run'):
            run_command('--api_user', 'api_worker', '--output', str(tmp_path / 'out.csv'))

    def test_errors_send_nothing(self, api_user, http, three_customers):
        with pytest.raises(CommandError):
            run_command('--api_user', 'api_worker', '--channel', 'nope')
        assert len(http.calls) == 0


class TestRun:

    def test_queues_one_task_per_active_configuration_of_active_customers(self, api_user):
        active = [SAPConfigurationFactory(), DegreedConfigurationFactory(), DegreedConfigurationFactory()]
        SAPConfigurationFactory(active=False)
        CornerstoneConfigurationFactory(enterprise_customer=EnterpriseCustomerFactory(active=False))
        with mock.patch('enterprise_export.tasks.transmit_learner_data') as task:
            output = run_command('--api_user', 'api_worker')
        queued = sorted(call.args for call in task.delay.call_args_list)
        assert queued == sorted(('api_worker', config.channel_code, config.pk) for config in active)
        assert 'Queued' in output

    def test_filters_by_customer_and_case_insensitive_channel(self, api_user):
        sap = SAPConfigurationFactory()
        DegreedConfigurationFactory(enterprise_customer=sap.enterprise_customer)
        SAPConfigurationFactory()
        with mock.patch('enterprise_export.tasks.transmit_learner_data') as task:
            run_command('--api_user', 'api_worker', '--enterprise_customer', str(sap.enterprise_customer.uuid),
                        '--channel', 'sap')
        assert [call.args for call in task.delay.call_args_list] == [('api_worker', 'SAP', sap.pk)]

    def test_eager_run_sends_and_prints_the_summary(self, three_customers, channels):
        output = run_command('--api_user', 'api_worker')
        lines = output.splitlines()
        assert lines[0].split() == ['channel', 'configuration_id', 'enterprise_customer', 'sent', 'skipped', 'failed',
                                    'lms_errors', 'error']
        rows = {line.split()[0]: line.split()[3:] for line in lines[1:4]}
        # SAP and Degreed: 2 records per learner; the passing learner's course key is sent, its run id
        # skipped, the in-progress learner's two records skipped. Cornerstone: one record per learner.
        assert rows == {'SAP': ['1', '3', '0', '0'], 'DEGREED': ['1', '3', '0', '0'], 'CSOD': ['1', '1', '0', '0']}
        assert lines[-1] == 'Total: 3 sent, 7 skipped, 0 failed, 0 lms_errors, 0 configurations in error.'
        assert len(channels.received['SAP']) == len(channels.received['DEGREED']) == 1
        assert len(channels.received['CSOD']) == 1
        assert SapSuccessFactorsLearnerDataTransmissionAudit.objects.filter(status=200).count() == 1

    def test_no_channel_secret_in_the_output_or_the_logs(self, three_customers, channels, caplog):
        with caplog.at_level(logging.DEBUG, logger='enterprise_export'):
            output = run_command('--api_user', 'api_worker') + run_command('--api_user', 'api_worker', '--dry-run')
        for configuration in three_customers:
            assert configuration.key not in output + caplog.text
            assert configuration.secret not in output + caplog.text

    def test_second_run_sends_nothing_new(self, three_customers, channels):
        run_command('--api_user', 'api_worker')
        output = run_command('--api_user', 'api_worker')
        assert output.splitlines()[-1] == (
            'Total: 0 sent, 10 skipped, 0 failed, 0 lms_errors, 0 configurations in error.')
        assert sum(len(received) for received in channels.received.values()) == 3

    def test_no_configuration(self, api_user):
        assert 'nothing to transmit' in run_command('--api_user', 'api_worker')


class TestDryRun:

    def assert_nothing_sent_or_saved(self, http):
        assert not any('example.com' in call.request.url and 'lms' not in call.request.url for call in http.calls)
        for model in (SapSuccessFactorsLearnerDataTransmissionAudit, DegreedLearnerDataTransmissionAudit,
                      CornerstoneLearnerDataTransmissionAudit):
            assert model.objects.count() == 0

    def test_prints_json_lines_without_personal_data(self, three_customers, http, channels):
        err = io.StringIO()
        output = run_command('--api_user', 'api_worker', '--dry-run', stderr=err)
        records = [json.loads(line) for line in output.splitlines()]
        assert [record['channel'] for record in records] == ['SAP', 'DEGREED', 'CSOD']
        assert set(records[0]) == {'channel', 'configuration_id', 'enrollment_id', 'course_id', 'grade',
                                   'course_completed', 'completed_timestamp'}
        assert records[0]['course_id'] == 'edX+DemoX' and records[0]['grade'] == 'Pass'
        assert 'SAP-' not in output and '@' not in output
        assert err.getvalue().strip() == 'Dry run: 3 records would be sent; nothing was sent or saved.'
        self.assert_nothing_sent_or_saved(http)

    def test_writes_csv(self, three_customers, http, tmp_path):
        path = tmp_path / 'would-send.csv'
        run_command('--api_user', 'api_worker', '--dry-run', '--output', str(path))
        with open(path, encoding='utf-8') as written:
            rows = list(csv.DictReader(written))
        assert [row['channel'] for row in rows] == ['SAP', 'DEGREED', 'CSOD']
        assert list(rows[0]) == ['channel', 'configuration_id', 'enrollment_id', 'course_id', 'grade',
                                 'course_completed', 'completed_timestamp']
        self.assert_nothing_sent_or_saved(http)

    def test_writes_json_lines(self, three_customers, tmp_path):
        path = tmp_path / 'would-send.jsonl'
        run_command('--api_user', 'api_worker', '--dry-run', '--output', str(path), '--channel', 'degreed')
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert [row['channel'] for row in rows] == ['DEGREED']


def test_a_configuration_whose_secret_no_key_reads_stops_before_any_call(three_customers, http, settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['the key that made them']
    sap = SAPConfigurationFactory(enterprise_customer=three_customers[0].enterprise_customer)
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key']
    calls_before = len(http.calls)
    with pytest.raises(CommandError) as stopped:
        run_command('--api_user', 'api_worker', '--channel', 'SAP',
                    '--enterprise_customer', str(sap.enterprise_customer.uuid))
    assert stopped.value.returncode == 1
    assert f'SAP {sap.pk}: channel secret unreadable with the configured keys' in str(stopped.value)
    assert len(http.calls) == calls_before  # no token, no LMS call, no completion
    assert not SapSuccessFactorsLearnerDataTransmissionAudit.objects.exists()
