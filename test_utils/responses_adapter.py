"""Serve a stand-in party (``handle(Request) -> Answer``) through ``responses`` callbacks."""

from urllib.parse import parse_qs, unquote, urlsplit

from demo.standin.http import Failure, Request


def to_request(prepared, root):
    """The stand-in ``Request`` of a requests ``PreparedRequest`` under ``root`` (a URL)."""
    parts = urlsplit(prepared.url)
    root_path = urlsplit(root).path.rstrip('/')
    body = prepared.body or b''
    return Request(
        method=prepared.method,
        path=unquote(parts.path)[len(root_path):] or '/',
        query={key: values[0] for key, values in parse_qs(parts.query).items()},
        headers=dict(prepared.headers),
        body=body.encode() if isinstance(body, str) else body,
        base_url=f'{parts.scheme}://{parts.netloc}{root_path}',
    )


def callback_for(handle, root):
    """A ``responses`` callback answering with ``handle``; a ``Failure``'s exception is raised."""
    def callback(prepared):
        answer = handle(to_request(prepared, root))
        if isinstance(answer, Failure):
            if answer.exception is not None:
                raise answer.exception
            answer = answer.answer()
        return answer.status, {'Content-Type': answer.content_type(), **answer.headers}, answer.content()
    return callback
