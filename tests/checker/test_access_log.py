"""Logs keep what follows /followup/ out, in gunicorn's two logs and ours; nothing else changes."""

import io
import logging
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from checker.access_log import HIDE_LINKS, AccessLogger, without_links


@pytest.mark.parametrize("line, logged", [
    ("GET /followup/AbC-12_x HTTP/1.1", "GET /followup/[link] HTTP/1.1"),
    ("POST /followup/AbC-12_x/checkin HTTP/1.1", "POST /followup/[link]/checkin HTTP/1.1"),
    ("GET /followup/AbC?lang=es HTTP/1.1", "GET /followup/[link]?lang=es HTTP/1.1"),
    ("/followup/AbC/history", "/followup/[link]/history"),
    ("GET /followup%2FAbC HTTP/1.1", "GET /followup/[link] HTTP/1.1"),
    ("GET //followup/AbC HTTP/1.1", "GET //followup/[link] HTTP/1.1"),
    ("GET /FOLLOWUP/AbC HTTP/1.1", "GET /followup/[link] HTTP/1.1"),
    ("GET /followup/checkinAbC HTTP/1.1", "GET /followup/[link] HTTP/1.1"),
    ("GET /followup?code=K7QM-2XRD-9F HTTP/1.1", "GET /followup?[hidden] HTTP/1.1"),
    ("Exception on /followup/AbC [POST]", "Exception on /followup/[link] [POST]"),
    ('upstream: "http://127.0.0.1:8001/followup/AbC/checkin", host',
     'upstream: "http://127.0.0.1:8001/followup/[link]/checkin", host'),
])
def test_whatever_follows_followup_in_an_address_is_replaced(line: str, logged: str) -> None:
    assert without_links(line) == logged


@pytest.mark.parametrize("line", [
    "GET /nurse/followup/enrol HTTP/1.1",
    "GET /nurse/followup/patients/12 HTTP/1.1",
    "POST /followup HTTP/1.1",
    "POST /followup/checkin?submission=ABgveWZhkP0geH-GRgV3aw HTTP/1.1",
    "GET /followup/history?lang=es HTTP/1.1",
    "GET / HTTP/1.1",
    "GET /static/followup.js HTTP/1.1",
])
def test_every_other_request_line_is_logged_as_it_came(line: str) -> None:
    assert without_links(line) == line


def _record(message: str, *args: object, error: BaseException | None = None) -> str:
    """A record through the filter, formatted as a log file would hold it."""
    record = logging.LogRecord("checker", logging.ERROR, __file__, 1, message, args,
                               (type(error), error, error.__traceback__) if error else None)
    assert HIDE_LINKS.filter(record)
    return logging.Formatter("%(message)s").format(record)


def test_a_log_records_message_and_traceback_lose_the_link_and_keep_the_rest() -> None:
    try:
        raise RuntimeError("failed on /followup/S3cr3tT0ken/checkin")
    except RuntimeError as error:
        text = _record("Exception on %s [%s]", "/followup/S3cr3tT0ken", "POST", error=error)
    assert "S3cr3tT0ken" not in text
    assert "Exception on /followup/[link] [POST]" in text
    assert "RuntimeError: failed on /followup/[link]/checkin" in text


def _gunicorn_logger() -> tuple[AccessLogger, io.StringIO]:
    """gunicorn's logger as the shipped config sets it up, its error log captured."""
    logger = AccessLogger(Config())
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.error_log.addHandler(handler)
    return logger, captured


def test_gunicorns_error_log_names_a_failed_request_without_its_link() -> None:
    logger, captured = _gunicorn_logger()
    try:
        sys.exit(1)  # how a worker timeout ends the request it was serving
    except SystemExit:
        logger.exception("Error handling request %s %s", "POST", "/followup/S3cr3tT0ken/checkin")
    logger.warning("Invalid request from ip=127.0.0.1: Invalid HTTP request line: "
                   "'GET /followup/S3cr3tT0ken HTTP/1.1 x'")
    text = captured.getvalue()
    assert "S3cr3tT0ken" not in text
    assert "Error handling request POST /followup/[link]/checkin" in text
    assert "'GET /followup/[link] HTTP/1.1 x'" in text and "SystemExit" in text


def test_gunicorns_access_log_atoms_lose_the_link_in_every_value() -> None:
    logger, _ = _gunicorn_logger()
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/followup/S3cr3tT0ken?lang=es",
               "SERVER_PROTOCOL": "HTTP/1.1", "PATH_INFO": "/followup/S3cr3tT0ken",
               "QUERY_STRING": "lang=es", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": "https://clinic.example.org/followup/S3cr3tT0ken"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=5))
    assert atoms["r"] == "GET /followup/[link]?lang=es HTTP/1.1"
    assert atoms["U"] == "/followup/[link]"
    assert not [value for value in atoms.values() if "S3cr3tT0ken" in str(value)]
