"""
The stand-in over real HTTP: one threaded server on 127.0.0.1 (a free port by default).

Parties live under path prefixes: ``/lms`` (LMS root: ``/lms/oauth2``, ``/lms/api/...``),
``/sap``, ``/degreed``, ``/degreed2``, ``/csod/{subdomain}``, ``/xapi`` (an LRS: ``/xapi/statements``),
``/webhook``. ``/_control`` resets it, sets faults and
latency, and reports what the channels received::

    POST /_control/reset
    POST /_control/faults     {"latency_ms": {"lms": 5}, "faults": [{"target": "lms", "kind": "500"}]}
    GET  /_control/received   {"SAP": [...], "DEGREED": [...], "DEGREED2": [...], "CSOD": [...], "XAPI": [...],
                               "WEBHOOK": [...]}
    GET  /_control/calls      LMS calls per endpoint
    GET  /_control/channels   requests per party (and 429s), tokens issued and completions received
                              per channel
    GET  /_control/arrivals?target=degreed2   moments (seconds) of the requests a channel accepted

``POST /_control/faults`` also takes ``"rate_limits"`` (see ``faults``).
"""

import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from demo.standin.channels import ChannelsStandIn
from demo.standin.faults import Faults
from demo.standin.http import Answer, Failure, Request, not_found
from demo.standin.lms import LmsStandIn

CHANNEL_PREFIXES = {'sap': 'SAP', 'degreed': 'DEGREED', 'degreed2': 'DEGREED2', 'xapi': 'XAPI', 'webhook': 'WEBHOOK'}


class StandInServer:
    """The LMS and channel stand-in; use as a context manager, or ``start()`` and ``stop()``."""

    def __init__(self, lms_client_id, lms_client_secret, host='127.0.0.1', port=0):
        self.lms = LmsStandIn(lms_client_id, lms_client_secret)
        self.channels = ChannelsStandIn()
        self.faults = Faults()
        self.stopping = threading.Event()
        self.httpd = QuietHTTPServer((host, port), StandInHandler)
        self.httpd.daemon_threads = True
        self.httpd.standin = self
        self._thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f'http://{host}:{port}'

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='standin', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        """Forget data, faults, latency and what was received (tokens already issued stay valid)."""
        self.lms.reset()
        self.channels.reset()
        self.faults.reset()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def route(self, method, raw_path, headers, body):
        """``(target, party handler, Request)`` for a request, or None for an unknown path."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        segments = path.split('/')
        prefix = segments[1] if len(segments) > 1 else ''
        if prefix == 'lms':
            root, target, handle = '/lms', 'lms', self.lms.handle
        elif prefix in CHANNEL_PREFIXES:
            channel = CHANNEL_PREFIXES[prefix]
            root, target = f'/{prefix}', prefix
            handle = lambda request: self.channels.handle(channel, request)  # noqa: E731
        elif prefix == 'csod' and len(segments) > 2:
            root, target = f'/csod/{segments[2]}', 'csod'
            handle = lambda request: self.channels.handle('CSOD', request)  # noqa: E731
        else:
            return None
        request = Request(method, path[len(root):] or '/', query, headers, body, f'{self.url}{root}')
        return target, handle, request

    def control(self, method, path, body, query=None):
        query = query or {}
        if method == 'POST' and path == '/_control/reset':
            self.reset()
            return Answer(200, {'reset': True})
        if method == 'POST' and path == '/_control/faults':
            try:
                self.faults.configure(json.loads(body or b'{}'))
            except (ValueError, TypeError) as error:
                return Answer(400, {'error': str(error)})
            return Answer(200, self.faults.describe())
        if method == 'GET' and path == '/_control/received':
            return Answer(200, dict(self.channels.received))
        if method == 'GET' and path == '/_control/calls':
            return Answer(200, dict(self.lms.calls))
        if method == 'GET' and path == '/_control/arrivals':
            return Answer(200, list(self.faults.arrivals.get(query.get('target', ''), [])))
        if method == 'GET' and path == '/_control/channels':
            return Answer(200, {'requests': dict(self.faults.counts), 'tokens': dict(self.channels.tokens),
                                'received': {channel: len(items) for channel, items in self.channels.received.items()}})
        return not_found()


class QuietHTTPServer(ThreadingHTTPServer):
    """Clients that go away (a killed run, a reset on purpose) are not errors of the stand-in."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class StandInHandler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as the real services
    server_version = 'enterprise-export-standin'
    disable_nagle_algorithm = True  # an answer is sent as soon as it is written: no wait for delayed ACKs
    wbufsize = -1  # buffered: status line, headers and body leave in one write (http.server flushes each answer)

    def do_GET(self):  # noqa: N802
        self._serve('GET')

    def do_POST(self):  # noqa: N802
        self._serve('POST')

    def log_message(self, format, *args):  # noqa: A002 - quiet: the demo prints its own summary
        pass

    def parse_request(self):
        self.arrived = time.monotonic()  # the request line is in: a latency counts from here
        return super().parse_request()

    def _serve(self, method):
        standin = self.server.standin
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        if len(body) < length:
            self.close_connection = True  # the client went away mid-request (a killed run): nothing was sent
            return None
        if self.path.startswith('/_control/'):
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            return self._send(standin.control(method, parts.path, body, query))
        routed = standin.route(method, self.path, dict(self.headers.items()), body)
        if routed is None:
            return self._send(not_found())
        target, handle, request = routed
        retry_after = standin.faults.rate_limited(target, self.arrived)  # counted as it arrives
        delay = standin.faults.delay_seconds(target) - (time.monotonic() - self.arrived)
        if delay > 0:
            time.sleep(delay)
        if retry_after is not None:
            return self._send(Answer(429, 'rate limit exceeded', {'Retry-After': str(retry_after)}))
        fault = standin.faults.take(target, request.path)
        if fault is not None and not (fault.kind == 'malformed' and target != 'lms'):
            return self._inject(fault)
        answer = handle(request)
        if fault is not None:  # a channel that did the work but answered a broken body
            return self._send(Answer(answer.status, b'{"status": ', {'Content-Type': 'application/json'})
                              if isinstance(answer, Answer) and 200 <= answer.status < 300 else answer)
        if isinstance(answer, Failure):
            if answer.exception is not None:
                return self._reset_connection()
            answer = answer.answer()
        return self._send(answer)

    def _inject(self, fault):
        if fault.kind == '429':
            return self._send(Answer(429, 'slow down', {'Retry-After': str(fault.retry_after)}))
        if fault.kind == '500':
            return self._send(Answer(500, 'stand-in fault'))
        if fault.kind == 'malformed':
            return self._send(Answer(200, b'{"results": [{"username": ', {'Content-Type': 'application/json'}))
        if fault.kind == 'timeout':
            self.server.standin.stopping.wait(fault.seconds)
        return self._reset_connection()

    def _send(self, answer):
        content = answer.content()
        self.send_response(answer.status)
        headers = {'Content-Type': answer.content_type(), **answer.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(content)))
        try:
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a killed run): nothing to answer

    def _reset_connection(self):
        """Drop the connection with a TCP reset: the client sees 'connection reset by peer'."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.connection.close()
        except OSError:
            pass

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass  # the connection was reset on purpose
