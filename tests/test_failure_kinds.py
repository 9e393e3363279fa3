"""
A failure is a kind: whoever knows it stores it on the audit row, and the reason operators read
in the API and the admin comes from it and the status, never from the channel's words.
"""


import pytest
import requests
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils.html import escape

from enterprise_export.channels import get_channel
from enterprise_export.clients.exceptions import ChannelError, ChannelTokenError
from enterprise_export.failures import NO_ANSWER, SESSION_EXPIRED, FailureKind
from enterprise_export.models import CornerstoneLearnerIdentity
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    DegreedConfigurationFactory,
    SAPConfigurationFactory,
    UserFactory,
    consenting_enrollment,
)
from test_utils.fake_channels import DEGREED

RUN = 'course-v1:edX+DemoX+Demo_2026'
REWORDED = 'The channel said something else entirely this time'

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures('fixed_clock')]



@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def learner_of(configuration, lms, username='ada'):
    """A passing learner of ``configuration``'s customer in an ended course, known to every channel."""
    lms.add_course(RUN, pacing='self', end='2026-03-31T17:45:00Z')
    user = UserFactory(username=username, email=f'{username}@example.com')
    enrollment = consenting_enrollment(configuration.enterprise_customer, RUN, user=user)
    lms.learner(username, RUN, passed=True, percent=0.9)
    lms.remote_ids[(getattr(configuration, 'idp_id', ''), username)] = 'SAP-1'
    CornerstoneLearnerIdentityFactory(enterprise_customer_user=enrollment.enterprise_customer_user)
    return enrollment


def transmit(configuration, *, before_sending=None):
    """Export and send ``configuration``'s learners; ``before_sending()`` runs once the records are exported."""
    channel = get_channel(configuration.channel_code)
    exporter = channel.build_exporter('worker', configuration)
    if before_sending is not None:
        export = exporter.export

        def export_then(request):
            records = list(export(request))
            before_sending()
            yield from records

        exporter.export = export_then
    return channel.build_transmitter(configuration).transmit(exporter)


def inactive_account(request, lms, http, monkeypatch):
    configuration = SAPConfigurationFactory()
    learner_of(configuration, lms)
    request.getfixturevalue('channels').fail('SAP', 400, '{"message": "The User Account Is Inactive"}')
    return configuration, {}


def session_expired(request, lms, http, monkeypatch):
    configuration = CornerstoneConfigurationFactory()
    learner_of(configuration, lms)
    request.getfixturevalue('channels').fail('CSOD', 401, 'session expired')
    return configuration, {}


def no_identity(request, lms, http, monkeypatch):
    configuration = CornerstoneConfigurationFactory()
    learner_of(configuration, lms)
    request.getfixturevalue('channels')
    # The learner's identity goes between the export and the send (an admin deleted it, say).
    return configuration, {'before_sending': lambda: CornerstoneLearnerIdentity.objects.all().delete()}


def unreadable_token(request, lms, http, monkeypatch):
    configuration = DegreedConfigurationFactory()
    learner_of(configuration, lms)
    http.add(http.POST, f'{DEGREED}/oauth/token', status=200, json={'expires_in': 3600})
    return configuration, {}


def no_answer(request, lms, http, monkeypatch):
    configuration = DegreedConfigurationFactory()
    learner_of(configuration, lms)
    http.add(http.POST, f'{DEGREED}/oauth/token', json={'access_token': 't', 'expires_in': 3600})
    http.add(http.POST, f'{DEGREED}/api/v1/provider/completion/course', body=requests.ConnectTimeout('slow'))
    return configuration, {}


def refused(request, lms, http, monkeypatch):
    configuration = DegreedConfigurationFactory()
    learner_of(configuration, lms)
    request.getfixturevalue('channels').fail('DEGREED', 400, '{"error": "invalid email"}')
    return configuration, {}


def unexpected(request, lms, http, monkeypatch):
    configuration = DegreedConfigurationFactory()
    learner_of(configuration, lms)
    request.getfixturevalue('channels')

    def broken(self, record):
        raise ValueError('a bug')

    monkeypatch.setattr(get_channel('DEGREED').transmitter_class, 'send_record', broken)
    return configuration, {}


CASES = [
    (inactive_account, FailureKind.INACTIVE_ACCOUNT, 400,
     "The channel says the learner's account is inactive (HTTP 400)"),
    (session_expired, FailureKind.SESSION_EXPIRED, 401, "Cornerstone refused the learner's session (HTTP 401)"),
    (no_identity, FailureKind.NO_IDENTITY, None, 'No Cornerstone session is known for the learner'),
    (unreadable_token, FailureKind.UNREADABLE_TOKEN, None, "The channel's token answer could not be used"),
    (no_answer, FailureKind.NO_ANSWER, None, 'The channel did not answer'),
    (refused, FailureKind.REFUSED, 400, 'The channel refused the learner: invalid user identifier'),
    (unexpected, FailureKind.UNEXPECTED, None, 'Sending failed on our side'),
]


def shown_reasons(staff, configuration):
    """What the API and the admin's list of audit rows say of each of the configuration's rows: ``{row id: both}``."""
    audit_model = get_channel(configuration.channel_code).audit_model
    answer = staff.get(reverse('enterprise_export:api_transmissions',
                               kwargs={'customer_uuid': configuration.enterprise_customer.uuid}))
    api = {(row['enrollment_id'], row['course_id']): row['reason'] for row in answer.json()['results']}
    page = staff.get(reverse(f'admin:enterprise_export_{audit_model._meta.model_name}_changelist'))
    shown = {}
    for row in page.context['cl'].result_list:
        admin_reason = page.context['cl'].model_admin.reason(row)
        assert escape(admin_reason) in page.content.decode()
        shown[row.pk] = (api[row.enterprise_course_enrollment_id, row.course_id], admin_reason)
    return shown


@pytest.mark.parametrize(('make_failure', 'kind', 'status', 'starts'), CASES,
                         ids=[case[0].__name__ for case in CASES])
def test_whoever_knows_the_kind_stores_it_and_rewording_the_message_changes_no_reason(
        request, staff, lms, http, monkeypatch, make_failure, kind, status, starts):
    configuration, options = make_failure(request, lms, http, monkeypatch)
    summary = transmit(configuration, **options)
    assert summary.failed >= 1 and summary.sent == 0
    audit_model = get_channel(configuration.channel_code).audit_model
    rows = list(audit_model.objects.filter(plugin_configuration_id=configuration.pk))
    assert {(row.failure_kind, row.status) for row in rows} == {(kind, status)}
    assert all(row.error_message for row in rows)  # the channel's words (or ours) are still kept
    before = shown_reasons(staff, configuration)
    assert len(before) == len(rows)
    for api_reason, admin_reason in before.values():
        assert api_reason.startswith(starts) and admin_reason == api_reason
    audit_model.objects.update(error_message=REWORDED)
    assert shown_reasons(staff, configuration) == before


def test_no_cornerstone_identity_no_longer_reads_as_no_answer(request, staff, lms, channels, http, monkeypatch):
    configuration, options = no_identity(request, lms, http, monkeypatch)
    transmit(configuration, **options)
    [(api_reason, _)] = shown_reasons(staff, configuration).values()
    assert api_reason != NO_ANSWER
    assert channels.received['CSOD'] == []


def test_a_record_sent_after_a_failure_has_no_kind_any_more(lms, channels):
    configuration = CornerstoneConfigurationFactory()
    learner_of(configuration, lms)
    channels.fail('CSOD', 401, 'session expired')
    transmit(configuration)
    channels.failures.clear()
    transmit(configuration)
    row = get_channel('CSOD').audit_model.objects.get()
    assert (row.status, row.error_message, row.failure_kind) == (200, '', '')


def test_the_configuration_summary_reads_the_kind_too(staff, lms, channels):
    configuration = CornerstoneConfigurationFactory()
    learner_of(configuration, lms)
    channels.fail('CSOD', 401, 'Unauthorized')
    transmit(configuration)
    get_channel('CSOD').audit_model.objects.update(error_message=REWORDED)
    answer = staff.get(reverse('enterprise_export:api_transmissions_summary',
                               kwargs={'customer_uuid': configuration.enterprise_customer.uuid})).json()
    assert [item['last_error'] for item in answer] == [SESSION_EXPIRED]


@pytest.mark.parametrize(('status', 'kind', 'recorded_status'), [
    (None, FailureKind.NO_ANSWER, None), (302, FailureKind.REFUSED, 302), (400, FailureKind.REFUSED, 400),
    (503, FailureKind.REFUSED, 503), (200, FailureKind.UNREADABLE_ANSWER, None),
])
def test_a_channel_error_is_of_the_kind_its_status_says_unless_told(status, kind, recorded_status):
    error = ChannelError(status, 'what the channel said')
    assert (error.kind, error.status) == (kind, recorded_status)
    assert ChannelError(status, 'x', FailureKind.SESSION_EXPIRED).kind == FailureKind.SESSION_EXPIRED
    assert ChannelTokenError(status, 'x').kind == kind


# What rows written before kinds were stored say, and the kind migration 0009 gives them.
EXISTING_ROWS = [
    ('SapSuccessFactorsLearnerDataTransmissionAudit', 200, '', ''),
    ('SapSuccessFactorsLearnerDataTransmissionAudit', 400, '{"message": "The user account is inactive"}',
     'inactive_account'),
    ('SapSuccessFactorsLearnerDataTransmissionAudit', 400, '{"message": "invalid userID"}', 'refused'),
    ('SapSuccessFactorsLearnerDataTransmissionAudit', None, 'KeyError while sending (see the logs)', 'unexpected'),
    ('DegreedLearnerDataTransmissionAudit', None, 'malformed token answer (HTTP 200): no access_token',
     'unreadable_token'),
    ('DegreedLearnerDataTransmissionAudit', None, 'ConnectTimeout: no answer from DEGREED', 'no_answer'),
    ('DegreedLearnerDataTransmissionAudit', 302, '', 'refused'),
    ('Degreed2LearnerDataTransmissionAudit', 200, 'unexpected body', 'unreadable_answer'),
    ('Degreed2LearnerDataTransmissionAudit', 401, 'Unauthorized', 'refused'),
    ('CornerstoneLearnerDataTransmissionAudit', 401, 'Unauthorized', 'session_expired'),
    ('CornerstoneLearnerDataTransmissionAudit', None, 'no Cornerstone identity: the learner must launch the course',
     'no_identity'),
    ('CornerstoneLearnerDataTransmissionAudit', 503, 'Service Unavailable', 'refused'),
    ('LearnerDataTransmissionAudit', 500, 'boom', 'refused'),
]


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_rows_the_kind_their_message_and_status_said():
    before, after = [('enterprise_export', '0008_trust_boundaries')], [('enterprise_export', '0009_failure_kind')]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    made = []
    for index, (model_name, status, message, _) in enumerate(EXISTING_ROWS):
        model = old_apps.get_model('enterprise_export', model_name)
        made.append((model_name, model.objects.create(
            enterprise_course_enrollment_id=index + 1, course_id='edX+DemoX', status=status,
            error_message=message).pk))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new_apps = executor.loader.project_state(after).apps
    kinds = [new_apps.get_model('enterprise_export', model_name).objects.get(pk=pk).failure_kind
             for model_name, pk in made]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert kinds == [kind for *_, kind in EXISTING_ROWS]
