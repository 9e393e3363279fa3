"""The LMS connections: the lean response reads every answer as ``http.client``'s own does, over HTTP and TLS."""

import datetime
import gzip
import http.client
import io
import ipaddress
import socket
import ssl
import threading

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from demo.standin.server import StandInServer
from enterprise_export.clients.connections import (
    LeanHTTPConnectionPool,
    LeanHTTPResponse,
    LeanHTTPSConnectionPool,
    header_message,
)
from enterprise_export.clients.lms import CertificatesApiClient, build_lms_session

RUN = 'course-v1:edX+DemoX+Demo_2026'

ANSWERS = {
    'json with a length': b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a": true}',
    'chunked': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n4\r\n{"a"\r\n7\r\n: true}\r\n0\r\n\r\n',
    'connection close': b'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno',
    'connection close, no length': b'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n{"error_code": "x"}',
    'HTTP/1.0 with a length': b'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
    'HTTP/1.0 without a length': b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end',
    'HTTP/1.0 kept alive': b'HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok',
    'no content': b'HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n',
    'interim 100 first': b'HTTP/1.1 100 Continue\r\nX-Early: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    'bad length': b'HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\nto the end',
    'negative length': b'HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\nto the end',
    'repeated and odd headers': (
        b'HTTP/1.1 429 Too Many Requests\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nRetry-After:7\r\n'
        b'X-Spaces: \t padded value  \r\nX-Empty:\r\nX-Latin: caf\xe9\nContent-Length: 0\r\n\r\n'),
    'folded value': b'HTTP/1.1 200 OK\r\nX-Long: first\r\n  second\r\nContent-Length: 2\r\n\r\nok',
    'line without a colon': b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nnot a header\r\n\r\nok',
    'space before the colon': b'HTTP/1.1 200 OK\r\nX-Odd : 1\r\nContent-Length: 2\r\n\r\nok',
    'bare carriage return': b'HTTP/1.1 200 OK\r\nX-Odd: a\rb\r\nContent-Length: 2\r\n\r\nok',
}


class RecordedSocket:
    """The socket an ``http.client`` response reads: here, bytes recorded in advance."""

    def __init__(self, data):
        self.data = data

    def makefile(self, mode):
        return io.BytesIO(self.data)


def read(response_class, raw, method='GET'):
    response = response_class(RecordedSocket(raw), method=method)
    response.begin()
    seen = {name: getattr(response, name) for name in (
        'version', 'status', 'reason', 'chunked', 'length', 'will_close')}
    seen['headers'] = response.msg.items()
    seen['defects'] = [type(defect) for defect in response.msg.defects]
    seen['body'] = response.read()
    return seen


@pytest.mark.parametrize('raw', ANSWERS.values(), ids=ANSWERS.keys())
def test_an_answer_is_read_as_http_client_reads_it(raw):
    assert read(LeanHTTPResponse, raw) == read(http.client.HTTPResponse, raw)


def test_a_head_answer_has_no_body():
    raw = ANSWERS['json with a length']
    assert read(LeanHTTPResponse, raw, 'HEAD') == read(http.client.HTTPResponse, raw, 'HEAD')


def test_header_lines_make_the_message_the_email_parser_makes():
    lines = [b'Content-Type: application/json; charset=utf-8\r\n', b'Vary: Accept\r\n', b'Vary: Cookie\r\n']
    message = header_message(lines)
    assert isinstance(message, http.client.HTTPMessage)
    assert message.get_all('vary') == ['Accept', 'Cookie']
    assert message.items() == http.client.parse_headers(io.BytesIO(b''.join(lines) + b'\r\n')).items()


@pytest.mark.parametrize('raw, error', [
    (b'HTTP/1.1 200 OK\r\nX-Long: ' + b'x' * 70000 + b'\r\n\r\n', http.client.LineTooLong),
    (b'HTTP/1.1 200 OK\r\n' + b'X-Many: 1\r\n' * 101 + b'\r\n', http.client.HTTPException),
    (b'HTTP/2 200 OK\r\n\r\n', http.client.UnknownProtocol),
])
def test_what_http_client_refuses_is_refused(raw, error):
    with pytest.raises(error):
        read(http.client.HTTPResponse, raw)
    with pytest.raises(error):
        read(LeanHTTPResponse, raw)


def test_the_lms_session_reads_answers_through_the_lean_pools(standin):
    """Over a real socket: a gzip answer decoded, its headers readable, on the lean pool."""
    standin.lms.add_certificate('ada', RUN, grade='0.82')
    session = build_lms_session()
    assert CertificatesApiClient('worker', session).get_course_certificate(RUN, 'ada')['grade'] == '0.82'
    pools = session.get_adapter(standin.url).poolmanager.pools
    assert [type(pools[key]) for key in pools.keys()] == [LeanHTTPConnectionPool]


def test_a_gzip_body_is_not_mistaken_for_headers():
    body = gzip.compress(b'{"a": true}')
    raw = (b'HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n' % len(body)) + body
    assert read(LeanHTTPResponse, raw)['body'] == body


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


def test_over_tls_the_ca_bundle_of_the_environment_is_used(tls_standin, monkeypatch, settings):
    server, certificate_path = tls_standin
    server.lms.add_certificate('ada', RUN, grade='0.82')
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', certificate_path)
    session = build_lms_session()
    assert CertificatesApiClient('worker', session).get_course_certificate(RUN, 'ada')['grade'] == '0.82'
    pools = session.get_adapter(settings.LMS_INTERNAL_ROOT_URL).poolmanager.pools
    assert [type(pools[key]) for key in pools.keys()] == [LeanHTTPSConnectionPool]


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
    """The body is read inside the adapter now: urllib3's error still reaches the exporter as requests' one."""
    raw_lms.append(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"grade": ')
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        CertificatesApiClient('worker').get_course_certificate(RUN, 'ada')
