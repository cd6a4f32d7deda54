"""Hand-off: a check-in or a patient's short code opens the call console already filled in."""

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup.models import CallLink
from checker.nurse.models import Encounter
from tests.checker.check_pages import Page, page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol
from tests.followup.test_handoff_reference import opened_from
from tests.followup.test_worklist import FEVER, SERVED, add_checkin
from tests.nurse.conftest import CALL_PLAN, CALM_ANSWERS, caller
from tests.nurse.test_outage import cut_off


def _fever_checkin(app: Flask) -> tuple[int, int]:
    """A patient three days after the procedure whose check-in has a fever."""
    enrolment_id, _ = enrol(app, patient_name="Hattie Handoff",
                            procedure_date=date.today() - timedelta(days=3))
    answers = {**{k: v for k, v in CALM_ANSWERS.items() if "temperature" not in k}, **FEVER}
    answers = {k: (v == "yes" if v in ("yes", "no") else v) for k, v in answers.items()}
    answers["pain_score"] = 4
    return enrolment_id, add_checkin(app, enrolment_id, "call_doctor_now", answers, hours_ago=1)


def _phone(console: Page) -> str:
    """The callback number the console shows (a tel field)."""
    found = re.search(r'name="callback_number"[^>]*value="([^"]*)"', console.html)
    assert found, "the console has no callback number field"
    return found.group(1)


def _save(client: FlaskClient, console: Page) -> str:
    """Press Save on a console page as it stands; the saved call's address."""
    data = {**dict(console.hidden), **console.checked, **console.typed,
            "callback_number": _phone(console), **CALL_PLAN, "action": "save"}
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 302, page_of(response).text[:600]
    return response.headers["Location"]


def test_a_check_in_opens_in_the_console_filled_in_and_stamped_with_its_protocol(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id, checkin_id = _fever_checkin(app)
    console = page_of(client.get(f"/nurse/call?checkin={checkin_id}"))
    assert console.status == 200
    assert "Filled in from the patient's check-in of" in console.text
    assert f"protocol {SERVED.id} {SERVED.version}" in console.text
    assert console.typed["patient_name"] == "Hattie Handoff"
    assert console.typed["temperature_value"] == "38.6"
    assert console.checked["temperature_unit"] == "C"
    assert console.checked["chest_symptoms"] == "no"
    assert console.checked["caller"] == "patient"
    assert _phone(console) == "555 0100"
    assert opened_from(console) == checkin_id
    assert "CALL DOCTOR NOW" in console.text
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).filter_by(action="followup-handoff"))
        assert [e.shown_ids for e in events] == [[enrolment_id]]


def test_the_call_saved_from_a_check_in_links_back_to_it_both_ways(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id, checkin_id = _fever_checkin(app)
    console = page_of(client.get(f"/nurse/call?checkin={checkin_id}"))
    saved = _save(client, console)
    encounter_id = int(saved.rsplit("/", 1)[1])
    with app.app_context():
        link = db.session.scalar(select(CallLink).filter_by(encounter_id=encounter_id))
        assert link is not None and (link.checkin_id, link.enrolment_id) == (
            checkin_id, enrolment_id)
        encounter = db.session.get(Encounter, encounter_id)
        assert encounter is not None and encounter.engine_disposition == "call_doctor_now"
        assert f", from check-in #{checkin_id}. Nurse:" in encounter.note  # the SBAR situation
    record = client.get(saved).get_data(as_text=True)
    assert f"/nurse/followup/patients/{enrolment_id}#checkin-{checkin_id}" in record
    patient = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    assert f"Saved call {encounter_id}</a> began from this check-in" in patient


def test_a_changed_answer_on_the_phone_is_what_the_call_saves(
        app: Flask, client: FlaskClient) -> None:
    _, checkin_id = _fever_checkin(app)
    console = page_of(client.get(f"/nurse/call?checkin={checkin_id}"))
    console.typed["temperature_value"] = "37.1"  # the patient measures again on the phone
    updated = page_of(client.post("/nurse/call", data={
        **dict(console.hidden), **console.checked, **console.typed,
        "callback_number": _phone(console), "action": "update"}))
    assert "SELF CARE" in updated.text and "Filled in from the patient's check-in" in updated.text
    saved = _save(client, updated)
    with app.app_context():
        encounter = db.session.get(Encounter, int(saved.rsplit("/", 1)[1]))
        assert encounter is not None
        assert encounter.answers["temperature"] == {"value": 37.1, "unit": "C"}


def _short_code(app: Flask, answers: dict[str, str]) -> str:
    """The code an anonymous patient reads from their result page."""
    patient = app.test_client()
    review, _ = walk(patient, answers)
    result = press(patient, review, action="submit")
    found = re.search(r'<p class="code" lang="en">([^<]+)</p>', result.html)
    assert found, "the result page shows no short code"
    return found.group(1)


def test_a_short_code_read_from_the_result_fills_the_console_with_those_answers(
        app: Flask, client: FlaskClient) -> None:
    answers = {**form_answers("self_care"), "temperature_value": "101.3",
               "temperature_unit": "F", "bleeding": "spotting"}
    code = _short_code(app, answers)
    assert len(code.replace(" ", "")) <= 16
    console = page_of(client.post("/nurse/call/code", data={"code": code.lower()}))
    assert console.status == 200
    assert "Filled in from the patient's short code" in console.text
    assert console.typed["temperature_value"] == "101.3"
    assert console.checked["temperature_unit"] == "F"
    assert console.checked["bleeding"] == "spotting"
    assert "checkin" not in dict(console.hidden)
    assert "CALL DOCTOR NOW" in console.text  # 101.3 °F is 38.5 °C: a fever


def test_a_call_filled_in_from_a_short_code_says_so_in_its_note_but_never_the_code(
        app: Flask, client: FlaskClient) -> None:
    code = _short_code(app, {**form_answers("self_care"), "temperature_value": "101.3",
                             "temperature_unit": "F"})
    console = page_of(client.post("/nurse/call/code", data={"code": code}))
    assert dict(console.hidden).get("began") == "code"
    updated = page_of(client.post("/nurse/call", data={
        **dict(console.hidden), **console.checked, **console.typed, **caller(),
        "action": "update"}))
    assert dict(updated.hidden).get("began") == "code"  # kept while the call goes on
    saved = _save(client, updated)
    with app.app_context():
        encounter = db.session.get(Encounter, int(saved.rsplit("/", 1)[1]))
        assert encounter is not None
        assert ", from the patient's short code. Nurse:" in encounter.note
        assert code.replace(" ", "") not in encounter.note.replace(" ", "")
    calm = page_of(client.get("/nurse/call"))  # a call begun on the phone says neither
    assert "began" not in dict(calm.hidden)


def test_a_misread_short_code_says_so_and_fills_in_nothing(
        app: Flask, client: FlaskClient) -> None:
    code = _short_code(app, form_answers("call_doctor_today")).replace(" ", "")
    misread = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    response = client.post("/nurse/call/code", data={"code": misread})
    assert response.status_code == 400
    page = page_of(response)
    assert "Short code: this code does not check out" in page.text
    assert not any(page.checked.get(q) for q in ("chest_symptoms", "bleeding", "pain_trend"))


def test_the_short_code_is_posted_never_put_in_an_address(app: Flask, client: FlaskClient) -> None:
    html = client.get("/nurse/call").get_data(as_text=True)
    form = re.search(r'<form method="(\w+)" action="([^"]+)" class="short-code-form">', html)
    assert form is not None and form.groups() == ("post", "/nurse/call/code")
    assert client.get("/nurse/call/code").status_code == 405


def test_a_call_from_a_check_in_saved_while_the_database_is_down_keeps_every_answer(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    _, checkin_id = _fever_checkin(app)
    console = page_of(client.get(f"/nurse/call?checkin={checkin_id}"))
    broken = cut_off(app, monkeypatch)
    try:
        response = client.post("/nurse/call", data={
            **dict(console.hidden), **console.checked, **console.typed,
            "callback_number": _phone(console), **CALL_PLAN, "action": "save"})
    finally:
        broken.dispose()
    assert response.status_code == 503
    kept = page_of(response)
    assert "record system is unavailable" in kept.text
    assert opened_from(kept) == checkin_id
    assert f"Began from the patient's check-in {checkin_id}." in kept.text
    assert kept.typed["temperature_value"] == "38.6"
    assert "Hattie Handoff" in kept.html  # the note to copy by hand
