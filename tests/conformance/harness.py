"""One app, one SQLite database and every surface a set of answers can be sent through.

The stateless surfaces (the patient's steps, the JSON API, FHIR) are called as WSGI directly,
without a test client's cookie jar; the nurse and a follow-up patient use Flask's test client,
which keeps their sessions. Every request goes through the whole app: its middleware, hooks,
views and templates.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urlencode

import flask_migrate
from flask import Flask
from sqlalchemy import event, func, insert, select

from checker import create_app
from checker.extensions import db
from checker.followup.forms import MAX_FOLLOW_DAYS
from checker.followup.models import (
    CallLink,
    CheckIn,
    Enrolment,
    EnrolmentEnd,
    new_code,
    token_hash,
)
from checker.followup.patient import OPENED
from checker.nurse.models import Encounter, Nurse
from tests.conformance.pages import (
    Headlines,
    Shown,
    console_page,
    handout_page,
    live_update,
    result_page,
    worklist_rows,
)
from tests.conformance.space import PROTOCOL

PASSWORD = "a long and secret passphrase for the harness"
NURSE = "conformance"
BIRTH = date(1941, 5, 11)
FORM = "application/x-www-form-urlencoded"
# The day count comes from the procedure date; the clinic's day is the UTC day here.
ZONE = "UTC"
SAVE, UPDATE = "save", "update"


def today() -> date:
    """The clinic's date now."""
    return datetime.now(UTC).date()


def make_app(url: str) -> Flask:
    """The app as a clinic runs it, on this database, without CSRF tokens or sign-in limits."""
    return create_app({
        "TESTING": True, "SECRET_KEY": "conformance", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "CLINIC_TIMEZONE": ZONE,
    })


@dataclass(frozen=True)
class Patient:
    """An enrolled follow-up patient, with the code only their sheet shows."""

    enrolment_id: int
    code: str
    procedure_date: date


class Harness:
    """The app's surfaces, called as a patient, another system and a nurse would."""

    def __init__(self, app: Flask) -> None:
        """Build the schema, add a nurse and sign her in."""
        self.app = app
        with app.app_context():
            # Each commit waits for no disk: the harness checks what is stored, not that it
            # survives a power cut (tests/faults does that).
            event.listen(db.engine, "connect", _unsynchronised)
            db.engine.dispose()
            flask_migrate.upgrade()
            nurse = Nurse(username=NURSE, is_admin=False, active=True)
            nurse.set_password(PASSWORD)
            db.session.add(nurse)
            db.session.commit()
            self.nurse_id = nurse.id
        self.number: str = app.config["EMERGENCY_NUMBER"]
        self.headlines = Headlines(PROTOCOL, self.number)
        self.nurse = app.test_client()
        signed_in = self.nurse.post("/nurse/login", data={"username": NURSE,
                                                          "password": PASSWORD})
        if signed_in.status_code != 302:
            raise RuntimeError("the harness nurse could not sign in")
        self.patient = app.test_client()
        self.serial = 0

    # Stateless surfaces -----------------------------------------------------------------

    def call(self, path: str, body: bytes, content_type: str,
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        """POST a body straight to the WSGI app; the status and the text of the answer."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "wsgi.errors": io.StringIO(), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False,
            "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in (headers or {}).items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc: Any = None) -> None:
            status.append(line)

        chunks = self.app(environ, start_response)
        try:
            text = b"".join(chunks).decode("utf-8")
        finally:
            getattr(chunks, "close", lambda: None)()
        return int(status[0].split()[0]), text

    def api(self, body: bytes, content_type: str = "application/json") -> tuple[int, Any]:
        """The JSON API's answer to one body."""
        status, text = self.call("/api/v1/assessments", body, content_type)
        return status, json.loads(text)

    def patient_result(self, fields: Iterable[tuple[str, str]], language: str = "en") -> Shown:
        """What the anonymous check shows when "Get my result" posts these fields."""
        posted = [*fields, ("step", "review"), ("action", "submit"), ("lang", language)]
        status, html = self.call("/", urlencode(posted).encode(), FORM)
        return result_page(status, html, self.headlines, "patient page")

    def post_check(self, pairs: Iterable[tuple[str, str]]) -> Shown:
        """What the anonymous check shows for exactly these posted fields."""
        status, html = self.call("/", urlencode(list(pairs)).encode(), FORM)
        return result_page(status, html, self.headlines, "patient page")

    # Follow-up: enrolment, check-in and worklist ------------------------------------------

    def enrol(self, day_counts: list[int], *, old_links: bool = False) -> list[Patient]:
        """One enrolled patient per day count, whose procedure was that many days ago.

        Each has a code, as sheets print now, or with old_links a link token as sheets printed
        before codes.
        """
        day = today()
        patients = []
        rows = []
        for days in day_counts:
            self.serial += 1
            code = secrets.token_urlsafe(18) if old_links else new_code()
            procedure = day - timedelta(days=days)
            rows.append({
                "token_hash": token_hash(code), "nurse_id": self.nurse_id, "nurse_name": NURSE,
                "patient_name": f"Patient {self.serial}", "date_of_birth": BIRTH,
                "record_number": f"MRN-{self.serial}", "procedure_type": "kyphoplasty",
                "procedure_date": procedure, "phone": "555 0100", "email": "",
                "language": "en", "follow_days": MAX_FOLLOW_DAYS, "consent_note": "Agreed.",
            })
            patients.append((code, procedure))
        with self.app.app_context():
            db.session.execute(insert(Enrolment), rows)
            db.session.commit()
            ids = dict(db.session.execute(select(Enrolment.token_hash, Enrolment.id).where(
                Enrolment.token_hash.in_([r["token_hash"] for r in rows]))).all())
        return [Patient(ids[token_hash(code)], code, procedure) for code, procedure in patients]

    def end(self, patients: list[Patient]) -> None:
        """End these follow-ups, so the worklist holds only the next batch's patients."""
        with self.app.app_context():
            db.session.execute(insert(EnrolmentEnd), [
                {"enrolment_id": p.enrolment_id, "nurse_id": self.nurse_id, "nurse_name": NURSE,
                 "reason": "Checked."} for p in patients])
            db.session.commit()

    def checkin(self, patient: Patient, fields: Iterable[tuple[str, str]]) -> Shown:
        """The patient's check-in, opened with their code, "Get my result" pressed.

        The first step gives the address every later step posts to (it names the check-in's
        submission); the answers are posted there from "Check your answers".
        """
        with self.patient.session_transaction() as session:
            session[OPENED] = token_hash(patient.code)
        first = self.patient.get("/followup/checkin").get_data(as_text=True)
        action = re.search(r'<form method="post" action="([^"]+)"[^>]*id="check"', first)
        if action is None:
            raise RuntimeError("the check-in's first step has no form")
        posted = [*fields, ("step", "review"), ("action", "submit")]
        response = self.patient.post(unescape(action.group(1)), data=urlencode(posted),
                                     content_type=FORM)
        return result_page(response.status_code, response.get_data(as_text=True),
                           self.headlines, "check-in page")

    def checkins(self, patients: list[Patient]) -> dict[int, list[CheckIn]]:
        """Every stored check-in of these patients, oldest first, by enrolment."""
        found: dict[int, list[CheckIn]] = {p.enrolment_id: [] for p in patients}
        with self.app.app_context():
            for row in db.session.scalars(select(CheckIn).where(
                    CheckIn.enrolment_id.in_(list(found))).order_by(CheckIn.id)):
                found[row.enrolment_id].append(row)
            db.session.expunge_all()
        return found

    def worklist(self) -> dict[int, tuple[bool, str]]:
        """The worklist's rows as the nurse's page refreshes them."""
        response = self.nurse.get("/nurse/followup?part=rows")
        return worklist_rows(response.get_data(as_text=True))

    # The nurse console ----------------------------------------------------------------------

    def console_from_checkin(self, checkin_id: int) -> Shown:
        """A new call opened from a check-in on the worklist."""
        response = self.nurse.get(f"/nurse/call?checkin={checkin_id}")
        return console_page(response.status_code, response.get_data(as_text=True),
                            self.headlines, "console from the check-in")

    def console_from_code(self, code: str) -> Shown:
        """A new call filled in from the short code the patient reads out."""
        response = self.nurse.post("/nurse/call/code", data={"code": code})
        return console_page(response.status_code, response.get_data(as_text=True),
                            self.headlines, "console from the short code")

    def console_post(self, pairs: Iterable[tuple[str, str]],
                     surface: str = "console") -> tuple[Shown, int | None]:
        """Post the console form; the page shown, or the saved call's id after a redirect."""
        response = self.nurse.post("/nurse/call", data=urlencode(list(pairs)),
                                   content_type=FORM)
        if response.status_code == 302:
            location = response.headers["Location"]
            return Shown(surface, 302, None), int(location.rstrip("/").rsplit("/", 1)[1])
        return console_page(response.status_code, response.get_data(as_text=True),
                            self.headlines, surface), None

    def live(self, pairs: Iterable[tuple[str, str]]) -> Shown:
        """The console's live update (what its script asks as the nurse types)."""
        response = self.nurse.post("/nurse/call/assess", data=urlencode(list(pairs)),
                                   content_type=FORM)
        return live_update(response.status_code, response.get_json(), self.headlines)

    def encounters(self, ids: list[int]) -> dict[int, tuple[Encounter, int | None]]:
        """Saved calls by id, each with the check-in it is linked to (if any)."""
        with self.app.app_context():
            rows = {e.id: e for e in db.session.scalars(
                select(Encounter).where(Encounter.id.in_(ids)))}
            links = dict(db.session.execute(select(CallLink.encounter_id, CallLink.checkin_id)
                                            .where(CallLink.encounter_id.in_(ids))).all())
            db.session.expunge_all()
        return {i: (rows[i], links.get(i)) for i in ids if i in rows}

    def handout(self, encounter_id: int) -> Shown:
        """The handout the nurse prints for the patient."""
        response = self.nurse.get(f"/nurse/encounters/{encounter_id}/handout?lang=en")
        return handout_page(response.status_code, response.get_data(as_text=True),
                            self.headlines)

    def count(self, model: type[Any]) -> int:
        """How many rows a table holds."""
        with self.app.app_context():
            return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# The call's plan a nurse gives on closing a call: the final disposition told (the console's
# first choice), the caller agreed, and told when to call back.
PLAN = {"action_taken": "told", "agreement": "agreed", "call_back_signs": "yes"}


def caller_fields(procedure: date) -> dict[str, str]:
    """The caller's details a nurse types in when the call began from a short code."""
    return {"patient_name": "Ada Byron", "date_of_birth": BIRTH.isoformat(),
            "record_number": "MRN-1", "callback_number": "555 0100", "caller": "patient",
            "procedure_type": "vertebroplasty", "procedure_date": procedure.isoformat()}


def _unsynchronised(connection: Any, _record: Any) -> None:
    """SQLite without waiting for the disk on each commit."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()
