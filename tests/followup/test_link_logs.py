"""No log line of the app or its server holds a patient's code, an old link's token or answers."""

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask, request
from sqlalchemy import create_engine
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from checker.database import engine_options
from checker.extensions import db
from tests.checker.check_pages import Page, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import BIRTH_YEAR, enrol
from tests.followup.test_enrolment import code_on, enrolment_form
from tests.followup.test_old_links import _old_enrolment
from tests.nurse.conftest import add_nurse
from tests.nurse.test_log_privacy import (  # noqa: F401  (fixtures)
    Browser,
    Captured,
    _bug,
    _inserts_fail,
    _server_error,
    _signed_in,
    captured,
    server,
)
from tests.typed import typed_in

# Answers no log line could hold by chance.
TYPED = {"temperature_value": "38.65", "temperature_unit": "C"}
WRONG_YEARS = ("1951", "1952", "1953", "1954", "1955", "1956")


class Answer:
    """A real server's answer, read as the test client's would be."""

    def __init__(self, status: int, body: str) -> None:
        """Keep the status and the body."""
        self.status_code, self.body = status, body

    def get_data(self, as_text: bool = False) -> str:
        """The body."""
        return self.body


class RealClient:
    """A browser of the real server, with the test client's get and post, for walk and press."""

    def __init__(self, browser: Browser) -> None:
        """Wrap a browser with its own cookies."""
        self.browser = browser

    def get(self, path: str) -> Answer:
        """GET a page."""
        return Answer(*self.browser.open(path)[:2])

    def post(self, path: str, data: Any = None) -> Answer:
        """POST a form (a dict or a MultiDict)."""
        fields = MultiDict(data or {})
        pairs = {key: fields.getlist(key) for key in fields}
        return Answer(*self.browser.open(path, pairs)[:2])


def _answers(disposition: str = "call_doctor_today") -> dict[str, str]:
    return {**form_answers(disposition), **TYPED}


def _review(patient: RealClient) -> Page:
    review, _ = walk(patient, _answers(), path="/followup/checkin")  # type: ignore[arg-type]
    assert review.step == "review", review.text[:300]
    return review


def test_no_log_line_on_any_path_holds_a_code_a_link_token_or_what_a_patient_typed(
    app: Flask, server: str, captured: Captured, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    @app.after_request
    def fail_late(response: Response) -> Response:
        """A fault after every handler, which Flask logs as "Exception on <path>"."""
        if request.args.get("fail-late"):
            raise RuntimeError(f"failed late on {request.path}")
        return response

    add_nurse(app)  # ann, who enrolled the patients made directly below
    nurse = _signed_in(server)
    statuses: dict[str, int] = {}
    status, sheet, _ = nurse.open("/nurse/followup/enrol", enrolment_form())
    statuses["enrol"] = status
    code = code_on(sheet)
    _, held_code = enrol(app, procedure_date=date.today() - timedelta(days=2))
    _, token = _old_enrolment(app)
    secrets = [code, code.replace("-", ""), code.replace("-", "").lower(), held_code, token]

    patient = Browser(server)
    statuses["code page"] = patient.open("/followup")[0]
    statuses["bad code"] = patient.open("/followup", {"code": code[:6], "year": "1"})[0]
    statuses["wrong year"] = patient.open("/followup", {"code": code, "year": "1950"})[0]
    statuses["right year"] = patient.open("/followup", {"code": code, "year": BIRTH_YEAR})[0]
    statuses["history"] = patient.open("/followup/history")[0]
    client = RealClient(patient)
    review = _review(client)
    statuses["result"] = press(client, review, action="submit").status  # type: ignore[arg-type]
    statuses["result again"] = press(client, review, action="submit").status  # type: ignore

    # A check-in whose insert fails: the database's error quoting the row, then a bug.
    for name, make_error in (("database error", _server_error), ("bug", _bug)):
        restore = _inserts_fail(app, make_error)
        review = _review(client)
        statuses[name] = press(client, review, action="submit").status  # type: ignore[arg-type]
        restore()

    # An old printed link, its old addresses, and a fault after every handler on it.
    old = Browser(server)
    statuses["old link"] = old.open(f"/followup/{token}")[0]
    statuses["old link, year"] = old.open("/followup", {"link": token, "year": BIRTH_YEAR})[0]
    statuses["old address"] = old.open(f"/followup/{token}/checkin")[0]
    statuses["old link, fault"] = old.open(f"/followup/{token}?fail-late=1")[0]
    statuses["code in the address"] = old.open(f"/followup/{code}")[0]

    # Wrong years until the code is held.
    for year in WRONG_YEARS:
        statuses["held"] = Browser(server).open("/followup", {"code": held_code, "year": year})[0]

    # No form token, and a body over the limit.
    app.config["WTF_CSRF_ENABLED"] = True
    statuses["no form token"] = Browser(server).open(
        "/followup", {"code": code, "year": BIRTH_YEAR})[0]
    app.config["WTF_CSRF_ENABLED"] = False
    statuses["too large"] = app.test_client().post("/followup", data={
        "code": code, "year": BIRTH_YEAR, "padding": "x" * 70_000}).status_code

    # The database is down.
    with app.app_context():
        broken = create_engine("sqlite:////nonexistent-folder/db.sqlite", **engine_options(None))
        if db.engine.dialect.name == "postgresql":
            broken = create_engine(db.engine.url.set(host="127.0.0.1", port=1),
                                   **engine_options(None))
        monkeypatch.setitem(db.engines, None, broken)
    statuses["down: code"] = Browser(server).open("/followup", {"code": code, "year": "1941"})[0]
    statuses["down: check-in"] = patient.open("/followup/checkin")[0]
    statuses["down: old link"] = Browser(server).open(
        "/followup", {"link": token, "year": BIRTH_YEAR})[0]
    broken.dispose()

    assert statuses == {
        "enrol": 200, "code page": 200, "bad code": 400, "wrong year": 403, "right year": 303,
        "history": 200, "result": 200, "result again": 200, "database error": 503, "bug": 500,
        "old link": 200, "old link, year": 303, "old address": 303, "old link, fault": 500,
        "code in the address": 200, "held": 429, "no form token": 400, "too large": 413,
        "down: code": 503, "down: check-in": 503, "down: old link": 503,
    }
    lines = [line for _, line in captured.lines]
    loggers = {name.split(".")[0] for name, _ in captured.lines}
    # The capture saw the app, the server's request log and the SQL log, so the check counts.
    assert {"checker", "werkzeug", "sqlalchemy"} <= loggers
    assert [(s, line) for s in secrets for line in lines if s in line] == []
    # What was hidden was hidden by the logs' own filters.
    assert any(re.search(r"Exception on /followup/\[link\] \[GET\]", line) for line in lines)
    assert any("/followup/[link] HTTP/1.1\" 200" in line for line in lines)
    typed = [TYPED["temperature_value"], code[:6], BIRTH_YEAR, *WRONG_YEARS, "1950"]
    assert [(t, line) for t in typed for line in lines if typed_in(t, line)] == []
