"""Friendly error pages that always say how to get help, and JSON errors for the API."""

from __future__ import annotations

import logging
import math
import time
import traceback
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, DBAPIError, PendingRollbackError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError

from checker.extensions import db, limiter

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
NURSE_PREFIX = "/nurse/"  # errors there are shown inside the console's own layout

# What a patient sees for each error: a title and what to do about it.
PAGES = {
    400: (_l("We could not read that"), _l("Something in what was sent did not make sense to us.")),
    404: (_l("Page not found"), _l("There is no page at this address.")),
    403: (_l("Not allowed"), _l("Your account cannot open this page.")),
    405: (_l("That did not work"), _l("This page cannot be used that way.")),
    413: (
        _l("That was too much to send"),
        _l("What was sent is larger than this service accepts."),
    ),
    429: (_l("Too many tries"), _l("Please wait a minute, then try again.")),
    500: (
        _l("Sorry, something went wrong"),
        _l("The service had a problem and could not finish."),
    ),
    503: (
        _l("The record system is unavailable"),
        _l(
            "The record system cannot be reached right now, so this could not be finished. "
            "If you typed something, go back to keep it on the screen and copy it somewhere "
            "safe, then try again in a minute."
        ),
    ),
}
CSRF_MESSAGE = _l(
    "Your answers could not be checked, because the page was open for a long time or your "
    "browser blocks cookies. Open the check again and send your answers once more."
)
# Seconds a client is asked to wait: a database restart takes seconds; a login limit is per
# minute (the limiter's own reset time is used when it knows it).
RETRY_AFTER = {503: 30, 429: 60}
# Faults that mean "the record system cannot answer now", never a bug in the request: the
# database, and the shared store of sessions and sign-in counts when several instances run.
UNAVAILABLE = (
    DBAPIError, PoolTimeoutError, PendingRollbackError,
    RedisConnectionError, RedisTimeoutError, StorageError,
)


def _wants_json() -> bool:
    """Whether the request was for the JSON API."""
    return request.path.startswith(API_PREFIX)


def _render(code: int, message: str = "") -> tuple[Any, int]:
    """The error as JSON for the API, or as a page that says how to get help."""
    lazy_title, lazy_default = PAGES.get(code, PAGES[400] if code < 500 else PAGES[500])
    title, default = str(lazy_title), str(lazy_default)
    if _wants_json():
        return jsonify({"errors": {"request": str(message) or default}}), code
    context = {"code": code, "title": title, "message": str(message) or default}
    if request.path.startswith(NURSE_PREFIX):
        try:
            return render_template("nurse/error.html", **context), code
        except Exception as error:  # the console's menu failed too: the plain page still helps
            log.warning("the console's error page failed: %s", type(error).__name__)
    return render_template("errors/error.html", **context), code


def _http_error(error: HTTPException) -> tuple[Any, int, list[tuple[str, str]]]:
    """Any HTTP error with a page of its own, keeping headers such as Allow on a 405."""
    body, code = _render(error.code or 500)
    headers = [(name, value) for name, value in error.get_headers()
               if name.lower() != "content-type"]
    return body, code, headers


def _csrf_error(error: CSRFError) -> tuple[Any, int]:
    """An expired or missing form token: explain in plain words."""
    return _render(400, str(CSRF_MESSAGE))  # in the language of the request it answers


def _server_error(error: InternalServerError) -> tuple[Any, int]:
    """An unexpected failure; the patient must still learn how to get help."""
    return _render(500)


def _rollback() -> None:
    """Roll the session back so the next request starts clean; a dead connection is fine."""
    try:
        db.session.rollback()
    except SQLAlchemyError as error:
        log.warning("rolling back after a fault failed too: %s", type(error).__name__)


def _error_class(error: BaseException) -> str:
    """The class of a database error and of the driver's error under it: never their text."""
    orig = getattr(error, "orig", None)
    if orig is None:
        return type(error).__name__
    return f"{type(error).__name__} ({type(orig).__module__}.{type(orig).__name__})"


def _unavailable(error: Exception) -> tuple[Any, int]:
    """The database or the shared store failed: say the record system is unavailable, not 500."""
    _rollback()
    # The class only: the error's text can hold SQL and, from the server, a failing row.
    log.error("the record system is unavailable in %s: %s", request.endpoint, _error_class(error))
    return _render(503)


def _bad_value(error: DataError) -> tuple[Any, int]:
    """A value the database cannot hold (a number out of range): the request's fault, no outage."""
    _rollback()
    log.warning("a value the database cannot hold in %s: %s", request.endpoint,
                _error_class(error))
    return _render(400)


def _propagates(app: Flask) -> bool:
    """Whether unhandled errors go up to the caller, as Flask does in tests and debugging."""
    configured = app.config.get("PROPAGATE_EXCEPTIONS")
    return bool(app.testing or app.debug) if configured is None else bool(configured)


def _frames(error: BaseException) -> str:
    """Where an exception was raised, frame by frame, without its message or local values."""
    chain: list[str] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(type(current).__name__)
        current = current.__cause__ or current.__context__
    # extract_tb keeps file, line, function and source line; it captures no locals by default.
    frames = "".join(traceback.extract_tb(error.__traceback__).format())
    return f"{' <- '.join(chain)}\n{frames}"


class HideExceptionText(logging.Filter):
    """Log an exception's class and frames in place of its text, which can quote user input."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, with its traceback reduced to where it happened."""
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}: {_frames(record.exc_info[1])}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


_HIDE_EXCEPTION_TEXT = HideExceptionText()


def _unexpected_error(error: Exception) -> tuple[Any, int]:
    """An exception no other handler knows: log where it happened, not what it said."""
    if _propagates(current_app):
        raise error
    _rollback()
    # Flask's own log would print the exception's text, which can quote what was typed.
    log.error("unexpected error in %s: %s", request.endpoint, _frames(error))
    return _render(500)


def _seconds_to_wait(status: int) -> int:
    """How long a client should wait before trying again after a 429 or 503."""
    if status == 429:
        try:
            limit = limiter.current_limit
            if limit is not None:
                return max(1, math.ceil(limit.reset_at - time.time()))
        except Exception as error:  # an unreachable limiter store: the default wait is right
            log.warning("the rate limit's reset time is unknown: %s", type(error).__name__)
    return RETRY_AFTER[status]


def _add_retry_after(response: Response) -> Response:
    """Tell every 429 and 503 when to try again, whichever code answered it."""
    if response.status_code in RETRY_AFTER and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(_seconds_to_wait(response.status_code))
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(CSRFError, _csrf_error)
    # Every other HTTP error (403, 429, ...) gets a page with the emergency line too.
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
    for fault in UNAVAILABLE:
        app.register_error_handler(fault, _unavailable)
    # A DBAPIError too, but the request's fault: Flask picks the most specific handler.
    app.register_error_handler(DataError, _bad_value)
    app.register_error_handler(Exception, _unexpected_error)
    app.after_request(_add_retry_after)
    # Flask logs what escapes every handler (an after_request that fails) with its traceback.
    app.logger.addFilter(_HIDE_EXCEPTION_TEXT)
