"""Security headers on every response, HSTS over HTTPS and no caching of anything private."""

from __future__ import annotations

from flask import Flask, Response, request

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


def _is_cacheable(response: Response) -> bool:
    """Only static files served as such may be cached; they carry no patient data."""
    return request.endpoint == "static" and response.status_code in (200, 206, 304)


def _add_headers(response: Response) -> Response:
    """Set the security headers, keeping any a view chose itself, and the caching rules."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        # Sent over HTTPS only: browsers ignore it on plain HTTP, and a plain-HTTP developer
        # server must not pin the host to HTTPS.
        response.headers["Strict-Transport-Security"] = HSTS
    if not _is_cacheable(response):
        # Nurse pages, API answers, results and error pages may show what someone typed;
        # no browser or proxy cache may keep them on a shared or borrowed device.
        response.headers["Cache-Control"] = NO_STORE
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response of the app."""
    app.after_request(_add_headers)
