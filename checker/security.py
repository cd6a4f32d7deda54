"""Security headers on every response, HSTS over HTTPS and no caching of anything private."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: the browser must send a Referer to this site, because
    # Flask-WTF refuses every HTTPS form post without one; other sites still get none.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# A year, subdomains too: once a browser has seen HTTPS here it never falls back to plain HTTP.
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"
# The one weaker policy a view may choose: this browser may keep the page for Back, checking
# with the server before any fresh visit (the patient's check, so Back never loses an answer).
HISTORY_ONLY = "private, no-cache"


CACHE_CONTROL = "Cache-Control"
# The headers with their names in lower case, lowered once rather than on every response.
_LOWERED = tuple((name.lower(), name, value) for name, value in HEADERS.items())
CACHEABLE = (200, 206, 304)


class SecurityHeaders:
    """WSGI middleware adding the headers on the way out, as plain tuples.

    It sits inside ProxyFix, so the scheme it sees is the client's. A header a view set itself
    is kept; HSTS (over HTTPS) and no-store (on all but static files) always apply.
    """

    def __init__(self, app: WSGIApplication, static_prefix: str) -> None:
        self.app = app
        self.static_prefix = static_prefix

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Serve the request, adding the headers when the response starts."""
        secure = environ.get("wsgi.url_scheme") == "https"
        static = environ.get("PATH_INFO", "").startswith(self.static_prefix)

        def start(status: str, headers: list[tuple[str, str]],
                  exc_info: OptExcInfo | None = None) -> Callable[[bytes], object]:
            present = {name.lower() for name, _ in headers}
            headers.extend((n, v) for lower, n, v in _LOWERED if lower not in present)
            if secure:
                # Sent over HTTPS only: browsers ignore it on plain HTTP, and a plain-HTTP
                # developer server must not pin the host to HTTPS.
                _put(headers, present, "Strict-Transport-Security", HSTS)
            if not (static and int(status[:3]) in CACHEABLE) and (
                    (CACHE_CONTROL, HISTORY_ONLY) not in headers):
                # Nurse pages, API answers and error pages may show what someone typed; no
                # browser or proxy cache may keep them on a shared device.
                _put(headers, present, CACHE_CONTROL, NO_STORE)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def _put(headers: list[tuple[str, str]], present: set[str], name: str, value: str) -> None:
    """Set one header: appended when the view sent none, else replacing the view's value."""
    if name.lower() in present:
        _replace(headers, name, value)
    else:
        headers.append((name, value))  # the common case, without rebuilding the list


def _replace(headers: list[tuple[str, str]], name: str, value: str) -> None:
    """Set one header, dropping any earlier value of it."""
    lower = name.lower()
    headers[:] = [(n, v) for n, v in headers if n.lower() != lower]
    headers.append((name, value))


def init_app(app: Flask) -> None:
    """Add the security headers to every response of the app."""
    static = (app.static_url_path or "/static").rstrip("/") + "/"
    app.wsgi_app = SecurityHeaders(app.wsgi_app, static)  # type: ignore[method-assign]
