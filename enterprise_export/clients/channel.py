"""
What the channel clients share: a retrying, rate-limited session, one-``/`` URL joins, tokens in
the Django cache.

A channel client only speaks HTTP. Each call carries ``ENTERPRISE_EXPORT_CHANNEL_TIMEOUT``,
never follows redirects (a 3xx is a failure) and raises ``ChannelError`` with the real status.
Every call, retries included, keeps to the configuration's ``requests_per_minute``; a 429 is
answered here (and only here) by waiting what the channel asks and sending the call again.
"""

import hashlib
import logging
import threading
from urllib.parse import urlsplit

import requests
from django.core.cache import cache
from requests.adapters import HTTPAdapter

from enterprise_export.clients.exceptions import ChannelError, ChannelTokenError
from enterprise_export.clients.lms import read_environment_once
from enterprise_export.clients.rate_limit import RateLimitedRetry, RateLimiter, retry_after_seconds
from enterprise_export.conf import get_setting
from enterprise_export.failures import FailureKind

LOGGER = logging.getLogger(__name__)

# A token is dropped from the cache this many seconds before the channel says it expires.
TOKEN_EXPIRY_MARGIN = 60
# Token fetches of one client are serialised per cache key, on this many locks (SAP's learner
# path has a token per learner: one lock for all would send one token request at a time).
TOKEN_LOCKS = 32


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
        self._proxies = {}  # host -> the environment's proxies for it, read once
        self.rate_limiter = RateLimiter(getattr(enterprise_configuration, 'requests_per_minute', 0) or 0)
        self._token_locks = [threading.Lock() for _ in range(TOKEN_LOCKS)]

    @property
    def session(self):
        if self._session is None:
            self._session = requests.Session()
            read_environment_once(self._session)
            # The channels take a repeated completion as the same completion, so POSTs are
            # retried too, on failed connections and answers that mean "not now" (429: see post).
            retry = RateLimitedRetry(
                total=get_setting('ENTERPRISE_EXPORT_CHANNEL_RETRIES'), backoff_factor=0.5,
                status_forcelist=(502, 503, 504), allowed_methods=None, raise_on_status=False,
                retry_after_max=get_setting('ENTERPRISE_EXPORT_CHANNEL_MAX_WAIT'), limiter=self.rate_limiter,
            )
            pool_size = max(10, get_setting('ENTERPRISE_EXPORT_CHANNEL_CONCURRENCY'))
            adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
            self._session.mount('http://', adapter)
            self._session.mount('https://', adapter)
        return self._session

    def post(self, url, **kwargs):
        """
        POST and return the response when it is 2xx; otherwise raise ``ChannelError``.

        A 429 waits for its ``Retry-After`` (or ``X-Rate-Limit-Reset``) and sends again, as long
        as the waits of this call stay within ``ENTERPRISE_EXPORT_CHANNEL_MAX_WAIT`` seconds.
        """
        waited, attempt = 0.0, 0
        while True:
            response = self._post_once(url, **kwargs)
            if response.status_code != 429:
                break
            attempt += 1
            wait = retry_after_seconds(response, attempt)
            if waited + wait > get_setting('ENTERPRISE_EXPORT_CHANNEL_MAX_WAIT'):
                break
            waited += wait
            LOGGER.info('%s asked to wait %.1f s (HTTP 429): waiting, then sending again', self.channel_code, wait,
                        extra={'channel': self.channel_code, 'configuration_id': self.enterprise_configuration.pk})
            self.rate_limiter.pause(wait)
        if not 200 <= response.status_code < 300:
            raise ChannelError(response.status_code, response.text or response.reason or '')
        return response

    def _post_once(self, url, **kwargs):
        self.rate_limiter.acquire()
        try:
            return self.session.post(
                url, timeout=get_setting('ENTERPRISE_EXPORT_CHANNEL_TIMEOUT'), allow_redirects=False,
                proxies=self._proxies_for(url), **kwargs,
            )
        except requests.RequestException as error:
            raise ChannelError(None, f'{type(error).__name__}: no answer from {self.channel_code}') from error

    def _proxies_for(self, url):
        host = urlsplit(url).netloc
        if host not in self._proxies:
            self._proxies[host] = requests.utils.get_environ_proxies(url)
        return self._proxies[host]

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
        if token is not None:
            return token
        # Workers sending in parallel share one token: the first fetches it, the others wait for it.
        with self._token_locks[hash(key) % TOKEN_LOCKS]:
            token = cache.get(key)
            if token is None:
                token, expires_in = self._fetch_token(fetch)
                lifetime = int(expires_in) - TOKEN_EXPIRY_MARGIN
                if lifetime > 0:
                    cache.set(key, token, lifetime)
        return token

    @staticmethod
    def _fetch_token(fetch):
        """``fetch()``, with any failure of it a ``ChannelTokenError``."""
        try:
            return fetch()
        except ChannelTokenError:
            raise
        except ChannelError as error:
            raise ChannelTokenError(error.status, error.message, error.kind) from error

    def _token_cache_key(self, cache_suffix):
        # The configuration's URLs, paths and client id are in the key: a token cached for one
        # host never goes to another (SPEC 20). Hashed: a SAP user id is personal data, and
        # cache keys show up in monitoring.
        scope = (*self.enterprise_configuration.token_scope(), cache_suffix)
        digest = hashlib.sha256(repr(scope).encode()).hexdigest()[:32]
        return f'enterprise_export:token:{self.channel_code}:{self.enterprise_configuration.pk}:{digest}'

    def read_token(self, response):
        """``(access_token, expires_in)`` from a token answer, or ``ChannelTokenError`` when it has none."""
        try:
            body = response.json()
            token, expires_in = body['access_token'], int(body.get('expires_in') or 0)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ChannelTokenError(None, _malformed_token(response, 'no access_token in a JSON object'),
                                    FailureKind.UNREADABLE_TOKEN) from error
        if not isinstance(token, str) or not token:
            raise ChannelTokenError(None, _malformed_token(response, 'the access_token is empty or not a string'),
                                    FailureKind.UNREADABLE_TOKEN)
        return token, expires_in

    def create_course_completion(self, *args, **kwargs):
        """Send one completion; return the channel's HTTP status. Subclasses must override this."""
        raise NotImplementedError


def _malformed_token(response, what):
    return f'malformed token answer (HTTP {response.status_code}): {what}'
