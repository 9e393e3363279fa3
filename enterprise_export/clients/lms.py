"""
Clients of the LMS REST APIs the exporter reads (SPEC section 2).

Every client is built as ``Client(user, session=None)``. The clients of one exporter pass the
same ``session`` (from ``build_lms_session``): one connection pool and one OAuth token. Settings
are read when a call is made, and every call carries ``ENTERPRISE_EXPORT_LMS_TIMEOUT``.
"""

import logging
import os
import time
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests
from edx_rest_api_client.client import OAuthAPIClient
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from enterprise_export.clients.exceptions import (
    HttpNotFoundError,
    InvalidResponseError,
    ListingStoppedError,
    raise_for_status,
)
from enterprise_export.clients.rate_limit import retry_after_seconds
from enterprise_export.conf import get_setting

LOGGER = logging.getLogger(__name__)

RETRIED_STATUSES = (429, 502, 503, 504)
# The token request is retried on these too (a 500 of the OAuth endpoint is as passing as a 503).
TOKEN_RETRIED_STATUSES = (429, 500, 502, 503, 504)
TOKEN_MAX_WAIT = 30
DEFAULT_PORTS = {'http': 80, 'https': 443}


def origin(url):
    """``(scheme, host, port)`` of an absolute URL, the port made explicit; None when it has no host or port."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port that is not a number, a malformed IPv6 host
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname, port


def build_lms_session():
    """
    An ``OAuthAPIClient`` for the LMS: JWT client credentials, pooled, retrying idempotent GETs.

    Retries cover failed connections and 429/502/503/504 answers, with backoff and
    ``Retry-After``; a read timeout is not retried (a slow LMS is not asked twice: the
    enrollment is tried again next run) and surfaces as ``requests.ReadTimeout``. The pool
    holds as many connections as calls may be in flight.
    """
    timeout = get_setting('ENTERPRISE_EXPORT_LMS_TIMEOUT')
    session = LmsSession(
        get_setting('BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL'),
        get_setting('BACKEND_SERVICE_EDX_OAUTH2_KEY'),
        get_setting('BACKEND_SERVICE_EDX_OAUTH2_SECRET'),
        timeout=timeout,
    )
    retries = get_setting('ENTERPRISE_EXPORT_LMS_RETRIES')
    retry = Retry(
        total=retries,
        read=False,
        backoff_factor=0.5,
        status_forcelist=RETRIED_STATUSES,
        allowed_methods=frozenset({'GET'}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    read_environment_once(session, get_setting('LMS_INTERNAL_ROOT_URL'))
    pool_size = max(10, get_setting('ENTERPRISE_EXPORT_MAX_CONCURRENT_REQUESTS'))
    adapter = LmsAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session


class LmsSession(OAuthAPIClient):
    """
    The LMS's OAuth client whose token request is retried like its GETs: a failed connection or
    a 429/500/502/503/504 answer from ``/oauth2/access_token`` is asked again (up to
    ``ENTERPRISE_EXPORT_LMS_RETRIES`` times, with backoff, ``Retry-After`` honoured), so that one
    busy moment of the LMS does not stop a whole run. A refusal (400, 401, 403) is not retried.

    edx-rest-api-client posts the token request with ``requests.post`` of its own, outside this
    session's adapters: hence a loop here, around its cached fetch.
    """

    def _ensure_authentication(self):
        retries, attempt = get_setting('ENTERPRISE_EXPORT_LMS_RETRIES'), 0
        while True:
            try:
                return super()._ensure_authentication()
            except (requests.ConnectionError, requests.HTTPError) as error:
                response = getattr(error, 'response', None)
                status = getattr(response, 'status_code', None)
                if attempt == retries or (response is not None and status not in TOKEN_RETRIED_STATUSES):
                    raise
                wait = retry_after_seconds(response, attempt + 1) if status == 429 else 0.5 * 2 ** attempt
                attempt += 1
                LOGGER.warning('LMS token request failed (%s); asking again in %.1f s',
                               status or type(error).__name__, wait, extra={'attempt': attempt})
                time.sleep(min(wait, TOKEN_MAX_WAIT))


class LmsAdapter(HTTPAdapter):
    """
    An ``HTTPAdapter`` that does less per LMS GET than requests' own, with the same outcome.

    ``HTTPAdapter`` re-parses the URL, looks for a proxy and, when ``verify`` names a CA
    bundle, asks the file system whether it is a directory, on every call: a system call per
    LMS GET. The LMS host, the proxies, its CA bundle and client certificate do not change
    during an export, so a host's connection pool is found once; a pool the pool manager has
    closed since is asked for again.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pools = {}

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        scheme, _, authority = request.url.split('/', 3)[:3]
        key = (scheme, authority, verify, cert, tuple(sorted((proxies or {}).items())))
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            self._pools[key] = pool
        return pool

    def request_url(self, request, proxies):
        """
        The path and query alone when there is no proxy (as ``HTTPAdapter`` would say).

        ``PreparedRequest.path_url`` runs ``urlsplit`` for it; the URLs here are absolute with a
        path, so what follows the authority is the path and query. Anything else (a fragment, a
        bare host) goes the ordinary way.
        """
        if proxies:
            return super().request_url(request, proxies)
        parts = request.url.split('/', 3)
        if len(parts) < 4 or '?' in parts[2] or '#' in parts[3]:
            return request.path_url
        return '/' + parts[3]

    def build_response(self, req, resp):
        """
        The ``Response`` to an LMS call, its body read in one read, without a cookie jar.

        ``HTTPAdapter.build_response`` copies the headers into a new dict and runs the cookie
        jar's parser over them, and ``Response.content`` then reads the body in 10 KB steps: a
        sixth of a GET's CPU. The LMS APIs authenticate by the token (no cookies are kept), and
        urllib3's headers are already case-insensitive. The session never streams.
        """
        response = requests.Response()
        response.status_code = resp.status
        response.headers = resp.headers
        response.encoding = requests.utils.get_encoding_from_headers(resp.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url
        response.request = req
        response.connection = self
        # A Response has no public way to take its body: ``content`` reads it in 10 KB steps.
        # ``iter_content(None)`` reads it in one, and maps urllib3's errors to requests' ones.
        response._content = b''.join(response.iter_content(None))
        return response


def read_environment_once(session, url=None):
    """
    Take the proxy (for ``url``'s host, when given) and CA-bundle environment variables into the
    session once.

    requests reads them again for every call (``trust_env``), walking the whole environment:
    a fifth of an export's CPU. The LMS host is fixed, so once is enough; the channel clients
    keep the proxies of each host they call.
    """
    if url is not None:
        session.proxies.update(requests.utils.get_environ_proxies(url))
    ca_bundle = os.environ.get('REQUESTS_CA_BUNDLE') or os.environ.get('CURL_CA_BUNDLE')
    if ca_bundle:
        session.verify = ca_bundle
    session.trust_env = False


def send_get(session, url, params, timeout):
    """
    GET ``url`` (with query ``params``) on an ``OAuthAPIClient`` session, prepared here.

    ``Session.get`` merges settings, environment, cookies and hooks and re-parses the URL for
    every call, most of the CPU an LMS call costs the exporter. The URLs here are built by the
    clients (quoted path, encoded query) or given by the LMS (``next`` links), so the request is
    assembled directly and sent through the session's adapter: its connection pool, its
    ``Retry``, the session's headers, proxies and TLS settings, the token the session holds
    (fetched or renewed through edx-rest-api-client's cache) and ``timeout``. No cookies are
    kept: the LMS APIs authenticate by the token. A redirect goes the ordinary way.

    The request's headers stay a ``CaseInsensitiveDict``, as requests makes them: a caller (or
    a test through ``responses``) may read ``Authorization`` or ``User-Agent`` in any case.
    """
    if params:
        url = f'{url}{"&" if "?" in url else "?"}{urlencode(params)}'
    request = requests.PreparedRequest()
    request.method = 'GET'
    request.url = url
    request.headers = CaseInsensitiveDict(session.headers)
    session.get_jwt_access_token()
    session.auth(request)
    response = session.get_adapter(url).send(
        request, timeout=timeout, verify=session.verify, cert=session.cert, proxies=session.proxies,
    )
    if response.is_redirect:
        response.close()
        return session.get(url, timeout=timeout)
    return response


def _path_part(value):
    """Quote a value for a URL path, keeping the ``:`` and ``+`` of course keys as they are."""
    return quote(str(value), safe=':+')


class LmsApiClient:
    """One LMS REST API. Subclasses add the calls; ``endpoint`` names the API in errors."""

    endpoint = 'LMS'

    def __init__(self, user, session=None):
        self.user = user
        self._session = session

    @property
    def session(self):
        """The shared session given at construction, else one of this client's own."""
        if self._session is None:
            self._session = build_lms_session()
        return self._session

    def _url(self, path):
        return get_setting('LMS_INTERNAL_ROOT_URL').rstrip('/') + path

    def _get(self, url, params=None):
        """GET ``url``; return the decoded JSON body, or None for an empty one."""
        response = send_get(self.session, url, params, get_setting('ENTERPRISE_EXPORT_LMS_TIMEOUT'))
        raise_for_status(response, self.endpoint)
        if not response.content or not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError as error:
            raise InvalidResponseError(response, self.endpoint) from error

    def _get_object(self, path, params=None):
        """GET an endpoint that answers with one JSON object; anything else is unreadable."""
        url = self._url(path)
        response_body = self._get(url, params)
        if not isinstance(response_body, dict):
            raise InvalidResponseError(None, self.endpoint)
        return response_body

    def _get_pages(self, path, params, *, course_id):
        """
        Yield every row of a paginated listing (``{"next", "results"}``) of run ``course_id``,
        following ``next`` on the LMS only.

        A ``next`` link is resolved against the page that gave it. One whose scheme, host or port
        differs from ``LMS_INTERNAL_ROOT_URL``'s is not asked (it would be sent the LMS token):
        after the rows read so far, a warning is logged and ``ListingStoppedError`` raised.
        """
        url, page_params = self._url(path), params
        lms_origin = origin(url)
        while url:
            page = self._get(url, page_params)
            if not isinstance(page, dict) or not isinstance(page.get('results'), list):
                raise InvalidResponseError(None, self.endpoint)
            yield from page['results']
            url, page_params = self._next_page(url, page.get('next'), lms_origin, course_id), None

    def _next_page(self, url, next_link, lms_origin, course_id):
        """The URL of the page after ``url``, or None at the end; raises when ``next_link`` leaves the LMS."""
        if next_link is None or next_link == '':
            return None
        if not isinstance(next_link, str):
            raise InvalidResponseError(None, self.endpoint)
        try:
            next_url = urljoin(url, next_link)
        except ValueError:  # a malformed IPv6 host
            next_url = ''
        next_origin = origin(next_url)
        if next_origin is None or next_origin != lms_origin:
            # Where the link pointed, not the link: its path and query may name learners.
            pointed_at = '{}://{}:{}'.format(*next_origin) if next_origin else 'no readable host'
            LOGGER.warning('Stopped the %s listing of %s at a next link off the LMS (%s)',
                           self.endpoint, course_id, pointed_at,
                           extra={'endpoint': self.endpoint, 'course_id': course_id, 'next_origin': pointed_at})
            raise ListingStoppedError(None, self.endpoint)
        return next_url


class CourseApiClient(LmsApiClient):
    """The Course API: a run's pacing, end date and effort."""

    endpoint = 'course'

    def get_course_details(self, course_id):
        """The run's details (``course_id``, ``pacing``, ``end``, ...), or None when it is unknown."""
        try:
            return self._get_object(f'/api/courses/v1/courses/{_path_part(course_id)}/')
        except HttpNotFoundError:
            return None


class GradesApiClient(LmsApiClient):
    """The Grades API: course grades and per-subsection grades."""

    endpoint = 'grades'

    def get_course_grade(self, course_id, username):
        """
        The learner's grade row (``passed``, ``percent``) in a run.

        Raises ``HttpNotFoundError`` on a 404 (whose JSON may carry ``error_code``) and when the
        answer has no row for this learner.
        """
        url = self._url(f'/api/grades/v1/courses/{_path_part(course_id)}/')
        rows = self._get(url, {'username': username})
        if isinstance(rows, dict):
            rows = rows.get('results')
        if not isinstance(rows, list):
            raise InvalidResponseError(None, self.endpoint)
        for row in rows:
            if isinstance(row, dict) and row.get('username') == username:
                return row
        raise HttpNotFoundError(None, self.endpoint)

    def get_course_assessment_grades(self, course_id, username):
        """The learner's ``section_breakdown`` rows from the gradebook; raises ``HttpNotFoundError`` on 404."""
        gradebook = self._get_object(
            f'/api/grades/v1/gradebook/{_path_part(course_id)}/', {'username': username},
        )
        breakdown = gradebook.get('section_breakdown') or []
        if not isinstance(breakdown, list):
            raise InvalidResponseError(None, self.endpoint)
        return breakdown

    def iter_course_grades(self, course_id, page_size=1000):
        """Yield every learner's grade row of a run from the bulk listing (``_get_pages``: it may stop early)."""
        return self._get_pages(
            f'/api/grades/v1/courses/{_path_part(course_id)}/', {'page_size': page_size}, course_id=course_id,
        )


class CertificatesApiClient(LmsApiClient):
    """The Certificates API."""

    endpoint = 'certificates'

    def get_course_certificate(self, course_id, username):
        """The learner's certificate (``created_date``, ``is_passing``, ``grade``, ``status``); 404 raises."""
        return self._get_object(
            f'/api/certificates/v0/certificates/{_path_part(username)}/courses/{_path_part(course_id)}/',
        )


class EnrollmentApiClient(LmsApiClient):
    """The Enrollment API: a learner's mode in a run."""

    endpoint = 'enrollment'

    def get_course_enrollment(self, username, course_id):
        """The LMS enrollment (``mode``, ``is_active``), or None on a 404 or an empty answer."""
        url = self._url(f'/api/enrollment/v1/enrollment/{_path_part(username)},{_path_part(course_id)}')
        try:
            enrollment = self._get(url)
        except HttpNotFoundError:
            return None
        if enrollment is not None and not isinstance(enrollment, dict):
            raise InvalidResponseError(None, self.endpoint)
        return enrollment or None

    def iter_course_enrollments(self, course_id, page_size=1000):
        """
        Yield every LMS enrollment of a run (``user``, ``mode``, ``is_active``) from the bulk listing
        (``_get_pages``: it may stop early).
        """
        return self._get_pages('/api/enrollment/v1/enrollments/', {'course_id': course_id, 'page_size': page_size},
                               course_id=course_id)


class ThirdPartyAuthApiClient(LmsApiClient):
    """The third-party-auth API: a learner's id at the customer's identity provider."""

    endpoint = 'third-party auth'

    def get_remote_id(self, idp_id, username):
        """The learner's ``remote_id`` at identity provider ``idp_id``, or None when there is none."""
        try:
            users = self._get_object(
                f'/api/third_party_auth/v0/providers/{_path_part(idp_id)}/users', {'username': username},
            )
        except HttpNotFoundError:
            return None
        results = users.get('results') or []
        if not results or not isinstance(results[0], dict):
            return None
        return results[0].get('remote_id') or None
