"""Friendly error pages that always say how to get help, and JSON errors for the API."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

API_PREFIX = "/api/"

# What a patient sees for each error: a title and what to do about it.
PAGES = {
    400: ("We could not read that", "Something in what was sent did not make sense to us."),
    404: ("Page not found", "There is no page at this address."),
    403: ("Not allowed", "Your account cannot open this page."),
    405: ("That did not work", "This page cannot be used that way."),
    413: ("That was too much to send", "What was sent is larger than this service accepts."),
    429: ("Too many tries", "Please wait a minute, then try again."),
    500: ("Sorry, something went wrong", "The service had a problem and could not finish."),
}
CSRF_MESSAGE = (
    "Your answers could not be checked, because the page was open for a long time or your "
    "browser blocks cookies. Open the check again and send your answers once more."
)


def _wants_json() -> bool:
    """Whether the request was for the JSON API."""
    return request.path.startswith(API_PREFIX)


def _render(code: int, message: str = "") -> tuple[Any, int]:
    """The error as JSON for the API, or as a page that says how to get help."""
    title, default = PAGES.get(code, PAGES[400] if code < 500 else PAGES[500])
    if _wants_json():
        return jsonify({"errors": {"request": message or default}}), code
    page = render_template("errors/error.html", code=code, title=title, message=message or default)
    return page, code


def _http_error(error: HTTPException) -> tuple[Any, int]:
    """Any HTTP error with a page of its own."""
    return _render(error.code or 500)


def _csrf_error(error: CSRFError) -> tuple[Any, int]:
    """An expired or missing form token: explain in plain words."""
    return _render(400, CSRF_MESSAGE)


def _server_error(error: InternalServerError) -> tuple[Any, int]:
    """An unexpected failure; the patient must still learn how to get help."""
    return _render(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    # Every other HTTP error (403, 429, ...) gets a page with the emergency line too.
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
