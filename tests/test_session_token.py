"""
Cornerstone session tokens encrypted at rest (SPEC 19): never in clear in the database, sent in
clear, rotated with the channels' secrets, and a token no key opens fails only its learner.
"""

import datetime
import importlib
import io
import logging
import types

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from enterprise_export.audits import failure_reason
from enterprise_export.cornerstone import import_identity_rows
from enterprise_export.failures import NO_IDENTITY, FailureKind
from enterprise_export.fields import decrypt, encrypt
from enterprise_export.models import CornerstoneLearnerDataTransmissionAudit, CornerstoneLearnerIdentity
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    CornerstoneLearnerIdentityFactory,
    EnterpriseCustomerUserFactory,
    UserFactory,
)
from test_utils.transmissions import END, RUN, add_learner, transmit

MIGRATION = importlib.import_module('enterprise_export.migrations.0013_session_token_encrypted')
BEFORE, AFTER = ('enterprise_export', '0012_transmission_runs'), ('enterprise_export', '0013_session_token_encrypted')
LONGEST_TOKEN = 'T' * 255


def stored_tokens():
    """The raw column, by identity id: what someone reading the database (or a dump) sees."""
    table = connection.ops.quote_name(CornerstoneLearnerIdentity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, session_token FROM {table} ORDER BY id')
        return dict(cursor.fetchall())


def store_raw(identity_id, value):
    table = connection.ops.quote_name(CornerstoneLearnerIdentity._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET session_token = %s WHERE id = %s', [value, identity_id])


# Where tokens come in: the launch and the import.

@pytest.mark.django_db
def test_a_launched_token_is_stored_encrypted_up_to_255_characters(client):
    user = UserFactory()
    client.force_login(user)
    configuration = CornerstoneConfigurationFactory(allowed_subdomains=['acme'])
    EnterpriseCustomerUserFactory(enterprise_customer=configuration.enterprise_customer, user_id=user.pk)
    launch = {'userGuid': 'GUID-1', 'callbackUrl': '/services/x/progress-callback', 'subdomain': 'acme'}
    url = reverse('enterprise_export:cornerstone_launch', kwargs={'course_key': 'edX+DemoX'})

    too_long = client.get(url, {**launch, 'sessionToken': 'X' * 256})
    assert too_long.status_code == 400
    assert too_long.content.decode() == ('Invalid Cornerstone launch: sessionToken: Ensure this value has at most '
                                         '255 characters (it has 256).')
    assert client.get(url, {**launch, 'sessionToken': LONGEST_TOKEN}).status_code == 302

    [(identity_id, stored)] = stored_tokens().items()
    assert stored != LONGEST_TOKEN and decrypt(stored) == LONGEST_TOKEN  # in a column wide enough for it
    assert CornerstoneLearnerIdentity.objects.get(pk=identity_id).session_token == LONGEST_TOKEN


def edx_enterprise_row(pk, session_token, **fields):
    """A Cornerstone audit row of edx-enterprise as ``import_identity_rows`` reads it."""
    values = {'pk': pk, 'enterprise_course_enrollment_id': pk, 'user_id': None, 'course_id': RUN, 'user_guid': 'guid',
              'session_token': session_token, 'callback_url': '/services/x/progress', 'subdomain': 'acme',
              'modified': datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), **fields}
    return types.SimpleNamespace(**values)


@pytest.mark.django_db
def test_the_import_writes_tokens_encrypted_and_refuses_longer_ones():
    ada, bob = EnterpriseCustomerUserFactory(), EnterpriseCustomerUserFactory()
    bad_rows = []
    imported = import_identity_rows(
        [edx_enterprise_row(1, 'imported-session'), edx_enterprise_row(2, 'Y' * 256)], {1: ada.pk, 2: bob.pk},
        bad_rows)
    assert len(imported) == 1
    assert bad_rows == ['CSOD audit row 2: Cornerstone identity refused: session_token: Ensure this value has at '
                        'most 255 characters (it has 256).']
    [stored] = stored_tokens().values()
    assert stored != 'imported-session' and decrypt(stored) == 'imported-session'
    assert CornerstoneLearnerIdentity.objects.get(enterprise_customer_user=ada).session_token == 'imported-session'


# Rotation.

@pytest.mark.django_db
def test_rotate_channel_secrets_writes_the_tokens_again_with_the_newest_key(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['old key']
    identities = [CornerstoneLearnerIdentityFactory(session_token=f'rotated-{index}') for index in range(2)]
    modified = [identity.modified for identity in identities]
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key', 'old key']
    out = io.StringIO()
    call_command('rotate_channel_secrets', stdout=out)
    assert out.getvalue().strip() == ('0 configuration(s) and 2 learner session token(s) written again with the '
                                      'newest key.')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key']
    reread = list(CornerstoneLearnerIdentity.objects.order_by('pk'))
    assert [identity.session_token for identity in reread] == ['rotated-0', 'rotated-1']
    # A rotation is no launch: the import still sees when each learner last launched.
    assert [identity.modified for identity in reread] == modified


@pytest.mark.django_db
def test_rotate_channel_secrets_leaves_a_token_no_key_opens_as_it_is(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    lost = CornerstoneLearnerIdentityFactory(session_token='only-the-removed-key-opens-this')
    stored = stored_tokens()[lost.pk]
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key']
    CornerstoneLearnerIdentityFactory(session_token='readable')
    out, err = io.StringIO(), io.StringIO()
    call_command('rotate_channel_secrets', stdout=out, stderr=err)
    assert '1 learner session token(s) written again' in out.getvalue()
    assert err.getvalue().startswith(f'1 learner session token(s) left as they are, since no key of '
                                     f'ENTERPRISE_EXPORT_SECRET_KEYS decrypts them (learner identities CSOD {lost.pk})')
    assert stored_tokens()[lost.pk] == stored
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    assert CornerstoneLearnerIdentity.objects.get(pk=lost.pk).session_token == 'only-the-removed-key-opens-this'


# Sending.

@pytest.mark.django_db
@pytest.mark.usefixtures('fixed_clock')
def test_a_token_no_key_opens_fails_its_learner_only_and_is_never_sent(settings, lms, channels, caplog):
    lms.add_course(RUN, pacing='self', end=END)
    configuration = CornerstoneConfigurationFactory()
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    lost = add_learner(configuration, lms, 'bob', guid='GUID-BOB')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['current key']
    add_learner(configuration, lms, 'ada', guid='GUID-ADA')
    lost_token = stored_tokens()[CornerstoneLearnerIdentity.objects.get(user_guid='GUID-BOB').pk]

    with caplog.at_level(logging.INFO, logger='enterprise_export'):
        summary = transmit(configuration)

    assert [call['url'].rsplit('?', 1)[1] for call in channels.received['CSOD']] == ['sessionToken=session-ada']
    assert (summary.sent, summary.error) == (1, None)
    failed = CornerstoneLearnerDataTransmissionAudit.objects.get(enterprise_course_enrollment_id=lost.pk,
                                                                 course_id='edX+DemoX')
    assert (failed.status, failed.failure_kind) == (None, FailureKind.NO_IDENTITY)
    assert failure_reason(failed.status, failed.error_message, failed.failure_kind) == NO_IDENTITY
    assert failed.error_message.startswith('Cornerstone session token unreadable with the configured keys')
    assert ("A secret (session_token of cornerstone learner identity) cannot be decrypted with "
            "ENTERPRISE_EXPORT_SECRET_KEYS (was the key that made it removed?); the learner's Cornerstone records "
            'fail until they launch the course from Cornerstone again') in caplog.text
    assert 'session-bob' not in caplog.text and lost_token not in caplog.text


# The migration.

def test_the_data_step_encrypts_clear_tokens_in_batches_and_its_reverse_decrypts_them(db, monkeypatch):
    monkeypatch.setattr(MIGRATION, 'BATCH_SIZE', 2)
    identities = [CornerstoneLearnerIdentityFactory() for _ in range(5)]
    already_encrypted = encrypt('encrypted-before')
    for index, identity in enumerate(identities):
        store_raw(identity.pk, f'clear-{index}')
    store_raw(identities[3].pk, already_encrypted)
    store_raw(identities[4].pk, '')
    migration_schema_editor = types.SimpleNamespace(connection=connection)

    MIGRATION.encrypt_clear_tokens(apps, migration_schema_editor)
    stored = stored_tokens()
    assert [decrypt(stored[identity.pk]) for identity in identities[:3]] == ['clear-0', 'clear-1', 'clear-2']
    assert [stored[identities[3].pk], stored[identities[4].pk]] == [already_encrypted, '']

    MIGRATION.decrypt_tokens(apps, migration_schema_editor)
    assert list(stored_tokens().values()) == ['clear-0', 'clear-1', 'clear-2', 'encrypted-before', '']


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_stored_tokens_and_back():
    learners = [EnterpriseCustomerUserFactory() for _ in range(2)]
    try:
        old_apps = migrate(BEFORE)
        old_identity = old_apps.get_model('enterprise_export', 'CornerstoneLearnerIdentity')
        for learner, token in zip(learners, (LONGEST_TOKEN, 'clear-session'), strict=True):
            old_identity.objects.create(enterprise_customer_user_id=learner.pk, course_id='edX+DemoX', user_guid='g',
                                        session_token=token, callback_url='/callback', subdomain='acme')
        migrate(AFTER)
        stored = sorted(stored_tokens().values())
        assert LONGEST_TOKEN not in stored and 'clear-session' not in stored
        assert sorted(decrypt(token) for token in stored) == [LONGEST_TOKEN, 'clear-session']
        assert sorted(identity.session_token for identity in CornerstoneLearnerIdentity.objects.all()) == [
            LONGEST_TOKEN, 'clear-session']

        migrate(BEFORE)
        assert sorted(stored_tokens().values()) == [LONGEST_TOKEN, 'clear-session']
    finally:
        migrate(AFTER)


@pytest.mark.django_db(transaction=True)
def test_migrating_back_stops_at_a_token_no_key_opens_and_changes_nothing(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    lost = CornerstoneLearnerIdentityFactory(session_token='lost-session')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['current key']
    readable = CornerstoneLearnerIdentityFactory(session_token='readable-session')
    stored = stored_tokens()
    try:
        with pytest.raises(IrreversibleError, match=rf'1 Cornerstone session token\(s\) cannot be decrypted with '
                                                    rf'ENTERPRISE_EXPORT_SECRET_KEYS \(identities {lost.pk}\)'):
            migrate(BEFORE)
        assert stored_tokens() == stored
        assert CornerstoneLearnerIdentity.objects.get(pk=readable.pk).session_token == 'readable-session'
    finally:
        migrate(AFTER)
