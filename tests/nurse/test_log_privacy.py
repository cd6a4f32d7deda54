"""No log line on any path, faults included, carries what a caller or a patient typed."""

import http.cookiejar
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event

from checker.database import engine_options
from checker.extensions import db
from tests.checker.samples import CALM_ANSWERS as API_ANSWERS
from tests.checker.samples import CALM_FORM
from tests.nurse.conftest import CALL_PLAN, CALM_ANSWERS, PASSWORD, add_nurse, caller, sign_in
from tests.nurse.test_privacy import DISAGREED, DISTINCTIVE
from tests.serving import serve
from tests.typed import typed_in

# A value in every field a person types, none of which any log line could hold by chance.
CALLER = DISTINCTIVE
ANSWERS = {"temperature_value": "99.7", "temperature_unit": "F"}
ADDENDUM = "Rang back about the Wobbegong"
SEARCH = {"name": "Quixotically", "record": "MRN-XQ-987654"}
INVALID = {"date_of_birth": "Zq-birthday-Fortnum", "callback_number": "Zq-phone-Mason"}
SIGN_IN = {"username": "zq-user-Aldous", "password": "Zq-password-Huxtable"}
PATIENT_FORM = {"temperature": "101.3", "days_since_procedure": "zq-days-Cholmondeley"}
# Every marker and its most telling pieces, so a line with half a value is caught too.
FRAGMENTS = sorted({
    *CALLER.values(), *ANSWERS.values(), *INVALID.values(), *SIGN_IN.values(),
    *PATIENT_FORM.values(), ADDENDUM, *SEARCH.values(), "Zebulon", "Quixotically", "1933",
    "987654", "5309", "Ptolemy", "Okonkwo", "Thistlewaite", "Wobbegong", "Fortnum", "Mason",
    "Aldous", "Huxtable", "Cholmondeley", "99.7", "101.3",
} - {"F"})
# Loggers that keep their own level; everything else follows the root logger.
LOUD = ("sqlalchemy", "werkzeug", "psycopg", "alembic", "flask_limiter", "checker")


class Captured(logging.Handler):
    """Every record, formatted as a log file would hold it, traceback included."""

    def __init__(self) -> None:
        """Start with no lines."""
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the logger's name and the whole formatted text."""
        self.lines.append((record.name, self.format(record)))


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Capture every log record at DEBUG from the root logger down."""
    handler = Captured()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *LOUD)}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Give redirects back as they are, so each status is seen."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        """Follow nothing."""
        return None


class Browser:
    """A client of the real server with its own cookies."""

    def __init__(self, base: str) -> None:
        """A browser with an empty cookie jar."""
        self.base = base
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(jar, NoRedirect)

    def open(self, path: str, data: dict[str, Any] | None = None,
             json: bytes | None = None) -> tuple[int, str, str]:
        """GET, or POST a form or JSON: (status, body, Location)."""
        body, headers = None, {}
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
        if json is not None:
            body, headers = json, {"Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(), error.headers.get("Location", "")

    def new_call(self) -> str:
        """Open a new call and return its token."""
        match = re.search(r'name="call" type="hidden" value="([^"]+)"', self.open("/nurse/call")[1])
        assert match, "the console has no call token"
        return match.group(1)

    def call(self, **fields: str) -> dict[str, str]:
        """A whole call with every marker, on a fresh token."""
        answers = {k: v for k, v in CALM_ANSWERS.items() if k != "temperature_not_measured"}
        return {"call": self.new_call(), "action": "save", **caller(), **answers, **ANSWERS,
                **CALL_PLAN, **DISAGREED, **CALLER, "final_disposition": "self_care", **fields}


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app behind Werkzeug's real server, so its request log is captured too."""
    add_nurse(app, "ada", admin=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the app's own 500 handler
    with serve(app) as url:
        yield url


def _signed_in(base: str) -> Browser:
    """A browser signed in as the administrator."""
    browser = Browser(base)
    assert browser.open("/nurse/login", {"username": "ada", "password": PASSWORD})[0] == 302
    return browser


ErrorMaker = Callable[[Any, Any], BaseException]


def _inserts_fail(app: Flask, make_error: ErrorMaker) -> Callable[[], None]:
    """Make every INSERT fail as the database or a bug would, with its values in the text."""
    with app.app_context():
        engine = db.engine

    def fail(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> Any:
        if statement.lstrip().upper().startswith("INSERT"):
            raise make_error(engine.dialect, parameters)
        return statement, parameters

    event.listen(engine, "before_cursor_execute", fail, retval=True)
    return lambda: event.remove(engine, "before_cursor_execute", fail)


def _server_error(dialect: Any, parameters: Any) -> BaseException:
    """The driver's own error, quoting the failing row as PostgreSQL's DETAIL does."""
    return dialect.loaded_dbapi.OperationalError(f"DETAIL: Failing row contains {parameters!r}")


def _bug(dialect: Any, parameters: Any) -> BaseException:
    """An error no handler expects, its message quoting what was typed."""
    return RuntimeError(f"cannot store {parameters!r}")


def _saved_call(browser: Browser) -> str:
    """Save a whole call with every marker and return its address."""
    status, _, location = browser.open("/nurse/call", browser.call())
    assert status == 302
    return urllib.parse.urlsplit(location).path


def test_no_fault_path_writes_anything_typed_into_any_log(
    app: Flask, server: str, captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    nurse = _signed_in(server)
    patient = Browser(server)
    statuses: dict[str, int] = {}

    # Everything working: a whole call, reading it, an addendum, a search, the patient's side.
    statuses["wrong password"] = Browser(server).open("/nurse/login", SIGN_IN)[0]
    statuses["assess"] = nurse.open("/nurse/call/assess", nurse.call())[0]
    statuses["update"] = nurse.open("/nurse/call", nurse.call(action="update"))[0]
    record = _saved_call(nurse)
    for suffix in ("", "/note.txt", "/print"):
        statuses["read" + suffix] = nurse.open(record + suffix)[0]
    statuses["addendum"] = nurse.open(record + "/addenda", {"text": ADDENDUM})[0]
    statuses["search"] = nurse.open("/nurse/encounters/search", SEARCH)[0]
    statuses["list"] = nurse.open("/nurse/encounters")[0]
    statuses["patient form"] = patient.open("/", {**CALM_FORM, **PATIENT_FORM})[0]
    temperature = {"value": 101.3, "unit": "F"}
    for name, answers in [
        ("api", {"days_since_procedure": PATIENT_FORM["days_since_procedure"]}),
        ("api, valid", {**API_ANSWERS, "temperature": temperature}),
    ]:
        statuses[name] = patient.open("/api/v1/assessments", json=json.dumps(answers).encode())[0]

    # Validation errors and a form token missing.
    statuses["invalid call"] = nurse.open("/nurse/call", nurse.call(**INVALID))[0]
    app.config["WTF_CSRF_ENABLED"] = True
    statuses["no form token"] = nurse.open("/nurse/call", nurse.call())[0]
    statuses["addendum, no form token"] = nurse.open(record + "/addenda", {"text": ADDENDUM})[0]
    app.config["WTF_CSRF_ENABLED"] = False

    # The database fails in the middle of a request, its error quoting the row.
    for name, make_error in [("database error", _server_error), ("bug", _bug)]:
        restore = _inserts_fail(app, make_error)
        statuses[name + ": save"] = nurse.open("/nurse/call", nurse.call())[0]
        statuses[name + ": addendum"] = nurse.open(record + "/addenda", {"text": ADDENDUM})[0]
        statuses[name + ": read"] = nurse.open(record)[0]
        restore()

    # A body over the limit (the test client: the real server may drop such a connection).
    client = app.test_client()
    assert sign_in(client, "ada").status_code == 302
    statuses["too large"] = client.post("/nurse/call", data={
        **nurse.call(), "notes": CALLER["notes"] * 4000}).status_code

    # The database is down.
    broken = create_engine("sqlite:////nonexistent-folder/db.sqlite", **engine_options(None))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            broken = create_engine(db.engine.url.set(host="127.0.0.1", port=1),
                                   **engine_options(None))
        monkeypatch.setitem(db.engines, None, broken)
    statuses["down: save"] = nurse.open("/nurse/call", nurse.call())[0]
    statuses["down: addendum"] = nurse.open(record + "/addenda", {"text": ADDENDUM})[0]
    statuses["down: read"] = nurse.open(record)[0]
    statuses["down: list"] = nurse.open("/nurse/encounters")[0]
    statuses["down: search"] = nurse.open("/nurse/encounters/search", SEARCH)[0]
    statuses["down: sign-in"] = Browser(server).open("/nurse/login", SIGN_IN)[0]
    broken.dispose()

    assert statuses == {
        "wrong password": 401, "assess": 200, "update": 200, "read": 200, "read/note.txt": 200,
        "read/print": 200, "addendum": 302, "search": 200, "list": 200, "patient form": 422,
        "api": 422, "api, valid": 200, "invalid call": 200, "no form token": 400,
        "addendum, no form token": 400,
        "database error: save": 503, "database error: addendum": 503,
        "database error: read": 503, "bug: save": 500, "bug: addendum": 500, "bug: read": 500,
        "too large": 413, "down: save": 503, "down: addendum": 503, "down: read": 503,
        "down: list": 503, "down: search": 503, "down: sign-in": 503,
    }
    loggers = {name.split(".")[0] for name, _ in captured.lines}
    # The capture saw the app, the server's request log and the SQL log, so the check counts.
    assert {"checker", "werkzeug", "sqlalchemy"} <= loggers
    leaks = [(fragment, line) for fragment in FRAGMENTS for _, line in captured.lines
             if typed_in(fragment, line)]
    assert leaks == []
