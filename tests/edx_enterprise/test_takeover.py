"""Taking over from edx-enterprise's integrated channels, on its real tables (SPEC section 13)."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from enterprise_export.channels import CHANNELS, get_channel
from enterprise_export.models import (
    CornerstoneEnterpriseCustomerConfiguration,
    CornerstoneLearnerDataTransmissionAudit,
    CornerstoneLearnerIdentity,
    DegreedEnterpriseCustomerConfiguration,
    DegreedLearnerDataTransmissionAudit,
    SAPSuccessFactorsEnterpriseCustomerConfiguration,
    SapSuccessFactorsLearnerDataTransmissionAudit,
)
from enterprise_export.takeover import import_integrated_channels
from test_utils.factories import (
    CornerstoneLearnerIdentityFactory,
    EnterpriseCustomerFactory,
    UserFactory,
    consenting_enrollment,
)
from tests.edx_enterprise.conftest import SENT_AT_MS, needs_edx_enterprise

RUN = 'course-v1:edX+DemoX+Demo_2026'
PAST_END = '2026-03-31T00:00:00Z'

pytestmark = [needs_edx_enterprise, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def fixed_clock(settings):
    settings.ENTERPRISE_EXPORT_CHANNEL_RETRIES = 0
    with time_machine.travel(datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC), tick=False):
        yield


def run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command('import_integrated_channels', *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def learner(customer, username, lms=None, passed=True):
    user = UserFactory(username=username, email=f'{username}@example.com')
    enrollment = consenting_enrollment(customer, RUN, user=user)
    if lms is not None:
        lms.learner(username, RUN, passed=passed, percent=0.9 if passed else 0.2)
    return user, enrollment


def transmit(configuration):
    channel = get_channel(configuration.channel_code)
    return channel.build_transmitter(configuration).transmit(channel.build_exporter('worker', configuration))


class TestConfigurations:

    def test_every_channel_edx_enterprise_has_is_imported_with_its_credentials(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        sap = integrated_channels.sap(customer, transmit_total_hours=True, user_type='admin')
        degreed = integrated_channels.degreed(customer)
        cornerstone = integrated_channels.cornerstone(customer)
        summary = import_integrated_channels()
        assert [(item.channel, item.action) for item in summary.configurations if item.channel != 'DEGREED2'] == [
            ('SAP', 'created'), ('DEGREED', 'created'), ('CSOD', 'created')]

        ours = SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.get(imported_from_id=sap.pk)
        assert (ours.enterprise_customer_id, ours.sapsf_base_url, ours.sapsf_company_id, ours.idp_id) == \
            (customer.pk, sap.sapsf_base_url, 'ACME', 'saml-acme')
        assert (ours.key, ours.secret, ours.user_type, ours.transmit_total_hours) == \
            ('sap-client-id', 'sap-client-secret', 'admin', True)
        assert (ours.provider_id, ours.oauth_api_path) == ('EDX', 'learning/oauth-api/rest/v1/token')
        assert ours.transmission_chunk_size == 500  # records per request there: not copied
        ours = DegreedEnterpriseCustomerConfiguration.objects.get(imported_from_id=degreed.pk)
        assert (ours.key, ours.secret, ours.degreed_company_id, ours.completion_status_api_path) == \
            ('degreed-client-id', 'degreed-client-secret', 'ORG-1', 'api/v1/provider/completion/course')
        ours = CornerstoneEnterpriseCustomerConfiguration.objects.get(imported_from_id=cornerstone.pk)
        assert (ours.key, ours.secret, ours.cornerstone_base_url) == \
            ('csod-user', 'csod-password', 'https://{subdomain}.csod.example.com')

    def test_degreed_v2_waits_for_its_channel(self, integrated_channels):
        original = integrated_channels.degreed2(EnterpriseCustomerFactory())
        [item] = import_integrated_channels().configurations
        if 'DEGREED2' in CHANNELS:
            assert item.action == 'created'
            ours = CHANNELS['DEGREED2'].configuration_model.objects.get(imported_from_id=original.pk)
            assert (ours.client_id, ours.client_secret) == ('degreed2-client-id', 'degreed2-client-secret')
        else:
            assert (item.action, item.reason) == ('skipped', 'this app has no DEGREED2 channel yet')

    def test_deleted_configurations_are_skipped_and_disabled_ones_imported_inactive(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        deleted = integrated_channels.degreed(customer, deleted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        disabled = integrated_channels.degreed(customer, disable_learner_data_transmissions=True)
        outcomes = {item.original_id: item for item in import_integrated_channels().configurations}
        assert (outcomes[deleted.pk].action, outcomes[deleted.pk].reason) == ('skipped', 'deleted in edx-enterprise')
        assert DegreedEnterpriseCustomerConfiguration.objects.get(imported_from_id=disabled.pk).active is False
        assert not DegreedEnterpriseCustomerConfiguration.objects.filter(imported_from_id=deleted.pk).exists()

    def test_a_configuration_with_a_blank_required_field_is_reported_and_skipped(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        broken = integrated_channels.degreed(customer, degreed_base_url='')
        good = integrated_channels.degreed(customer)
        outcomes = {item.original_id: item for item in import_integrated_channels().configurations}
        assert outcomes[broken.pk].action == 'skipped'
        assert 'degreed_base_url' in outcomes[broken.pk].reason
        assert outcomes[good.pk].action == 'created'

    def test_a_second_import_updates_what_changed_and_creates_nothing(self, integrated_channels):
        original = integrated_channels.degreed(EnterpriseCustomerFactory())
        import_integrated_channels()
        assert [item.action for item in import_integrated_channels().configurations] == ['unchanged']
        original.key = 'rotated-client-id'
        original.save()
        assert [item.action for item in import_integrated_channels().configurations] == ['updated']
        assert DegreedEnterpriseCustomerConfiguration.objects.get().key == 'rotated-client-id'


class TestAuditRows:

    def test_only_successful_sends_are_imported_as_this_app_writes_them(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        sap = integrated_channels.sap(customer)
        enrollments = [learner(customer, f'learner{index}')[1] for index in range(5)]
        integrated_channels.sap_audit(sap, enrollments[0])  # is_transmitted
        integrated_channels.sap_audit(sap, enrollments[1], is_transmitted=False)  # from before is_transmitted
        integrated_channels.sap_audit(sap, enrollments[2], is_transmitted=False, status='500', error_message='boom')
        integrated_channels.sap_audit(sap, enrollments[3], is_transmitted=False, status='200', error_message='odd')
        integrated_channels.sap_audit(sap, enrollments[4], is_transmitted=False, status=None)
        [item] = import_integrated_channels(channel_code='SAP').configurations
        assert item.audit_rows == 2
        rows = SapSuccessFactorsLearnerDataTransmissionAudit.objects.order_by('enterprise_course_enrollment_id')
        assert [(row.enterprise_course_enrollment_id, row.course_id, row.subsection_id, row.grade, row.status,
                 row.completed_timestamp, row.sapsf_user_id, row.plugin_configuration_id) for row in rows] == [
            (enrollment.pk, RUN, '', 'Pass', 200, SENT_AT_MS, 'SAP-1', item.configuration_id)
            for enrollment in enrollments[:2]]
        assert all(row.sent_successfully for row in rows)

    def test_degreed_completions_get_the_passing_word_and_subsections_their_percent(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        degreed = integrated_channels.degreed(customer)
        _, completed = learner(customer, 'ada')
        _, not_completed = learner(customer, 'bob')
        integrated_channels.degreed_audit(degreed, completed, grade=0.9)
        integrated_channels.degreed_audit(degreed, completed, subsection_id='block-v1:x', grade=0.5)
        integrated_channels.degreed_audit(degreed, not_completed, course_completed=False)
        import_integrated_channels(channel_code='DEGREED')
        rows = DegreedLearnerDataTransmissionAudit.objects.order_by('subsection_id')
        assert [(row.enterprise_course_enrollment_id, row.subsection_id, row.grade) for row in rows] == [
            (completed.pk, '', 'Pass'), (completed.pk, 'block-v1:x', '0.5')]

    def test_broken_rows_are_reported_and_skipped(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        sap = integrated_channels.sap(customer)
        _, enrollment = learner(customer, 'ada')
        integrated_channels.sap_audit(sap, enrollment)
        integrated_channels.sap_audit(sap, enrollment, enterprise_course_enrollment_id=987654)
        integrated_channels.sap_audit(sap, enrollment, enterprise_course_enrollment_id=None)
        integrated_channels.sap_audit(sap, enrollment, course_id='  ')
        out, err = run_command('--channel', 'sap')
        assert SapSuccessFactorsLearnerDataTransmissionAudit.objects.count() == 1
        assert 'enrollment 987654 does not exist' in err
        assert 'no enrollment id' in err
        assert 'blank course id' in err
        assert '1 audit rows imported, 0 identities, 3 bad rows skipped' in out

    def test_a_second_import_creates_no_row(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        sap = integrated_channels.sap(customer)
        integrated_channels.sap_audit(sap, learner(customer, 'ada')[1])
        import_integrated_channels()
        [item] = import_integrated_channels().configurations
        assert (item.action, item.audit_rows) == ('unchanged', 0)
        assert SapSuccessFactorsLearnerDataTransmissionAudit.objects.count() == 1


class TestCornerstoneIdentities:

    def test_the_newest_identity_per_learner_and_course_key_sent_or_not(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, user_guid='old', session_token='s-old')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, user_guid='new', session_token='s-new',
                                              course_id='edX+DemoX', is_transmitted=False, status='401',
                                              error_message='session expired')
        [item] = import_integrated_channels().configurations
        identity = CornerstoneLearnerIdentity.objects.get()
        assert (item.identities, item.audit_rows) == (1, 1)
        assert (identity.enterprise_customer_user_id, identity.course_id, identity.user_guid,
                identity.session_token, identity.callback_url, identity.subdomain) == (
            enrollment.enterprise_customer_user_id, 'edX+DemoX', 'new', 's-new', '/services/x/progress', 'acme')
        assert import_integrated_channels().configurations[0].identities == 0

    @pytest.mark.parametrize(('audit_row_age', 'expected_guid'), [(datetime.timedelta(days=1), 'from-audit'),
                                                                  (datetime.timedelta(days=-1), 'launched')])
    def test_a_newer_launch_here_wins_over_an_older_audit_row(self, integrated_channels, audit_row_age,
                                                              expected_guid):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user,
                                          course_id='edX+DemoX', user_guid='launched')
        row = integrated_channels.cornerstone_audit(cornerstone, enrollment, user, user_guid='from-audit')
        type(row).objects.filter(pk=row.pk).update(modified=row.modified + audit_row_age)
        import_integrated_channels()
        assert CornerstoneLearnerIdentity.objects.get().user_guid == expected_guid

    @pytest.mark.parametrize('fields', [{'subdomain': 'evil.example.com'}, {'callback_url': 'https://evil.example'}])
    def test_identities_that_would_send_credentials_elsewhere_are_refused(self, integrated_channels, fields):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, **fields)
        [item] = import_integrated_channels().configurations
        assert item.identities == 0
        assert 'Cornerstone identity refused' in item.bad_rows[0]
        assert not CornerstoneLearnerIdentity.objects.exists()


class TestAllowedSubdomains:
    """SPEC 20: the import allows the portals its identities come from, so those launches keep working."""

    def test_the_portals_of_the_imported_identities_are_allowed(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        for username, subdomain in (('ada', 'Initech'), ('bob', 'acme'), ('cyd', 'ACME'), ('dan', 'evil.example.com')):
            user, enrollment = learner(customer, username)
            integrated_channels.cornerstone_audit(cornerstone, enrollment, user, subdomain=subdomain)
        other_customer = EnterpriseCustomerFactory()
        integrated_channels.cornerstone(other_customer)
        [item, other] = import_integrated_channels().configurations
        assert (item.identities, len(item.bad_rows), other.identities) == (3, 1, 0)
        assert CornerstoneEnterpriseCustomerConfiguration.objects.get(
            imported_from_id=cornerstone.pk).allowed_subdomains == ['acme', 'initech']
        assert CornerstoneEnterpriseCustomerConfiguration.objects.get(
            enterprise_customer=other_customer).allowed_subdomains == []

    def test_new_portals_are_added_to_those_there_and_none_taken_back(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, subdomain='acme')
        import_integrated_channels()
        ours = CornerstoneEnterpriseCustomerConfiguration.objects.get()
        ours.allowed_subdomains = ['Globex', 'zeta']  # the operator trimmed acme and added others
        ours.save()
        assert [item.action for item in import_integrated_channels().configurations] == ['unchanged']
        user, enrollment = learner(customer, 'bob')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, subdomain='Initech')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, subdomain='GLOBEX', course_id='a+b')
        [item] = import_integrated_channels().configurations
        assert (item.action, item.identities) == ('updated', 2)
        ours.refresh_from_db()
        assert ours.allowed_subdomains == ['Globex', 'initech', 'zeta']

    def test_after_the_import_launches_from_those_portals_are_accepted_and_others_refused(
            self, integrated_channels, client):
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user, subdomain='acme', user_guid='guid-1')
        import_integrated_channels()
        client.force_login(user)
        launch = {'userGuid': 'guid-1', 'sessionToken': 'fresh', 'callbackUrl': '/services/x/progress'}
        url = reverse('enterprise_export:cornerstone_launch', kwargs={'course_key': 'edX+OtherX'})
        assert client.get(url, {**launch, 'subdomain': 'initech'}).status_code == 400
        assert client.get(url, {**launch, 'subdomain': 'acme'}).status_code == 302
        assert CornerstoneLearnerIdentity.objects.get(course_id='edX+OtherX').session_token == 'fresh'


class TestTakingOver:

    def test_dry_run_reports_the_same_and_writes_nothing(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        sap = integrated_channels.sap(customer)
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        integrated_channels.sap_audit(sap, enrollment)
        integrated_channels.cornerstone_audit(cornerstone, enrollment, user)
        dry_out, dry_err = run_command('--dry-run')
        assert 'Dry run: nothing was written.' in dry_err
        assert not SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.exists()
        assert not CornerstoneEnterpriseCustomerConfiguration.objects.exists()
        assert not SapSuccessFactorsLearnerDataTransmissionAudit.objects.exists()
        assert not CornerstoneLearnerDataTransmissionAudit.objects.exists()
        assert not CornerstoneLearnerIdentity.objects.exists()
        out, _ = run_command()
        assert dry_out == out
        assert 'sap-client-secret' not in dry_out and 'csod-password' not in dry_out
        assert out.splitlines()[-1] == ('Total: 2 configurations (2 created, 0 updated, 0 unchanged), 0 skipped, '
                                        '2 audit rows, 1 identities, 0 bad rows skipped.')

    def test_after_the_import_nothing_already_sent_with_the_same_grade_is_sent_again(
            self, integrated_channels, lms, channels):
        customer = EnterpriseCustomerFactory()
        original = integrated_channels.sap(customer)
        lms.add_course(RUN, pacing='self', end=PAST_END)
        _, sent_pass = learner(customer, 'ada', lms, passed=True)
        _, sent_fail_now_passes = learner(customer, 'bob', lms, passed=True)
        _, never_sent = learner(customer, 'cyd', lms, passed=True)
        for username in ('ada', 'bob', 'cyd'):
            lms.remote_ids[('saml-acme', username)] = f'SAP-{username}'
        for enrollment, grade in ((sent_pass, 'Pass'), (sent_fail_now_passes, 'Fail')):
            for course_id in ('edX+DemoX', RUN):
                integrated_channels.sap_audit(original, enrollment, course_id=course_id, grade=grade,
                                              sapsf_user_id=f'SAP-{enrollment.pk}')
        import_integrated_channels()
        configuration = SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.get()
        summary = transmit(configuration)
        # The stand-in grants a token only for the right key and secret: the imported credentials work.
        assert sorted(entry['userID'] for entry in channels.received['SAP']) == ['SAP-bob', 'SAP-cyd']
        assert summary.sent == 2


class TestTheCommand:

    def test_lines_per_configuration_and_a_total(self, integrated_channels):
        customer = EnterpriseCustomerFactory()
        integrated_channels.sap(customer)
        integrated_channels.degreed(customer)
        out, _ = run_command('--enterprise_customer', str(customer.pk), '--channel', 'DEGREED')
        lines = out.splitlines()
        assert len(lines) == 2
        assert lines[0].startswith('DEGREED configuration ')
        assert f'of customer {customer.pk}: created, 0 audit rows' in lines[0]
        assert lines[1].startswith('Total: 1 configurations (1 created')

    def test_another_customers_configurations_are_left_alone(self, integrated_channels):
        integrated_channels.degreed(EnterpriseCustomerFactory())
        out, _ = run_command('--enterprise_customer', str(EnterpriseCustomerFactory().pk))
        assert out.startswith('Total: 0 configurations')

    @pytest.mark.parametrize('args', [['--channel', 'MOODLE'], ['--enterprise_customer', 'not-a-uuid']])
    def test_bad_arguments(self, integrated_channels, args):
        with pytest.raises(CommandError):
            run_command(*args)


class TestLaunchesNeverSent:

    def test_a_learner_who_launched_but_was_never_sent_keeps_their_identity(self, integrated_channels):
        """edx-enterprise records a launch by user, with no enrollment id, until something is sent (SPEC 13)."""
        customer = EnterpriseCustomerFactory()
        cornerstone = integrated_channels.cornerstone(customer)
        user, enrollment = learner(customer, 'ada')
        other_customer_user, _ = learner(EnterpriseCustomerFactory(), 'bob')  # not a learner of this customer
        integrated_channels.cornerstone_audit(cornerstone, None, user, user_guid='launched-only', subdomain='acme',
                                              course_id='course-v1:edX+DemoX+Demo_2026', is_transmitted=False,
                                              status='', completed_timestamp=None, course_completed=False)
        integrated_channels.cornerstone_audit(cornerstone, None, other_customer_user, user_guid='stranger',
                                              is_transmitted=False, status='', completed_timestamp=None)
        [item] = import_integrated_channels().configurations
        identity = CornerstoneLearnerIdentity.objects.get()
        assert (item.identities, item.audit_rows, item.bad_rows) == (1, 0, [])
        assert (identity.enterprise_customer_user_id, identity.course_id, identity.user_guid) == (
            enrollment.enterprise_customer_user_id, 'edX+DemoX', 'launched-only')
