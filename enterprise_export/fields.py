"""
Model fields of enterprise_export: channel secrets and learners' session tokens encrypted at rest (SPEC 16, 19).

A secret is stored as a Fernet token (AES-128-CBC with an HMAC-SHA256, from ``cryptography``)
made with the first key of ``ENTERPRISE_EXPORT_SECRET_KEYS``; it is read with whichever of
those keys made it, so a new key is put first and the old ones are kept until every row has
been saved again (each save encrypts with the newest key; ``manage.py rotate_channel_secrets``
writes them all again, ``encrypt_again``).
"""

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, router, transaction

from enterprise_export import validators
from enterprise_export.conf import get_setting

LOGGER = logging.getLogger(__name__)

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in URL-safe base64.
TOKEN_PREFIX = 'gAAAAA'

# What a page shows of a secret (SPEC 20): its state, never its value.
SECRET_SET, SECRET_NOT_SET, SECRET_UNREADABLE = 'set', 'not set', 'unreadable'
SECRET_UNREADABLE_ERROR = 'channel secret unreadable with the configured keys'
# What follows when a configuration's secret cannot be decrypted; a model whose secrets mean
# something else (a learner's session token) says so in its ``unreadable_secret_effect``.
UNREADABLE_CONFIGURATION_EFFECT = 'its configuration does not run until it is typed again'


class UnreadableSecret(str):
    """
    A stored secret that no key of ``ENTERPRISE_EXPORT_SECRET_KEYS`` decrypts.

    It reads as empty (so nothing sends it), and a save writes back the ciphertext it came
    from: a save that did not type a new value never replaces a secret it could not read.
    """

    def __new__(cls, token):
        unreadable = super().__new__(cls, '')
        unreadable.token = token
        return unreadable

    def __repr__(self):
        return '<unreadable secret>'

    def __reduce__(self):
        return UnreadableSecret, (self.token,)


def secret_keys():
    """``ENTERPRISE_EXPORT_SECRET_KEYS`` (newest first), or one key derived from ``SECRET_KEY``."""
    keys = get_setting('ENTERPRISE_EXPORT_SECRET_KEYS') or [settings.SECRET_KEY]
    if isinstance(keys, str) or not all(keys):
        raise ImproperlyConfigured('ENTERPRISE_EXPORT_SECRET_KEYS must be a list of non-empty strings, newest first.')
    return tuple(keys)


@functools.lru_cache(maxsize=8)
def _fernet(keys):
    return MultiFernet([_fernet_of(key) for key in keys])


def _fernet_of(key):
    """
    The Fernet of one key: a Fernet key (``Fernet.generate_key()``'s output) is used as it is;
    any other text (a passphrase, ``SECRET_KEY``) is turned into one with HKDF-SHA256.
    """
    material = key.encode() if isinstance(key, str) else bytes(key)
    try:
        return Fernet(material)
    except ValueError:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b'enterprise_export secrets')
        return Fernet(base64.urlsafe_b64encode(derived.derive(material)))


def encrypt(clear_text):
    """The token of ``clear_text`` under the newest key."""
    return _fernet(secret_keys()).encrypt(clear_text.encode()).decode()


def decrypt(token):
    """The clear text of ``token``; ``InvalidToken`` when no key of the setting made it."""
    return _fernet(secret_keys()).decrypt(token.encode()).decode()


def is_encrypted(value):
    """True when ``value`` looks like a token (clear secrets from before encryption do not)."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


class EncryptedCharField(models.CharField):
    """
    A secret: clear text in Python (``max_length`` applies to it), a Fernet token in the database.

    The column is a text column, since a token is longer than its clear text. Tokens differ on
    every save, so the field cannot be filtered on.
    """

    def get_internal_type(self):
        return 'TextField'

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken:
            # Never the value itself: it may be a secret in clear or another key's token.
            LOGGER.error('A secret (%s of %s) cannot be decrypted with ENTERPRISE_EXPORT_SECRET_KEYS '
                         '(was the key that made it removed?); %s', self.name, self.model._meta.verbose_name,
                         getattr(self.model, 'unreadable_secret_effect', UNREADABLE_CONFIGURATION_EFFECT),
                         extra={'table': self.model._meta.db_table, 'field': self.name})
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableSecret):
            return value.token  # kept as it is stored: the right key may come back
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


def encrypted_field_names(model):
    """The names of ``model``'s encrypted fields (its channel secrets)."""
    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedCharField)]


def encrypt_again(queryset, batch_size=1000):
    """
    Write the secrets (encrypted fields) of ``queryset``'s rows again with the newest key,
    ``batch_size`` rows per transaction, each batch locked while it is written; nothing else of
    a row changes (not even its ``auto_now`` date). A row with a secret that no key decrypts is
    left as it is: its token may still be opened by a key about to be dropped, so it is reported.

    Returns ``(written, unreadable)``: how many rows were written, and the ids of those left.
    """
    model = queryset.model
    names = encrypted_field_names(model)
    rows = queryset.only('pk', *names).order_by('pk')
    written, unreadable, last_pk = 0, [], None
    while True:
        with transaction.atomic(using=router.db_for_write(model)):
            pending = rows if last_pk is None else rows.filter(pk__gt=last_pk)
            batch = list(pending.select_for_update()[:batch_size])
            if not batch:
                return written, unreadable
            left = [row.pk for row in batch if unreadable_secret_names(row)]
            model._base_manager.bulk_update([row for row in batch if row.pk not in left], names)
        written += len(batch) - len(left)
        unreadable += left
        last_pk = batch[-1].pk


def secret_state(value):
    """What may be shown of a secret: ``set``, ``not set`` or ``unreadable``."""
    if isinstance(value, UnreadableSecret):
        return SECRET_UNREADABLE
    return SECRET_SET if value else SECRET_NOT_SET


def unreadable_secret_names(instance):
    """The names of ``instance``'s secrets that no configured key decrypts."""
    return [name for name in encrypted_field_names(type(instance))
            if isinstance(getattr(instance, name), UnreadableSecret)]


class SubdomainListFormField(forms.CharField):
    """Subdomains typed as one line, separated by commas or spaces; a list of them in Python."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ', '.join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value)
        return [item for item in text.replace(',', ' ').split() if item]

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


class SubdomainListField(models.JSONField):
    """A list of Cornerstone subdomains (JSON in the database), each checked as SPEC 16 says."""

    default_validators = [validators.validate_subdomain_list]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault('default', list)
        kwargs.setdefault('blank', True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # Typed as one line, not as JSON text (JSONField's own form field).
        return models.Field.formfield(self, **{'form_class': SubdomainListFormField, **kwargs})
