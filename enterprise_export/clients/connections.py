"""
urllib3 connection pools whose answers read their header lines without the ``email`` parser.

``http.client.HTTPResponse.begin`` hands a response's header block to ``email.parser``, which
is made for MIME messages: a fifth of the CPU of an LMS GET. ``LeanHTTPResponse`` puts each
``name: value`` line into the same ``HTTPMessage`` itself, and is plugged in through the one
hook ``http.client`` offers, a connection's ``response_class``. Everything else (sending,
reading the body, keep-alive, TLS, urllib3's own response) is the libraries' own.
"""

import http.client
import io
import re

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# http.client's limits on a header block.
MAX_LINE = 65536
MAX_HEADERS = 100
# What the email parser takes as one whole header: a name of visible characters other than
# ':', a colon, the value up to the line's end. Anything else goes to that parser (below).
HEADER_LINE = re.compile(r'([!-9;-~]+):[ \t]*([^\r\n]*)[\r\n]*')
END_OF_HEADERS = (b'\r\n', b'\n', b'')


class LeanHTTPResponse(http.client.HTTPResponse):
    """
    ``http.client``'s response, but its headers are read here rather than by ``email.parser``.

    Each header line goes into the ``HTTPMessage`` the parser would have built, with the same
    name and value; a header block with any other line (a folded value, a line without a
    colon) is given to ``http.client.parse_headers`` as before. The body's framing (chunked,
    ``Content-Length``, keep-alive) is decided as ``HTTPResponse.begin`` decides it.
    """

    # ``_read_status``, ``_check_close`` and ``_method`` are ``HTTPResponse``'s own steps of
    # ``begin``; http.client has no public way to them, and a subclass that reads the status
    # line itself would copy them.
    def begin(self):
        if self.headers is not None:  # already begun
            return
        version, status, reason = self._read_status()
        while status == http.client.CONTINUE:  # an interim answer: its headers are skipped
            self._read_header_lines()
            version, status, reason = self._read_status()
        if version in ('HTTP/1.0', 'HTTP/0.9'):
            self.version = 10
        elif version.startswith('HTTP/1.'):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.code = self.status = status
        self.reason = reason.strip()
        self.headers = self.msg = header_message(self._read_header_lines())
        self._frame_body()

    def _read_header_lines(self):
        """The header lines up to the blank line, within http.client's limits."""
        lines = []
        while True:
            line = self.fp.readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise http.client.LineTooLong('header line')
            if line in END_OF_HEADERS:
                return lines
            lines.append(line)
            if len(lines) > MAX_HEADERS:
                raise http.client.HTTPException(f'got more than {MAX_HEADERS} headers')

    def _frame_body(self):
        """Chunked or not, the body's length and whether the connection closes after it, as in ``begin``."""
        transfer_encoding = self.headers.get('transfer-encoding')
        self.chunked = bool(transfer_encoding) and transfer_encoding.lower() == 'chunked'
        if self.chunked:
            self.chunk_left = None
        self.will_close = self._check_close()
        self.length = None
        length = self.headers.get('content-length')
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            if self.length is not None and self.length < 0:
                self.length = None
        if (self.status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED)
                or 100 <= self.status < 200 or self._method == 'HEAD'):
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


def header_message(lines):
    """The ``HTTPMessage`` of a header block (lines of bytes, without the blank line)."""
    message = http.client.HTTPMessage()
    for line in lines:
        header = HEADER_LINE.fullmatch(line.decode('iso-8859-1'))
        if header is None:
            return http.client.parse_headers(io.BytesIO(b''.join(lines) + b'\r\n'))
        message[header[1]] = header[2]
    return message


class LeanHTTPConnection(HTTPConnection):
    response_class = LeanHTTPResponse


class LeanHTTPSConnection(HTTPSConnection):
    response_class = LeanHTTPResponse


class LeanHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = LeanHTTPConnection


class LeanHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = LeanHTTPSConnection


POOL_CLASSES_BY_SCHEME = {'http': LeanHTTPConnectionPool, 'https': LeanHTTPSConnectionPool}
