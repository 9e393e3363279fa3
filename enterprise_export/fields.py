"""
Model fields of enterprise_export: channel secrets encrypted at rest (SPEC 16).

A secret is stored as a Fernet token (AES-128-CBC with an HMAC-SHA256, from ``cryptography``)
made with the first key of ``ENTERPRISE_EXPORT_SECRET_KEYS``; it is read with whichever of
those keys made it, so a new key is put first and the old ones are kept until every row has
been saved again (each save encrypts with the newest key; ``manage.py rotate_channel_secrets``
saves them all).
"""

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from enterprise_export.conf import get_setting

LOGGER = logging.getLogger(__name__)

# Every Fernet token starts with its version byte 0x80, "gAAAAA" in URL-safe base64.
TOKEN_PREFIX = 'gAAAAA'


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
            LOGGER.error('A channel secret cannot be decrypted with ENTERPRISE_EXPORT_SECRET_KEYS '
                         '(was the key that made it removed?); it reads as empty until saved again',
                         extra={'table': self.model._meta.db_table, 'field': self.name})
            return ''

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


def encrypted_field_names(model):
    """The names of ``model``'s encrypted fields (its channel secrets)."""
    return [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedCharField)]
