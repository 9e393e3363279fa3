"""
What the channel clients share: a retrying session, one-``/`` URL joins, tokens in the Django cache.

A channel client only speaks HTTP. Each call carries ``ENTERPRISE_EXPORT_CHANNEL_TIMEOUT``,
never follows redirects (a 3xx is a failure) and raises ``ChannelError`` with the real status.
"""

import hashlib
import logging

import requests
from django.core.cache import cache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from enterprise_export.clients.exceptions import ChannelError, ChannelTokenError
from enterprise_export.conf import get_setting

LOGGER = logging.getLogger(__name__)

# A token is dropped from the cache this many seconds before the channel says it expires.
TOKEN_EXPIRY_MARGIN = 60


def join_url(base_url, path):
    """``base_url`` and ``path`` joined with exactly one ``/``."""
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}"


class ChannelApiClient:
    """
    The HTTP side of one channel configuration.

    Subclasses set ``channel_code`` and implement ``create_course_completion``.
    """

    channel_code = None

    def __init__(self, enterprise_configuration):
        self.enterprise_configuration = enterprise_configuration
        self._session = None

    @property
    def session(self):
        if self._session is None:
            self._session = requests.Session()
            # The channels take a repeated completion as the same completion, so POSTs are
            # retried too, on answers that mean "not now" and on failed connections.
            retry = Retry(total=get_setting('ENTERPRISE_EXPORT_CHANNEL_RETRIES'), backoff_factor=0.5,
                          status_forcelist=(429, 502, 503, 504), allowed_methods=None,
                          respect_retry_after_header=True, raise_on_status=False)
            adapter = HTTPAdapter(max_retries=retry)
            self._session.mount('http://', adapter)
            self._session.mount('https://', adapter)
        return self._session

    def post(self, url, **kwargs):
        """POST and return the response when it is 2xx; otherwise raise ``ChannelError``."""
        try:
            response = self.session.post(
                url, timeout=get_setting('ENTERPRISE_EXPORT_CHANNEL_TIMEOUT'), allow_redirects=False, **kwargs,
            )
        except requests.RequestException as error:
            raise ChannelError(None, f'{type(error).__name__}: no answer from {self.channel_code}') from error
        if not 200 <= response.status_code < 300:
            raise ChannelError(response.status_code, response.text or response.reason or '')
        return response

    def post_with_token(self, url, token, payload):
        """POST ``payload`` as JSON with a Bearer ``token``; return the (2xx) HTTP status."""
        return self.post(url, headers={'Authorization': f'Bearer {token}'}, json=payload).status_code

    def cached_token(self, cache_suffix, fetch):
        """
        A token from the Django cache, or a new one from ``fetch()`` (which returns the token and
        its lifetime in seconds), kept until shortly before it expires.
        """
        key = self._token_cache_key(cache_suffix)
        token = cache.get(key)
        if token is None:
            try:
                token, expires_in = fetch()
            except ChannelTokenError:
                raise
            except ChannelError as error:
                raise ChannelTokenError(error.status, error.message) from error
            lifetime = int(expires_in) - TOKEN_EXPIRY_MARGIN
            if lifetime > 0:
                cache.set(key, token, lifetime)
        return token

    def _token_cache_key(self, cache_suffix):
        # Hashed: a SAP user id is personal data and cache keys show up in monitoring.
        digest = hashlib.sha256(str(cache_suffix).encode()).hexdigest()[:24]
        return f'enterprise_export:token:{self.channel_code}:{self.enterprise_configuration.pk}:{digest}'

    def read_token(self, response):
        """``(access_token, expires_in)`` from a token answer, or ``ChannelTokenError`` when it has none."""
        try:
            body = response.json()
            token, expires_in = body['access_token'], int(body.get('expires_in') or 0)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ChannelTokenError(None, _malformed_token(response, 'no access_token in a JSON object')) from error
        if not isinstance(token, str) or not token:
            raise ChannelTokenError(None, _malformed_token(response, 'the access_token is empty or not a string'))
        return token, expires_in

    def create_course_completion(self, *args, **kwargs):
        """Send one completion; return the channel's HTTP status. Subclasses must override this."""
        raise NotImplementedError


def _malformed_token(response, what):
    return f'malformed token answer (HTTP {response.status_code}): {what}'
