"""The body size limit for bodies sent without a Content-Length (chunked), as for those with one."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from flask import Flask, request
from werkzeug.exceptions import LengthRequired
from werkzeug.wsgi import get_content_length

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Set on a request whose body the server passed on without ending it: it cannot be read safely.
UNREADABLE_BODY = "recovery_check.unreadable_body"
_CHUNK = 16 * 1024


def _is_chunked(environ: dict[str, Any]) -> bool:
    """Whether the client said its body comes in chunks."""
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()


def _read_at_most(stream: IO[bytes], size: int) -> bytes:
    """Up to size bytes of the stream, reading no further."""
    parts: list[bytes] = []
    remaining = size
    while remaining > 0:
        part = stream.read(min(_CHUNK, remaining))
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


class BoundedBody:
    """WSGI middleware: read a body without a Content-Length up to one byte past the limit.

    Werkzeug 3 checks MAX_CONTENT_LENGTH against the Content-Length header only. A chunked body
    has none: when the server ends the stream (``wsgi.input_terminated``: gunicorn, Werkzeug's
    server) the app read it cut at the limit and went on; otherwise it saw an empty body. Here
    such a body is read into memory, at most limit + 1 bytes, and given the Content-Length it
    has, so Werkzeug answers 413 for it exactly as for a declared one.
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        """Wrap the app's WSGI callable; the limit is read from its config on each request."""
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Give the body a length before the app sees it, or mark it unreadable."""
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        # No length as Werkzeug reads it: none sent, or one overridden by chunked encoding.
        if limit is not None and get_content_length(environ) is None:
            if environ.get("wsgi.input_terminated"):
                body = _read_at_most(environ["wsgi.input"], limit + 1)
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))  # over the limit if it was
                environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is no longer chunked
                environ.pop("wsgi.input_terminated")
            elif _is_chunked(environ):
                environ[UNREADABLE_BODY] = True
        return self.wsgi_app(environ, start_response)


def _refuse_unreadable_body() -> None:
    """Answer 411 rather than act on a chunked body the server did not end (it would be lost)."""
    if request.environ.get(UNREADABLE_BODY):
        raise LengthRequired()


def init_app(app: Flask) -> None:
    """Apply the body limit to chunked bodies too."""
    app.wsgi_app = BoundedBody(app, app.wsgi_app)  # type: ignore[method-assign]
    app.before_request(_refuse_unreadable_body)
