"""The plain-data request and answer the stand-in's parties speak."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str  # relative to the party's root, starting with '/', unquoted
    query: dict  # first value of each parameter
    headers: dict
    body: bytes = b''
    base_url: str = ''  # the party's root URL, for absolute 'next' links

    def header(self, name):
        lowered = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == lowered), None)

    def json(self):
        return json.loads(self.body or b'null')

    def form(self):
        body = self.body.decode() if isinstance(self.body, bytes) else (self.body or '')
        return {key: values[0] for key, values in parse_qs(body).items()}


@dataclass
class Answer:
    status: int = 200
    body: object = None  # dict or list: sent as JSON; str or bytes: sent as is
    headers: dict = field(default_factory=dict)

    def content(self):
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        if self.body is None:
            return b''
        return json.dumps(self.body).encode()

    def content_type(self):
        return 'application/json' if isinstance(self.body, dict | list) else 'text/plain'


class Failure:
    """
    Stored in place of data: answer ``status`` with ``body``, or fail with ``exception``.

    Over HTTP an exception becomes a fault: a ``requests.Timeout`` a stall, anything else a
    reset connection. Through ``responses`` the exception is raised to the client as is.
    """

    def __init__(self, status=500, body='', exception=None):
        self.status = status
        self.body = body
        self.exception = exception

    def answer(self):
        return Answer(self.status, self.body)


def not_found():
    return Answer(404, {'detail': 'Not found.'})
