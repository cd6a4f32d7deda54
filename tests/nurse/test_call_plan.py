"""The call's plan: the action taken, the caller's agreement and the call-back plan, recorded
with the call and said in its note, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, Table, insert, select

import checker.nurse.forms
from checker import audit as audit_log
from checker.extensions import db
from checker.nurse.models import Encounter
from tests.nurse.conftest import add_nurse, call_data, new_call
from tests.nurse.test_audit_tamper import verify
from tests.nurse.test_console import encounters

CLINIC = "America/New_York"
PLAN_COLUMNS = ("action_taken", "agreement", "disagreement_reason", "call_back_signs_given",
                "nurse_call_back_at")


def save(client: FlaskClient, **fields: Any) -> Any:
    """Post a complete calm call with these fields changed (None leaves a field out)."""
    data = call_data(new_call(client), **{k: v for k, v in fields.items() if v is not None})
    for name in [k for k, v in fields.items() if v is None]:
        del data[name]
    return client.post("/nurse/call", data=data)


def page_text(response: Any) -> str:
    """A page's HTML with its entities read."""
    return unescape(response.get_data(as_text=True))


def checked(html: str, name: str) -> list[str]:
    """The values of a radio group the page shows chosen."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', i).group(1) for i in inputs if " checked" in i]


def test_the_console_starts_with_the_disposition_told_and_nothing_else_chosen(
    client: FlaskClient,
) -> None:
    html = page_text(client.get("/nurse/call"))
    assert "The plan" in html and "Caller's agreement with the plan" in html
    assert "Told the caller when to call back" in html
    assert checked(html, "action_taken") == ["told"]
    assert "Told the caller the final disposition and the advice" in html
    assert "Called 911 for the patient" in html
    # Agreement and the call-back signs are the nurse's to say: never chosen for them.
    assert checked(html, "agreement") == [] and checked(html, "call_back_signs") == []


def test_a_call_is_saved_with_its_plan_and_its_note_says_it(
    app: Flask, client: FlaskClient,
) -> None:
    assert save(client).status_code == 302
    [saved] = encounters(app)
    assert (saved.action_taken, saved.agreement, saved.disagreement_reason,
            saved.call_back_signs_given, saved.nurse_call_back_at) == (
        "told", "agreed", None, True, None)
    assert "\nACTION: advised as above; caller agreed.\nCall back: EMERGENCY if " in saved.note


@pytest.mark.parametrize("missing, message", [
    ("agreement", "Say whether the caller agreed with the plan."),
    ("call_back_signs", "Say whether you told the caller when to call back."),
    # A form opened before the plan existed, or one that lost the field: nothing is assumed.
    ("action_taken", "Choose the action you took."),
])
def test_a_call_is_not_saved_without_each_part_of_its_plan(
    app: Flask, client: FlaskClient, missing: str, message: str,
) -> None:
    response = save(client, **{missing: None})
    assert response.status_code == 200
    html = page_text(response)
    assert message in html
    assert f'href="#{missing}"' in html  # the error summary leads to the field
    assert encounters(app) == []


@pytest.mark.parametrize("name, value", [
    ("agreement", "maybe"), ("call_back_signs", "perhaps"), ("action_taken", "prayed"),
])
def test_a_choice_the_form_does_not_offer_is_refused(
    app: Flask, client: FlaskClient, name: str, value: str,
) -> None:
    assert save(client, **{name: value}).status_code == 200
    assert encounters(app) == []


def test_a_caller_who_did_not_agree_needs_a_reason_and_the_note_gives_it(
    app: Flask, client: FlaskClient,
) -> None:
    refused = save(client, agreement="disagreed")
    assert "Say why the caller did not agree." in page_text(refused)
    assert encounters(app) == []
    assert save(client, agreement="disagreed",
                disagreement_reason="  Will wait for her son to drive her.  ").status_code == 302
    [saved] = encounters(app)
    assert saved.disagreement_reason == "Will wait for her son to drive her."
    assert ("ACTION: advised as above; caller did not agree: Will wait for her son to drive "
            "her.\n") in saved.note


def test_a_reason_left_in_its_box_is_not_kept_when_the_caller_agreed(
    app: Flask, client: FlaskClient,
) -> None:
    assert save(client, agreement="agreed", disagreement_reason="Typed, then agreed.").status_code \
        == 302
    [saved] = encounters(app)
    assert saved.disagreement_reason is None and "Typed, then agreed." not in saved.note


def test_an_action_of_other_is_said_in_the_notes(app: Flask, client: FlaskClient) -> None:
    refused = save(client, action_taken="other")
    assert "Say in the notes what you did" in page_text(refused)
    assert encounters(app) == []
    assert save(client, action_taken="other", notes="Booked into the clinic at 14:00.",
                agreement="not_asked", call_back_signs="no").status_code == 302
    [saved] = encounters(app)
    assert (saved.action_taken, saved.agreement, saved.call_back_signs_given) == (
        "other", "not_asked", False)
    assert "ACTION: other (see notes); caller's agreement could not be asked.\n" in saved.note
    assert "Call back: signs not given.\n" in saved.note


def test_called_911_names_the_clinics_emergency_number(app: Flask, client: FlaskClient) -> None:
    app.config["EMERGENCY_NUMBER"] = "112"
    assert "Called 112 for the patient" in page_text(client.get("/nurse/call"))
    assert save(client, action_taken="called_emergency").status_code == 302
    [saved] = encounters(app)
    assert "ACTION: called 112 for the patient; caller agreed." in saved.note


@pytest.fixture
def clinic_noon(app: Flask, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Today at noon UTC as the call-back time is checked against, the clinic in New York."""
    app.config["CLINIC_TIMEZONE"] = CLINIC
    noon = datetime.combine(datetime.now(UTC).date(), time(12), tzinfo=UTC)
    monkeypatch.setattr(checker.nurse.forms, "utcnow", lambda: noon)
    return noon


def test_the_nurses_call_back_time_is_read_on_the_clinics_clock(
    app: Flask, client: FlaskClient, clinic_noon: datetime,
) -> None:
    assert save(client, nurse_call_back_at="16:30").status_code == 302
    tomorrow = (clinic_noon + timedelta(days=1)).date()
    assert save(client, nurse_call_back_at=f"{tomorrow.isoformat()} 09:05").status_code == 302
    today_later, tomorrow_morning = (e.nurse_call_back_at for e in encounters(app))
    zone = ZoneInfo(CLINIC)
    local_day = clinic_noon.astimezone(zone).date()
    assert today_later == datetime.combine(local_day, time(16, 30), tzinfo=zone)
    assert tomorrow_morning == datetime.combine(tomorrow, time(9, 5), tzinfo=zone)
    shown = today_later.astimezone(zone).strftime("%Y-%m-%d 16:30 %Z")
    assert f"\nNurse to call back: {shown}.\n" in encounters(app)[0].note


@pytest.mark.parametrize("typed, message", [
    ("half past four", "Type a time today as HH:MM"),
    ("25:00", "Type a time today as HH:MM"),
    ("06:00", "That time has passed."),  # 06:00 in New York is before noon UTC
    ((date.today() + timedelta(days=9)).isoformat() + " 09:00", "at most 7 days ahead"),
])
def test_a_call_back_time_that_is_unreadable_past_or_too_far_is_refused(
    app: Flask, client: FlaskClient, clinic_noon: datetime, typed: str, message: str,
) -> None:
    response = save(client, nurse_call_back_at=typed)
    assert message in page_text(response)
    assert 'href="#nurse_call_back_at"' in page_text(response)
    assert encounters(app) == []


def test_the_saved_call_lists_the_plan_and_an_older_call_says_not_recorded(
    app: Flask, client: FlaskClient,
) -> None:
    saved = save(client, agreement="disagreed", disagreement_reason="Prefers to wait.")
    page = page_text(client.get(saved.location))
    assert "<dt>Action taken</dt><dd>Told the caller the final disposition and the advice</dd>" \
        in page
    assert "<dt>Caller's agreement</dt><dd>Did not agree: Prefers to wait.</dd>" in page
    assert "<dt>Told when to call back</dt><dd>Yes</dd>" in page
    assert "<dt>Nurse will call back</dt><dd>not planned</dd>" in page

    with app.app_context():  # a call saved before the plan was recorded: its columns are NULL
        [first] = db.session.query(Encounter).all()
        older = {c.name: getattr(first, c.name) for c in Encounter.__table__.columns
                 if c.name not in ("id", "submit_token", *PLAN_COLUMNS)}
        row = Encounter(submit_token="older-call", **older)
        db.session.add(row)
        db.session.commit()
        older_id = row.id
    page = page_text(client.get(f"/nurse/encounters/{older_id}"))
    assert ("<dt>Action taken, agreement and call-back plan</dt><dd>not recorded</dd>") in page


def test_a_call_sealed_before_the_plan_existed_keeps_its_seal_after_the_upgrade(
    app: Flask,
) -> None:
    nurse_id = add_nurse(app)
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.downgrade(revision="0011")
        with db.engine.begin() as connection:  # a call as the app saved it before 0012
            table = Table("encounter", MetaData(), autoload_with=connection)
            assert not set(PLAN_COLUMNS) & set(table.c.keys())
            connection.execute(insert(table).values(
                submit_token="before-the-plan", nurse_id=nurse_id, nurse_name="ann",
                started_at=now, ended_at=now, patient_name="Old Call",
                date_of_birth=date(1941, 5, 11), record_number="", callback_number="555 0100",
                caller="patient", procedure_type="kyphoplasty", procedure_date=date.today(),
                answers={}, assessment={}, protocol_id="p", protocol_version="1.3.0",
                protocol_sha256="0" * 64, engine_disposition="self_care",
                final_disposition="self_care", override_reason="", advice_given=[], notes="",
                note="Saved before the plan."))
            row = connection.execute(select(table)).mappings().one()
            audit_log.lock_chain(connection)
            audit_log.append_entries(connection, [("encounter", dict(row))])
        flask_migrate.upgrade()
        older = db.session.scalars(select(Encounter)).one()
        assert [getattr(older, name) for name in PLAN_COLUMNS] == [None] * len(PLAN_COLUMNS)
    result = verify(app)  # NULL columns are left out of a digest: the seal still matches
    assert result.exit_code == 0, result.output
