"""Channel secrets encrypted at rest (SPEC 16): never in clear in the database, in repr or in logs; keys rotate."""

import io
import logging

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enterprise_export.fields import decrypt, encrypt
from enterprise_export.models import (
    CornerstoneEnterpriseCustomerConfiguration,
    DegreedEnterpriseCustomerConfiguration,
    SAPSuccessFactorsEnterpriseCustomerConfiguration,
)
from test_utils.factories import (
    CornerstoneConfigurationFactory,
    DegreedConfigurationFactory,
    EnterpriseCustomerFactory,
    SAPConfigurationFactory,
)

FACTORIES = [SAPConfigurationFactory, DegreedConfigurationFactory, CornerstoneConfigurationFactory]


def raw_secrets(configuration):
    table = connection.ops.quote_name(type(configuration)._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {connection.ops.quote_name("key")}, {connection.ops.quote_name("secret")} '
                       f'FROM {table} WHERE id = %s', [configuration.pk])
        return cursor.fetchone()


@pytest.mark.django_db
@pytest.mark.parametrize('factory', FACTORIES)
def test_secrets_are_not_in_the_database_in_clear(factory):
    configuration = factory(key='client-id-in-clear', secret='client-secret-in-clear')
    key, secret = raw_secrets(configuration)
    assert 'in-clear' not in key and 'in-clear' not in secret
    reread = type(configuration).objects.get(pk=configuration.pk)
    assert (reread.key, reread.secret) == ('client-id-in-clear', 'client-secret-in-clear')


@pytest.mark.django_db
@pytest.mark.parametrize('factory', FACTORIES)
def test_secrets_are_not_in_repr_or_str(factory):
    configuration = factory(key='client-id-in-clear', secret='client-secret-in-clear')
    for text in (repr(configuration), str(configuration)):
        assert 'in-clear' not in text


@pytest.mark.django_db
def test_a_row_written_with_the_old_key_is_read_after_a_new_key_is_put_first(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['old key']
    configuration = SAPConfigurationFactory(secret='rotated-secret')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key', 'old key']
    reread = SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert reread.secret == 'rotated-secret'
    reread.save()
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key']
    assert SAPSuccessFactorsEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk).secret == 'rotated-secret'


@pytest.mark.django_db
def test_a_secret_no_key_can_read_is_empty_and_logged_without_its_value(settings, caplog):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    configuration = DegreedConfigurationFactory(secret='lost-secret')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['another key']
    with caplog.at_level(logging.ERROR, logger='enterprise_export'):
        reread = DegreedEnterpriseCustomerConfiguration.objects.get(pk=configuration.pk)
    assert reread.secret == ''
    assert 'cannot be decrypted' in caplog.text
    stored = raw_secrets(configuration)[1]
    assert 'lost-secret' not in caplog.text and stored not in caplog.text


def test_the_default_key_comes_from_secret_key(settings):
    token = encrypt('value')
    settings.SECRET_KEY = 'another-secret-key'
    with pytest.raises(InvalidToken):
        decrypt(token)


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_rows_saved_in_clear():
    executor = MigrationExecutor(connection)
    executor.migrate([('enterprise_export', '0004_validators')])
    old_apps = executor.loader.project_state([('enterprise_export', '0004_validators')]).apps
    customer = EnterpriseCustomerFactory()  # the source models are unchanged since 0001 (or edx-enterprise's)
    old_apps.get_model('enterprise_export', 'CornerstoneEnterpriseCustomerConfiguration').objects.create(
        enterprise_customer_id=customer.pk, cornerstone_base_url='https://{subdomain}.csod.com',
        key='clear-user', secret='clear-password')
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    configuration = CornerstoneEnterpriseCustomerConfiguration.objects.get()
    assert (configuration.key, configuration.secret) == ('clear-user', 'clear-password')
    assert 'clear' not in ''.join(raw_secrets(configuration))


@pytest.mark.django_db
def test_a_fernet_key_in_the_setting_is_used_as_it_is(settings):
    key = Fernet.generate_key()
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = [key.decode()]
    configuration = SAPConfigurationFactory(secret='fernet-secret')
    assert Fernet(key).decrypt(raw_secrets(configuration)[1].encode()) == b'fernet-secret'


@pytest.mark.django_db
def test_rotate_channel_secrets_writes_every_secret_with_the_newest_key(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['old key']
    configurations = [factory(secret=f'secret-{index}') for index, factory in enumerate(FACTORIES)]
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key', 'old key']
    out = io.StringIO()
    call_command('rotate_channel_secrets', stdout=out)
    assert out.getvalue().strip() == ('3 configuration(s) and 0 learner session token(s) written again with the '
                                      'newest key.')
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key']
    assert [type(configuration).objects.get(pk=configuration.pk).secret for configuration in configurations] == [
        'secret-0', 'secret-1', 'secret-2']


@pytest.mark.django_db
def test_rotate_channel_secrets_leaves_a_secret_no_key_opens_as_it_is(settings):
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    lost = SAPConfigurationFactory(secret='only-the-removed-key-opens-this')
    stored = raw_secrets(lost)
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['new key']
    out, err = io.StringIO(), io.StringIO()
    call_command('rotate_channel_secrets', stdout=out, stderr=err)
    assert f'SAP {lost.pk}' in err.getvalue()
    assert raw_secrets(lost) == stored  # the token stays: putting the removed key back recovers it
    settings.ENTERPRISE_EXPORT_SECRET_KEYS = ['removed key']
    assert type(lost).objects.get(pk=lost.pk).secret == 'only-the-removed-key-opens-this'
