"""The LMS clients: URLs, query strings, error mapping, timeouts and the shared OAuth token."""

import datetime
import gzip
import ipaddress
import json
import logging
import re
import socket
import ssl
import threading

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from responses import matchers

from demo.standin.http import Answer
from demo.standin.server import StandInServer
from enterprise_export.clients.exceptions import (
    HttpClientError,
    HttpNotFoundError,
    HttpServerError,
    InvalidResponseError,
    ListingStoppedError,
)
from enterprise_export.clients.lms import (
    CertificatesApiClient,
    CourseApiClient,
    EnrollmentApiClient,
    GradesApiClient,
    ThirdPartyAuthApiClient,
    build_lms_session,
)
from test_utils.fake_lms import LMS, TOKEN, TOKEN_URL

RUN = 'course-v1:edX+DemoX+Demo_2026'


@pytest.fixture
def token(http):
    return http.post(TOKEN_URL, json={'access_token': TOKEN, 'expires_in': 3600})


def last_url(http):
    return http.calls[-1].request.url


def test_course_details_url_keeps_the_run_key(http, token):
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', json={'course_id': RUN, 'pacing': 'self', 'end': None})
    details = CourseApiClient('worker').get_course_details(RUN)
    assert details['pacing'] == 'self'
    assert last_url(http) == f'{LMS}/api/courses/v1/courses/course-v1:edX+DemoX+Demo_2026/'
    assert http.calls[-1].request.headers['Authorization'] == f'JWT {TOKEN}'


def test_course_details_404_is_none(http, token):
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', status=404, json={'detail': 'Not found.'})
    assert CourseApiClient('worker').get_course_details(RUN) is None


def test_course_grade_picks_the_learners_row(http, token):
    http.get(
        f'{LMS}/api/grades/v1/courses/{RUN}/',
        match=[matchers.query_param_matcher({'username': 'ada'})],
        json=[{'username': 'bob', 'passed': False, 'percent': 0.1},
              {'username': 'ada', 'passed': True, 'percent': 0.91}],
    )
    grade = GradesApiClient('worker').get_course_grade(RUN, 'ada')
    assert (grade['passed'], grade['percent']) == (True, 0.91)
    assert last_url(http) == f'{LMS}/api/grades/v1/courses/course-v1:edX+DemoX+Demo_2026/?username=ada'


def test_course_grade_without_the_learners_row_is_not_found(http, token):
    http.get(f'{LMS}/api/grades/v1/courses/{RUN}/', json=[{'username': 'bob', 'passed': True, 'percent': 1.0}])
    with pytest.raises(HttpNotFoundError):
        GradesApiClient('worker').get_course_grade(RUN, 'ada')


def test_course_grade_404_carries_the_response(http, token):
    http.get(f'{LMS}/api/grades/v1/courses/{RUN}/', status=404, json={'error_code': 'user_not_enrolled'})
    with pytest.raises(HttpNotFoundError) as caught:
        GradesApiClient('worker').get_course_grade(RUN, 'ada')
    assert caught.value.response.json() == {'error_code': 'user_not_enrolled'}
    assert caught.value.status == 404


def test_assessment_grades_are_the_section_breakdown(http, token):
    breakdown = [{'attempted': True, 'module_id': 'block-v1:edX+DemoX+Demo_2026+type@sequential+block@s1',
                  'percent': 0.5, 'label': 'HW 01'}]
    http.get(f'{LMS}/api/grades/v1/gradebook/{RUN}/', json={'username': 'ada', 'section_breakdown': breakdown})
    assert GradesApiClient('worker').get_course_assessment_grades(RUN, 'ada') == breakdown
    assert last_url(http) == f'{LMS}/api/grades/v1/gradebook/course-v1:edX+DemoX+Demo_2026/?username=ada'


def test_assessment_grades_404_raises(http, token):
    http.get(f'{LMS}/api/grades/v1/gradebook/{RUN}/', status=404)
    with pytest.raises(HttpNotFoundError):
        GradesApiClient('worker').get_course_assessment_grades(RUN, 'ada')


def test_certificate_url(http, token):
    http.get(
        f'{LMS}/api/certificates/v0/certificates/ada/courses/{RUN}/',
        json={'created_date': '2026-05-01T10:00:00Z', 'is_passing': True, 'grade': '0.82', 'status': 'downloadable'},
    )
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')['grade'] == '0.82'
    assert last_url(http) == f'{LMS}/api/certificates/v0/certificates/ada/courses/course-v1:edX+DemoX+Demo_2026/'


def test_certificate_404_raises(http, token):
    http.get(f'{LMS}/api/certificates/v0/certificates/ada/courses/{RUN}/', status=404)
    with pytest.raises(HttpNotFoundError):
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')


def test_enrollment_url_joins_username_and_run_with_a_comma(http, token):
    http.get(f'{LMS}/api/enrollment/v1/enrollment/ada,{RUN}', json={'mode': 'verified', 'is_active': True})
    assert EnrollmentApiClient('worker').get_course_enrollment('ada', RUN)['mode'] == 'verified'
    assert last_url(http) == f'{LMS}/api/enrollment/v1/enrollment/ada,course-v1:edX+DemoX+Demo_2026'


@pytest.mark.parametrize('answer', [{'status': 404}, {'status': 200, 'body': ''}])
def test_enrollment_missing_or_empty_is_none(http, token, answer):
    http.get(f'{LMS}/api/enrollment/v1/enrollment/ada,{RUN}', **answer)
    assert EnrollmentApiClient('worker').get_course_enrollment('ada', RUN) is None


def test_remote_id(http, token):
    http.get(
        f'{LMS}/api/third_party_auth/v0/providers/saml-acme/users',
        match=[matchers.query_param_matcher({'username': 'ada'})],
        json={'results': [{'username': 'ada', 'remote_id': 'SAP-0042'}]},
    )
    assert ThirdPartyAuthApiClient('worker').get_remote_id('saml-acme', 'ada') == 'SAP-0042'
    assert last_url(http) == f'{LMS}/api/third_party_auth/v0/providers/saml-acme/users?username=ada'


@pytest.mark.parametrize('answer', [{'json': {'results': []}}, {'status': 404}])
def test_no_remote_id_is_none(http, token, answer):
    http.get(f'{LMS}/api/third_party_auth/v0/providers/saml-acme/users', **answer)
    assert ThirdPartyAuthApiClient('worker').get_remote_id('saml-acme', 'ada') is None


@pytest.mark.parametrize('status, error', [
    (500, HttpServerError), (503, HttpServerError), (400, HttpClientError), (403, HttpClientError),
])
def test_error_statuses_are_mapped(http, token, status, error, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    http.get(f'{LMS}/api/certificates/v0/certificates/ada/courses/{RUN}/', status=status, body='oops')
    with pytest.raises(error) as caught:
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    assert caught.value.response.status_code == status
    assert not isinstance(caught.value, HttpNotFoundError)


def test_a_body_that_is_not_json_is_an_invalid_response(http, token):
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', body='<html>maintenance</html>')
    with pytest.raises(InvalidResponseError):
        CourseApiClient('worker').get_course_details(RUN)


def test_every_call_has_the_configured_timeout(http, token, settings):
    settings.ENTERPRISE_EXPORT_LMS_TIMEOUT = (1.5, 4)
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', json={'course_id': RUN})
    CourseApiClient('worker').get_course_details(RUN)
    assert http.calls[-1].request.req_kwargs['timeout'] == (1.5, 4)


def test_settings_are_read_at_call_time(http, token, settings):
    client = CourseApiClient('worker')
    settings.LMS_INTERNAL_ROOT_URL = 'http://other-lms.internal'
    http.get(f'http://other-lms.internal/api/courses/v1/courses/{RUN}/', json={'course_id': RUN})
    assert client.get_course_details(RUN) == {'course_id': RUN}


def test_clients_sharing_a_session_fetch_the_token_once(http, token):
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', json={'course_id': RUN, 'pacing': 'self'})
    http.get(f'{LMS}/api/enrollment/v1/enrollment/ada,{RUN}', json={'mode': 'verified'})
    session = build_lms_session()
    course_api, enrollment_api = CourseApiClient('worker', session), EnrollmentApiClient('worker', session)
    for _ in range(3):
        course_api.get_course_details(RUN)
        enrollment_api.get_course_enrollment('ada', RUN)
    assert token.call_count == 1
    token_form = dict(pair.split('=') for pair in http.calls[0].request.body.split('&'))
    assert token_form['grant_type'] == 'client_credentials'
    assert token_form['client_id'] == 'enterprise-export-key'
    assert token_form['token_type'] == 'jwt'


def test_a_failed_token_request_raises(http):
    http.post(TOKEN_URL, status=401, json={'error': 'invalid_client'})
    with pytest.raises(requests.RequestException):
        CourseApiClient('worker').get_course_details(RUN)


def test_bulk_grade_listing_follows_next_links(http, token):
    first = f'{LMS}/api/grades/v1/courses/{RUN}/'
    http.get(first, match=[matchers.query_param_matcher({'page_size': '2'})], json={
        'next': f'{first}?page=2&page_size=2', 'results': [{'username': 'a'}, {'username': 'b'}]})
    http.get(first, match=[matchers.query_param_matcher({'page': '2', 'page_size': '2'})], json={
        'next': None, 'results': [{'username': 'c'}]})
    rows = list(GradesApiClient('worker').iter_course_grades(RUN, page_size=2))
    assert [row['username'] for row in rows] == ['a', 'b', 'c']


GRADES_LISTING = f'{LMS}/api/grades/v1/courses/{RUN}/'


def test_bulk_listing_follows_a_relative_next_link_on_the_lms(http, token):
    http.get(GRADES_LISTING, match=[matchers.query_param_matcher({'page_size': '2'})], json={
        'next': f'/api/grades/v1/courses/{RUN}/?page=2&page_size=2', 'results': [{'username': 'a'}, {'username': 'b'}]})
    http.get(GRADES_LISTING, match=[matchers.query_param_matcher({'page': '2', 'page_size': '2'})], json={
        'next': None, 'results': [{'username': 'c'}]})
    rows = list(GradesApiClient('worker').iter_course_grades(RUN, page_size=2))
    assert [row['username'] for row in rows] == ['a', 'b', 'c']
    assert last_url(http) == f'{GRADES_LISTING}?page=2&page_size=2'


def test_bulk_listing_follows_a_next_link_naming_the_lms_port_and_host_in_capitals(http, token):
    same_lms = f'http://LMS.internal:80/api/grades/v1/courses/{RUN}/?page=2'
    http.get(GRADES_LISTING, match=[matchers.query_param_matcher({'page_size': '1000'})], json={
        'next': same_lms, 'results': [{'username': 'a'}]})
    http.get(re.compile(r'http://LMS\.internal:80/.*'), json={'next': None, 'results': [{'username': 'b'}]})
    assert [row['username'] for row in GradesApiClient('worker').iter_course_grades(RUN)] == ['a', 'b']


OFF_THE_LMS = [
    f'http://evil.example/api/grades/v1/courses/{RUN}/?page=2',  # another host
    f'//evil.example/api/grades/v1/courses/{RUN}/?page=2',  # another host, scheme-relative
    f'https://lms.internal/api/grades/v1/courses/{RUN}/?page=2',  # another scheme
    f'http://lms.internal:8080/api/grades/v1/courses/{RUN}/?page=2',  # another port
    f'http://lms.internal.evil.example/api/grades/v1/courses/{RUN}/?page=2',  # a host that starts alike
    f'http://lms.internal@evil.example/api/grades/v1/courses/{RUN}/?page=2',  # the LMS as a user name
    f'http://lms.internal:http/api/grades/v1/courses/{RUN}/?page=2',  # no port at all
    f'http://[lms.internal/api/grades/v1/courses/{RUN}/?page=2',  # no host at all
]


@pytest.mark.parametrize('next_link', OFF_THE_LMS)
def test_bulk_listing_stops_at_a_next_link_off_the_lms(http, token, next_link, caplog):
    """The LMS token goes nowhere else: the listing stops, and says so, after the rows it read."""
    http.get(GRADES_LISTING, json={'next': next_link, 'results': [{'username': 'a'}, {'username': 'b'}]})
    # Whoever answers there would be given the token, and could hide or change learners' grades.
    http.get(re.compile(r'(?!http://lms\.internal/).*'), json={'next': None, 'results': [{'username': 'c'}]})
    rows = []
    with caplog.at_level(logging.WARNING), pytest.raises(ListingStoppedError):
        rows.extend(GradesApiClient('worker').iter_course_grades(RUN))
    assert [row['username'] for row in rows] == ['a', 'b']
    assert [call.request.url for call in http.calls] == [TOKEN_URL, f'{GRADES_LISTING}?page_size=1000']
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert [record.name for record in warnings] == ['enterprise_export.clients.lms']
    assert warnings[0].course_id == RUN
    logged = caplog.text
    assert TOKEN not in logged and '/api/grades' not in logged and 'page=2' not in logged


def test_bulk_enrollment_listing_stops_at_a_next_link_off_the_lms(http, token):
    http.get(f'{LMS}/api/enrollment/v1/enrollments/', json={
        'next': 'https://evil.example/api/enrollment/v1/enrollments/?page=2',
        'results': [{'user': 'ada', 'mode': 'verified', 'is_active': True}]})
    http.get(re.compile(r'https://evil\.example/.*'), json={'next': None, 'results': []})
    rows = []
    with pytest.raises(ListingStoppedError):
        rows.extend(EnrollmentApiClient('worker').iter_course_enrollments(RUN))
    assert rows == [{'user': 'ada', 'mode': 'verified', 'is_active': True}]
    assert not any('evil.example' in call.request.url for call in http.calls)


def test_a_next_link_that_is_not_a_url_is_an_invalid_response(http, token):
    http.get(GRADES_LISTING, json={'next': {'href': '/api/grades/v1/?page=2'}, 'results': [{'username': 'a'}]})
    with pytest.raises(InvalidResponseError) as caught:
        list(GradesApiClient('worker').iter_course_grades(RUN))
    assert not isinstance(caught.value, ListingStoppedError)


def test_bulk_enrollment_listing_query(http, token):
    http.get(f'{LMS}/api/enrollment/v1/enrollments/', json={'next': None, 'results': [
        {'user': 'ada', 'mode': 'audit', 'is_active': True}]})
    rows = list(EnrollmentApiClient('worker').iter_course_enrollments(RUN, page_size=100))
    assert rows == [{'user': 'ada', 'mode': 'audit', 'is_active': True}]
    assert last_url(http) == (
        f'{LMS}/api/enrollment/v1/enrollments/?course_id=course-v1%3AedX%2BDemoX%2BDemo_2026&page_size=100'
    )


def test_proxy_and_ca_bundle_from_the_environment_are_kept(monkeypatch, settings):
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.internal:3128')
    monkeypatch.setenv('HTTP_PROXY', 'http://proxy.internal:3128')
    monkeypatch.setenv('NO_PROXY', 'localhost')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/company-ca.pem')
    session = build_lms_session()
    assert session.proxies['http'] == 'http://proxy.internal:3128'
    assert session.verify == '/etc/ssl/company-ca.pem'
    assert session.trust_env is False


def test_no_proxy_for_the_lms_host_is_honoured(monkeypatch):
    monkeypatch.setenv('HTTP_PROXY', 'http://proxy.internal:3128')
    monkeypatch.setenv('NO_PROXY', 'lms.internal')
    assert 'http' not in build_lms_session().proxies


def test_a_redirect_is_followed_with_the_token(http, token):
    moved = f'{LMS}/api/courses/v2/courses/{RUN}/'
    http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', status=301, headers={'Location': moved})
    http.get(moved, json={'course_id': RUN, 'pacing': 'self'})
    assert CourseApiClient('worker').get_course_details(RUN)['pacing'] == 'self'
    assert last_url(http) == moved
    assert http.calls[-1].request.headers['Authorization'] == f'JWT {TOKEN}'


def test_a_closed_connection_pool_is_replaced(standin):
    """Over real sockets: the adapter keeps a host's pool, and asks again once it was closed."""
    standin.lms.add_course(RUN, pacing='self', end=None)
    session = build_lms_session()
    client = CourseApiClient('worker', session)
    assert client.get_course_details(RUN)['pacing'] == 'self'
    session.get_adapter(standin.url).poolmanager.clear()  # what an evicted or closed pool looks like
    assert client.get_course_details(RUN)['pacing'] == 'self'
    assert standin.lms.calls['course'] == 2


CERTIFICATE = {'created_date': '2026-05-01T10:00:00Z', 'is_passing': True, 'grade': '0.82', 'status': 'downloadable'}
SERVED_CERTIFICATE = {'username': 'ada', 'course_id': RUN, **CERTIFICATE}  # as the stand-in answers it
CERTIFICATE_URL = f'{LMS}/api/certificates/v0/certificates/ada/courses/{RUN}/'


def gzipped(body):
    return gzip.compress(json.dumps(body).encode())


def test_a_gzip_body_is_decoded(http, token):
    http.get(CERTIFICATE_URL, body=gzipped(CERTIFICATE), content_type='application/json',
             headers={'Content-Encoding': 'gzip'})
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada') == CERTIFICATE
    assert 'gzip' in http.calls[-1].request.headers['Accept-Encoding']


def test_a_503_is_retried_then_answered(http, token):
    http.get(CERTIFICATE_URL, status=503)
    http.get(CERTIFICATE_URL, json=CERTIFICATE)
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada') == CERTIFICATE
    assert [call.response.status_code for call in http.calls[1:]] == [503, 200]


def test_a_429s_headers_are_readable_once_retries_are_spent(http, token, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    http.get(CERTIFICATE_URL, status=429, headers={'Retry-After': '7'}, body='slow down')
    with pytest.raises(HttpClientError) as caught:
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    assert caught.value.status == 429
    assert caught.value.response.headers['retry-after'] == '7'
    assert caught.value.response.text == 'slow down'


# Over real sockets: what ``responses`` (which replaces the adapter's ``send``) cannot show.

def test_over_a_socket_answers_are_read_whole_on_one_kept_alive_connection(standin):
    standin.lms.add_certificate('ada', RUN, **CERTIFICATE)
    session = build_lms_session()
    client = CertificatesApiClient('worker', session)
    for _ in range(3):
        assert client.get_course_certificate(RUN, 'ada') == SERVED_CERTIFICATE
    pools = session.get_adapter(standin.url).poolmanager.pools
    assert [pools[key].num_connections for key in pools.keys()] == [1]


def test_over_a_socket_a_404s_error_code_is_readable(standin):
    with pytest.raises(HttpNotFoundError) as caught:
        GradesApiClient('worker').get_course_grade(RUN, 'ada')
    assert caught.value.response.json() == {'error_code': 'user_not_enrolled'}
    assert caught.value.response.headers['Content-Type'] == 'application/json'


def test_over_a_socket_a_gzip_body_is_decoded(standin):
    standin.lms.certificates[('ada', RUN)] = Answer(
        200, gzipped(CERTIFICATE), {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'})
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada') == CERTIFICATE


def test_over_a_socket_a_429_is_waited_out_then_answered(standin):
    standin.lms.add_certificate('ada', RUN, **CERTIFICATE)
    standin.faults.configure({'faults': [{'target': 'lms', 'kind': '429', 'path': '/certificates/',
                                          'count': 1, 'retry_after': 0}]})
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada') == SERVED_CERTIFICATE
    assert standin.faults.describe()['faults'][0]['count'] == 0


def test_over_a_socket_a_429s_retry_after_is_readable(standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_RETRIES = 0
    standin.faults.configure({'faults': [{'target': 'lms', 'kind': '429', 'path': '/certificates/',
                                          'retry_after': 7}]})
    with pytest.raises(HttpClientError) as caught:
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    assert caught.value.status == 429
    assert caught.value.response.headers['Retry-After'] == '7'


def test_over_a_socket_a_read_timeout_is_not_retried(standin, settings):
    settings.ENTERPRISE_EXPORT_LMS_TIMEOUT = (1, 0.2)
    client = CertificatesApiClient('worker')
    client.session.get_jwt_access_token()
    standin.faults.configure({'faults': [{'target': 'lms', 'kind': 'timeout', 'path': '/certificates/',
                                          'seconds': 1}]})
    with pytest.raises(requests.ReadTimeout):
        client.get_course_certificate(RUN, 'ada')
    assert standin.faults.counts['lms'] == 2  # the token, then one GET


def test_over_a_socket_the_environments_proxy_is_used(standin, settings, monkeypatch):
    """The stand-in serves absolute request URLs too: here it is the proxy of an LMS host that does not resolve."""
    monkeypatch.setenv('HTTP_PROXY', standin.url)
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    monkeypatch.delenv('http_proxy', raising=False)
    settings.LMS_INTERNAL_ROOT_URL = 'http://lms.invalid/lms'
    settings.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = 'http://lms.invalid/lms/oauth2'
    standin.lms.add_certificate('ada', RUN, **CERTIFICATE)
    assert CertificatesApiClient('worker').get_course_certificate(RUN, 'ada') == SERVED_CERTIFICATE


def test_over_a_socket_a_redirect_is_followed_with_the_token(standin):
    moved = f'{standin.url}/lms/api/certificates/v0/certificates/ada-2/courses/{RUN}/'
    standin.lms.certificates[('ada', RUN)] = Answer(301, '', {'Location': moved, 'Set-Cookie': 'lms=1; Path=/'})
    standin.lms.add_certificate('ada-2', RUN, **CERTIFICATE)
    certificate = CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    assert certificate == {**SERVED_CERTIFICATE, 'username': 'ada-2'}  # the stand-in checked the token


def test_an_lms_calls_headers_are_read_in_any_case(http, token):
    http.get(CERTIFICATE_URL, json=CERTIFICATE)
    CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    headers = http.calls[-1].request.headers
    assert headers['authorization'] == headers['Authorization'] == f'JWT {TOKEN}'
    assert headers['User-Agent'] == headers['user-agent']


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1 that is its own CA: ``(certificate path, key path)``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'stand-in')])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / 'stand-in.pem', directory / 'stand-in.key'
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(certificate_path), str(key_path)


@pytest.fixture
def tls_standin(settings, tmp_path):
    """The stand-in over HTTPS, with a certificate of its own: ``(server, CA bundle path)``."""
    certificate_path, key_path = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_path, key_path)
    server = StandInServer(settings.BACKEND_SERVICE_EDX_OAUTH2_KEY, settings.BACKEND_SERVICE_EDX_OAUTH2_SECRET)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    with server:
        url = server.url.replace('http://', 'https://')
        settings.LMS_INTERNAL_ROOT_URL = f'{url}/lms'
        settings.BACKEND_SERVICE_EDX_OAUTH2_PROVIDER_URL = f'{url}/lms/oauth2'
        yield server, certificate_path


def test_over_tls_the_ca_bundle_of_the_environment_is_used(tls_standin, monkeypatch):
    server, certificate_path = tls_standin
    server.lms.add_certificate('ada', RUN, grade='0.82')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate_path)
    session = build_lms_session()
    assert CertificatesApiClient('worker', session).get_course_certificate(RUN, 'ada')['grade'] == '0.82'


def test_over_tls_a_certificate_the_session_does_not_trust_is_refused(tls_standin, monkeypatch):
    server, certificate_path = tls_standin
    server.lms.add_certificate('ada', RUN, grade='0.82')
    session = build_lms_session()  # trusts the usual CAs only
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate_path)  # the token request (requests.post) trusts it
    with pytest.raises(requests.exceptions.SSLError):
        CertificatesApiClient('worker', session).get_course_certificate(RUN, 'ada')


@pytest.fixture
def raw_lms(standin, settings):
    """
    An LMS that answers every request with the bytes given to it, then closes the connection;
    the token still comes from the stand-in.
    """
    listener = socket.create_server(('127.0.0.1', 0))
    answers = []

    def serve():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed: the test is over
            with connection:
                request = b''
                while b'\r\n\r\n' not in request:
                    request += connection.recv(65536)
                connection.sendall(answers.pop(0))

    threading.Thread(target=serve, daemon=True).start()
    settings.LMS_INTERNAL_ROOT_URL = f'http://127.0.0.1:{listener.getsockname()[1]}/lms'
    yield answers
    listener.close()


def test_over_a_socket_a_chunked_gzip_answer_is_read_whole(raw_lms):
    body = gzip.compress(b'{"grade": "0.82", "status": "downloadable"}')
    raw_lms.append(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n'
                   b'Transfer-Encoding: chunked\r\nX-Folded: first\r\n second\r\n\r\n'
                   + b''.join(b'%x\r\n%s\r\n' % (len(part), part) for part in (body[:9], body[9:]))
                   + b'0\r\n\r\n')
    certificate = CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
    assert certificate == {'grade': '0.82', 'status': 'downloadable'}


def test_over_a_socket_a_cut_body_is_a_requests_error(raw_lms):
    """The body is read inside the adapter: urllib3's error still reaches the exporter as requests' one."""
    raw_lms.append(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"grade": ')
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')


class TestTokenRetries:
    """A busy OAuth endpoint is asked again, as the GETs are; a refusal is not (issue 20)."""

    @pytest.fixture(autouse=True)
    def no_sleep(self, monkeypatch):
        waits = []
        monkeypatch.setattr('enterprise_export.clients.lms.time.sleep', waits.append)
        return waits

    def test_a_5xx_or_429_then_a_token_goes_on(self, http, no_sleep, settings):
        settings.ENTERPRISE_EXPORT_LMS_RETRIES = 2
        http.post(TOKEN_URL, status=503)
        http.post(TOKEN_URL, status=429, headers={'Retry-After': '3'})
        http.post(TOKEN_URL, json={'access_token': TOKEN, 'expires_in': 3600})
        http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', json={'course_id': RUN})
        assert CourseApiClient('worker').get_course_details(RUN) == {'course_id': RUN}
        assert [call.request.url for call in http.calls].count(TOKEN_URL) == 3
        assert no_sleep == [0.5, 3.0]

    def test_a_reset_connection_then_a_token_goes_on(self, http, no_sleep):
        http.post(TOKEN_URL, body=requests.ConnectionError('reset by peer'))
        http.post(TOKEN_URL, json={'access_token': TOKEN, 'expires_in': 3600})
        http.get(f'{LMS}/api/courses/v1/courses/{RUN}/', json={'course_id': RUN})
        assert CourseApiClient('worker').get_course_details(RUN) == {'course_id': RUN}

    @pytest.mark.parametrize('status', [400, 401, 403])
    def test_refused_credentials_are_not_asked_again(self, http, no_sleep, status):
        http.post(TOKEN_URL, status=status, json={'error': 'invalid_client'})
        with pytest.raises(requests.HTTPError):
            CourseApiClient('worker').get_course_details(RUN)
        assert [call.request.url for call in http.calls] == [TOKEN_URL] and no_sleep == []

    def test_it_gives_up_after_the_retries(self, http, no_sleep, settings):
        settings.ENTERPRISE_EXPORT_LMS_RETRIES = 1
        for _ in range(3):
            http.post(TOKEN_URL, status=502)
        with pytest.raises(requests.HTTPError):
            CourseApiClient('worker').get_course_details(RUN)
        assert [call.request.url for call in http.calls].count(TOKEN_URL) == 2
