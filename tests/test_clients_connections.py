"""The lean response of the LMS connections reads every answer as ``http.client``'s own does."""

import gzip
import http.client
import io

import pytest

from enterprise_export.clients.connections import LeanHTTPConnectionPool, LeanHTTPResponse, header_message
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
