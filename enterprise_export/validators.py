"""
Validators of the values that are not trusted (SPEC section 16): one per value.

They sit on the model fields, so the admin and every ``ModelForm`` refuse what they refuse;
the launch view and the import check values with ``clean_values``, which runs the same field
validators (lengths included) before anything is saved.
"""

import ipaddress
import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.utils.deconstruct import deconstructible

from enterprise_export.conf import get_setting
from enterprise_export.utils import get_course_key

# Matched whole (``fullmatch``): with ``match`` and ``$``, a trailing newline slips through.
SUBDOMAIN = re.compile(r'[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?')
COURSE_KEY = re.compile(r'[A-Za-z0-9._-]+\+[A-Za-z0-9._-]+')
CALLBACK_URL = re.compile(r'/(?!/)[A-Za-z0-9/_.-]*')
# A Cornerstone base URL names the learner's portal as ``{subdomain}``; it is checked with a label in its place.
SUBDOMAIN_PLACEHOLDER = '{subdomain}'
LOOPBACK_NAMES = ('localhost', 'localhost.localdomain')


def validate_callback_url(value):
    """
    A Cornerstone ``callback_url``: a relative path, matched whole (SPEC 20): one ``/`` first, then
    letters, digits, ``/``, ``_``, ``.``, ``-``, and no ``.`` or ``..`` segment (no scheme, host,
    ``@``, escapes, query, fragment or control character can get through).
    """
    if (not CALLBACK_URL.fullmatch(value or '')
            or any(segment in ('.', '..') for segment in value.split('/'))):
        raise ValidationError(
            'Enter a relative path starting with one / (letters, digits, "/", "_", ".", "-"; '
            'no "." or ".." segment).',
            code='invalid_callback_url',
        )


def validate_subdomain(value):
    """A Cornerstone ``subdomain``: one host label (letters, digits, hyphens; 1–63; no hyphen at either end)."""
    if not SUBDOMAIN.fullmatch(value or ''):
        raise ValidationError(
            'Enter 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen.',
            code='invalid_subdomain',
        )


def validate_subdomain_list(value):
    """A Cornerstone configuration's ``allowed_subdomains``: a list of subdomains, each as ``validate_subdomain``."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError('Enter a list of subdomains.', code='invalid_subdomain_list')
    for item in value:
        try:
            validate_subdomain(item)
        except ValidationError:
            raise ValidationError(
                '%(value)s is not a subdomain: enter 1 to 63 letters, digits or hyphens, '
                'not starting or ending with a hyphen.',
                code='invalid_subdomain', params={'value': item[:70]},
            ) from None


def _is_loopback(host):
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@deconstructible
class BaseUrlValidator:
    """
    A channel configuration's base URL: ``https``, or ``http`` to a loopback host (a local
    stand-in) when ``ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP`` is on (SPEC 20).

    With ``allow_subdomain_placeholder``, ``{subdomain}`` may stand for one host label.
    """

    message = 'Enter an https URL, without user, query or fragment.'
    loopback_message = 'Enter an https URL (http only to localhost or 127.0.0.1), without user, query or fragment.'
    code = 'invalid_base_url'

    def __init__(self, allow_subdomain_placeholder=False):
        self.allow_subdomain_placeholder = allow_subdomain_placeholder

    def __call__(self, value):
        candidate = str(value)
        if self.allow_subdomain_placeholder:
            candidate = candidate.replace(SUBDOMAIN_PLACEHOLDER, 'subdomain')
        try:
            URLValidator(schemes=['http', 'https'])(candidate)
            parts = urlsplit(candidate)
        except (ValidationError, ValueError):
            raise ValidationError(self.message, code=self.code) from None
        loopback_allowed = get_setting('ENTERPRISE_EXPORT_ALLOW_LOOPBACK_HTTP')
        message = self.loopback_message if loopback_allowed else self.message
        secure = parts.scheme == 'https' or (loopback_allowed and _is_loopback(parts.hostname or ''))
        if not secure or parts.username is not None or parts.query or parts.fragment:
            raise ValidationError(message, code=self.code)

    def __eq__(self, other):
        return (isinstance(other, BaseUrlValidator)
                and self.allow_subdomain_placeholder == other.allow_subdomain_placeholder)


validate_base_url = BaseUrlValidator()
validate_cornerstone_base_url = BaseUrlValidator(allow_subdomain_placeholder=True)

validate_transmission_chunk_size = MinValueValidator(1)
validate_requests_per_minute = MinValueValidator(0)


def validate_course_key(value):
    """A course key as Cornerstone identities store it: ``org+course`` (letters, digits, ``.``, ``-``, ``_``)."""
    if not COURSE_KEY.fullmatch(value or ''):
        raise ValidationError('Enter a course key such as edX+DemoX.', code='invalid_course_key')


def course_key_from_launch(value):
    """
    The course key (``org+course``) of the launch view's course key, or ``ValidationError``.

    Either ``org+course`` itself (each part letters, digits, ``.``, ``-``, ``_``), or a course
    run key that edx-opaque-keys parses, whose ``org+course`` is returned.
    """
    if COURSE_KEY.fullmatch(value):
        return value
    course_key = get_course_key(value)
    if course_key and COURSE_KEY.fullmatch(course_key):
        return course_key
    raise ValidationError('Enter a course key (org+course) or a course run key.', code='invalid_course_key')


def clean_values(model, values):
    """
    Check ``values`` (field name → value) against ``model``'s fields, as a form would.

    Runs each field's validators, its length limit and its blank rule; raises one
    ``ValidationError`` whose ``message_dict`` names every refused field.
    """
    errors = {}
    for name, value in values.items():
        try:
            model._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def describe(error, names=None):
    """
    A ``ValidationError`` as one line: ``field: message`` for each field (``names`` renames
    fields, e.g. to the parameters they came from), or its messages when it names no field.
    """
    if not hasattr(error, 'error_dict'):
        return ' '.join(error.messages)
    names = names or {}
    return '; '.join(f'{names.get(name, name)}: {" ".join(messages)}' for name, messages in error.message_dict.items())
