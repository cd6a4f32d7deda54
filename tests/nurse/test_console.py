"""The call console: questions in order, the live disposition, closing and saving once."""

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from checker.extensions import db
from checker.nurse.models import Encounter
from checker.settings import ConfigError
from rules import load_protocol
from tests.nurse.conftest import CALM_ANSWERS, call_data, make_app, new_call
from tests.nurse.test_error_pages import _database_down


def encounters(app: Flask) -> list[Encounter]:
    """Every saved encounter."""
    with app.app_context():
        return list(db.session.scalars(select(Encounter).order_by(Encounter.id)))


def test_it_shows_every_question_in_order_of_urgency(client: FlaskClient) -> None:
    html = client.get("/nurse/call").get_data(as_text=True)
    positions = [html.find(f'data-question="{q.id}"') for q in load_protocol().questions
                 if q.id != "days_since_procedure"]
    assert -1 not in positions
    assert positions == sorted(positions)
    assert 'data-question="days_since_procedure"' not in html
    assert "Not decided yet" in html


def test_it_decides_at_once_on_an_emergency_answer(client: FlaskClient) -> None:
    token = new_call(client)
    html = client.post("/nurse/call", data={"call": token, "action": "update",
                                           "chest_symptoms": "yes"}).get_data(as_text=True)
    assert "<strong>EMERGENCY</strong>: Call 911 now." in html
    assert "Decided: the remaining questions are optional." in html
    assert 'data-status-for="leg_weakness">Optional<' in html
    assert 'data-status-for="chest_symptoms">Answered<' in html


def test_it_lists_what_is_still_to_ask_while_undecided(client: FlaskClient) -> None:
    token = new_call(client)
    html = client.post("/nurse/call", data={"call": token, "action": "update",
                                           "chest_symptoms": "no"}).get_data(as_text=True)
    assert "Not decided yet" in html
    assert 'data-status-for="leg_weakness">Still to ask<' in html


def test_it_counts_the_days_from_the_procedure_date(client: FlaskClient) -> None:
    token = new_call(client)
    response = client.post("/nurse/call/assess", data=call_data(token, action="update"))
    assert response.status_code == 200
    advice = [item["id"] for item in response.get_json()["assessment"]["advice"]]
    assert "gradual_activity" in advice  # day 2; on day 0 it would be rest_today
    day0 = call_data(token, action="update", procedure_date=call_data(token)["procedure_date"])
    day0["procedure_date"] = __import__("datetime").date.today().isoformat()
    advice0 = [i["id"] for i in client.post("/nurse/call/assess", data=day0)
               .get_json()["assessment"]["advice"]]
    assert "rest_today" in advice0


def test_it_reports_a_bad_pain_score_without_guessing(client: FlaskClient) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS, pain_score="11")
    html = client.post("/nurse/call", data=call_data(token, answers, action="update"))\
        .get_data(as_text=True)
    assert "Enter a whole number from 0 to 10, using digits only" in html
    # Calm answers on day 2: no rule waits for the pain score, so it is optional, not answered.
    assert 'data-status-for="pain_score">Optional<' in html


def test_it_refuses_to_close_an_undecided_call(app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS)
    del answers["leg_weakness"]
    html = client.post("/nurse/call", data=call_data(token, answers)).get_data(as_text=True)
    assert "This call is not decided yet, so it cannot be closed" in html
    assert "Is a leg newly weak" in html
    assert encounters(app) == []


def test_it_refuses_to_lower_a_disposition_without_a_reason(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS, new_back_pain="yes")  # call_doctor_today
    html = client.post("/nurse/call", data=call_data(
        token, answers, final_disposition="self_care")).get_data(as_text=True)
    assert "Give a reason for choosing a less urgent disposition" in html
    assert 'href="#override_reason"' in html
    assert encounters(app) == []


def test_it_saves_a_lowered_disposition_with_its_reason_and_keeps_both(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS, new_back_pain="yes")
    response = client.post("/nurse/call", data=call_data(
        token, answers, final_disposition="self_care",
        override_reason="Known old fracture pain, seen by the surgeon yesterday.",
        advice_given=["ice", "bandage"], notes="Will call back tomorrow."))
    assert response.status_code == 302
    [saved] = encounters(app)
    assert saved.engine_disposition == "call_doctor_today"
    assert saved.final_disposition == "self_care"
    assert saved.override_reason.startswith("Known old fracture pain")
    assert saved.advice_given == ["ice", "bandage"]
    assert saved.answers["new_back_pain"] is True
    assert saved.answers["days_since_procedure"] == 2
    assert saved.answers["temperature"] is None
    assert saved.assessment["reasons"][0]["rule"] == "T6"
    protocol = load_protocol()
    assert (saved.protocol_id, saved.protocol_version, saved.protocol_sha256) == (
        protocol.id, protocol.version, protocol.sha256)
    assert saved.nurse.username == "ann"
    assert saved.started_at <= saved.ended_at
    assert saved.started_at.utcoffset().total_seconds() == 0
    assert "DISPOSITION: SELF CARE" in saved.note
    assert "Changed by the nurse: lowered from CALL DOCTOR TODAY." in saved.note


def test_it_lets_the_nurse_raise_a_disposition_without_a_reason(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    response = client.post("/nurse/call", data=call_data(
        token, final_disposition="call_doctor_now"))
    assert response.status_code == 302
    [saved] = encounters(app)
    assert (saved.engine_disposition, saved.final_disposition) == ("self_care", "call_doctor_now")
    assert saved.override_reason == ""


def test_it_saves_one_encounter_for_a_double_submit(app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    first = client.post("/nurse/call", data=call_data(token))
    second = client.post("/nurse/call", data=call_data(token))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert len(encounters(app)) == 1


def test_it_saves_a_new_encounter_for_a_new_call(app: Flask, client: FlaskClient) -> None:
    client.post("/nurse/call", data=call_data(new_call(client)))
    client.post("/nurse/call", data=call_data(new_call(client)))
    assert len(encounters(app)) == 2


def test_it_rejects_a_second_row_with_the_same_token_even_in_a_race(
    app: Flask, client: FlaskClient
) -> None:
    client.post("/nurse/call", data=call_data(new_call(client)))
    with app.app_context():
        [saved] = db.session.scalars(select(Encounter))
        copy = {c.name: getattr(saved, c.name) for c in Encounter.__table__.columns
                if c.name != "id"}
        db.session.expunge_all()
        db.session.add(Encounter(**copy))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Encounter)) == 1


def test_it_answers_the_live_update_as_json(client: FlaskClient) -> None:
    token = new_call(client)
    response = client.post("/nurse/call/assess", data={"call": token, "fainted": "yes"})
    data = response.get_json()
    assert data["assessment"]["disposition"] == "emergency"
    assert data["assessment"]["decided"] is True
    assert data["status"]["fainted"] == "answered"
    assert data["status"]["pain_score"] == "optional"
    assert "<strong>EMERGENCY</strong>: Call 911 now." in data["disposition"]
    assert "Decided: the remaining questions are optional." in data["panel"]
    assert re.search(r'value="call_911"', data["advice"])


@pytest.mark.parametrize("posted", ["missing", "tampered"])
def test_it_saves_nothing_from_a_save_without_a_valid_call_token(
    app: Flask, client: FlaskClient, posted: str
) -> None:
    data = call_data(new_call(client) + "x", notes="Asked about the stairs")
    if posted == "missing":
        del data["call"]
    first = client.post("/nurse/call", data=data)
    second = client.post("/nurse/call", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == second.status_code == 400
    assert encounters(app) == []
    assert "its form had no valid call number" in html
    assert 'value="Harriet Quimby"' in html and "Asked about the stairs" in html
    assert 'id="leg_weakness-no" value="no" checked' in html


def test_it_saves_once_from_the_fresh_token_given_after_a_tokenless_save(
    app: Flask, client: FlaskClient
) -> None:
    data = call_data("")
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    fresh = re.search(r'name="call" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/nurse/call", data=call_data(fresh)).status_code == 302
    assert client.post("/nurse/call", data=call_data(fresh)).status_code == 302
    assert len(encounters(app)) == 1


def test_it_still_assesses_a_tokenless_form_live(client: FlaskClient) -> None:
    response = client.post("/nurse/call", data={"action": "update", "fainted": "yes"})
    assert response.status_code == 200
    assert "<strong>EMERGENCY</strong>" in response.get_data(as_text=True)
    assert client.post("/nurse/call/assess", data={"call": "forged", "fainted": "yes"}) \
        .get_json()["assessment"]["disposition"] == "emergency"


def test_it_reports_an_unknown_final_disposition_on_its_field(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post("/nurse/call", data=call_data(
        new_call(client), final_disposition="whenever"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'href="#final_disposition">Final disposition: Choose one of the dispositions' in html
    assert encounters(app) == []


def test_a_reading_with_not_measured_ticked_is_an_error_not_dropped(client: FlaskClient) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS)
    data = call_data(token, answers, action="update")
    data.update(temperature_value="39.5", temperature_unit="C", temperature_not_measured="1")
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    assert "You typed a temperature and also ticked that you have not taken it: keep one of them" \
        in html


def test_a_reading_without_a_unit_is_an_error_not_a_guess(client: FlaskClient) -> None:
    token = new_call(client)
    data = call_data(token, dict(CALM_ANSWERS), action="update")
    data.pop("temperature_not_measured", None)
    data.pop("temperature_unit", None)
    data["temperature_value"] = "38.5"
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    assert "Choose °F or °C" in html


def test_an_empty_call_says_no_answers_yet_in_the_panel_and_the_menu(client: FlaskClient) -> None:
    html = client.get("/nurse/call").get_data(as_text=True)
    assert "<strong>No answers yet</strong>" in html
    assert "<strong>SELF CARE</strong>" not in html
    assert '<option selected value="">As the protocol says: No answers yet</option>' in html


def test_the_close_menu_says_what_the_panel_says_without_script(client: FlaskClient) -> None:
    data = call_data(new_call(client), dict(CALM_ANSWERS, temperature_value="38.5",
                                            temperature_unit="C"), action="update")
    del data["temperature_not_measured"]
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    assert "<strong>CALL DOCTOR NOW</strong>" in html
    assert '<option selected value="">As the protocol says: CALL DOCTOR NOW</option>' in html
    # The panel and the close controls sit side by side in the sticky desk panel.
    panel = html[html.index('<aside class="desk-panel"'):html.index("</aside>")]
    assert 'id="shown-disposition"' in panel and 'value="save"' in panel


def test_the_live_update_gives_the_menu_the_panels_words(client: FlaskClient) -> None:
    token = new_call(client)
    empty = client.post("/nurse/call/assess", data={"call": token}).get_json()
    assert empty["same_as_protocol"] == "As the protocol says: No answers yet"
    assert "<strong>No answers yet</strong>" in empty["disposition"]
    data = client.post("/nurse/call/assess", data={"call": token, "chest_symptoms": "no",
                                                  "temperature_value": "38.5",
                                                  "temperature_unit": "C"}).get_json()
    assert data["same_as_protocol"] == "As the protocol says: CALL DOCTOR NOW"
    assert "<strong>CALL DOCTOR NOW</strong>" in data["disposition"]


def test_dates_are_typed_as_text_and_a_bad_one_is_named(client: FlaskClient) -> None:
    html = client.get("/nurse/call").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="date_of_birth"[^>]*type="text"', html)
    assert 'type="date"' not in html
    assert "YYYY-MM-DD" in html
    data = call_data(new_call(client), date_of_birth="11/05/1941")
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    assert ('href="#date_of_birth">Date of birth: Not a valid date value. Type it as '
            "YYYY-MM-DD") in html


def test_a_saved_note_gives_the_times_in_the_clinics_zone_and_stores_utc(
    app: Flask, client: FlaskClient
) -> None:
    app.config["CLINIC_TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14, no daylight saving
    assert client.post("/nurse/call", data=call_data(new_call(client))).status_code == 302
    [saved] = encounters(app)
    assert saved.started_at.utcoffset().total_seconds() == 0
    local = (saved.started_at + timedelta(hours=14)).strftime("%Y-%m-%d %H:%M")
    assert f"Phone call: {local} to " in saved.note
    assert " +14. Nurse: ann." in saved.note


def test_an_unknown_clinic_time_zone_stops_the_app_with_its_name(database_url: str) -> None:
    with pytest.raises(ConfigError, match="CLINIC_TIMEZONE must be an IANA time zone"):
        make_app(database_url, CLINIC_TIMEZONE="Mars/Olympus_Mons")


@pytest.mark.parametrize(("path", "status", "title"), [
    ("/nurse/audit", 403, "Not allowed"),
    ("/nurse/encounters/999999", 404, "Page not found"),
    ("/nurse/no-such-page", 404, "Page not found"),
    ("/nurse/encounters", 503, "The record system is unavailable"),
])
def test_a_console_error_page_keeps_the_consoles_menu_and_the_emergency_line(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, path: str, status: int,
    title: str,
) -> None:
    if status == 503:
        _database_down(app, monkeypatch)
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<h1>{title}</h1>" in html
    assert '<nav class="nurse-nav" aria-label="Nurse console">' in html
    assert "Signed in as ann" in html
    assert 'In an emergency, the caller must call <a href="tel:911">911</a> now.' in html


def test_an_error_outside_the_console_keeps_the_patients_page(client: FlaskClient) -> None:
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "Page not found" in html
    assert "nurse-nav" not in html
