"""The patient's daily check-in: the anonymous check's pages behind the link, and stored."""

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import CheckIn, EnrolmentEnd
from checker.nurse.models import Nurse
from rules import fill, load_protocol
from rules.translations import in_language
from tests.checker.check_pages import page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse

HEADLINES = {d.id: fill(d.headline, "911") for d in load_protocol().dispositions}


@pytest.fixture(autouse=True)
def ann(app: Flask) -> int:
    """The nurse who enrols every patient here."""
    return add_nurse(app)


def _patient(app: Flask, **fields) -> tuple[FlaskClient, str, int]:
    """A patient enrolled two days after their procedure, their own browser, and their code."""
    fields.setdefault("procedure_date", date.today() - timedelta(days=2))
    enrolment_id, token = enrol(app, **fields)
    patient = app.test_client()
    opened = open_followup(patient, token)
    assert opened.status_code == 303
    return patient, token, enrolment_id


def _checkins(app: Flask, enrolment_id: int) -> list[CheckIn]:
    with app.app_context():
        return list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment_id)
                                       .order_by(CheckIn.id)))


def test_a_check_in_asks_the_same_steps_without_the_day_count_and_stores_the_result(
    app: Flask,
) -> None:
    patient, token, enrolment_id = _patient(app)
    answers = {**form_answers("self_care"), "temperature_value": "38,6", "temperature_unit": "C"}
    review, seen = walk(patient, answers, path="/followup/checkin")
    assert review.step == "review", review.text[:300]
    assert not any("days_since_procedure" in p.visible for p in seen)
    days = " ".join(load_protocol().by_id["days_since_procedure"].text.split())
    assert days not in review.text
    result = press(patient, review, action="submit")
    assert result.title == HEADLINES["call_doctor_now"]
    assert result.text.count("Your check-in is saved") == 1  # once, at the top
    stored = _checkins(app, enrolment_id)[-1]
    assert stored.day_count == 2 and stored.answers["days_since_procedure"] == 2
    assert stored.disposition == "call_doctor_now"
    assert stored.answers["temperature"] == {"value": 38.6, "unit": "C"}
    served = load_protocol()
    assert stored.protocol_version == served.version
    assert stored.protocol_sha256 == served.sha256
    assert stored.assessment["reasons"][0]["rule"] == "N2"


def test_a_day_count_posted_by_the_form_is_never_taken(app: Flask) -> None:
    patient, token, enrolment_id = _patient(app)
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin")
    data = dict(review.hidden)
    data.update(action="submit", days_since_procedure="0")
    page_of(patient.post("/followup/checkin", data=data))
    assert _checkins(app, enrolment_id)[-1].day_count == 2


def test_the_same_check_in_sent_twice_is_stored_once(app: Flask) -> None:
    patient, token, enrolment_id = _patient(app)
    before = len(_checkins(app, enrolment_id))
    review, _ = walk(patient, form_answers("call_doctor_today"), path="/followup/checkin")
    press(patient, review, action="submit")
    press(patient, review, action="submit")  # Back and "Get my result" again
    assert len(_checkins(app, enrolment_id)) == before + 1


def test_an_emergency_check_in_is_stored_too(app: Flask) -> None:
    patient, token, enrolment_id = _patient(app)
    first = page_of(patient.get("/followup/checkin"))
    result = press(patient, first, {"chest_symptoms": "yes"}, action="next")
    assert result.title == HEADLINES["emergency"]
    assert _checkins(app, enrolment_id)[-1].disposition == "emergency"


def test_a_check_in_sent_from_another_site_is_shown_but_not_stored(app: Flask) -> None:
    patient, token, enrolment_id = _patient(app)
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin")
    before = len(_checkins(app, enrolment_id))
    response = patient.post("/followup/checkin",
                            data={**dict(review.hidden), "action": "submit"},
                            headers={"Sec-Fetch-Site": "cross-site"})
    assert page_of(response).title == HEADLINES["self_care"]
    assert "was not saved" in page_of(response).text
    assert len(_checkins(app, enrolment_id)) == before


def test_the_check_in_needs_the_code_and_year_of_birth_first(app: Flask) -> None:
    enrol(app, procedure_date=date.today())
    stranger = app.test_client()
    response = stranger.get("/followup/checkin")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/followup")


def test_a_session_lost_mid_check_in_asks_the_code_and_year_and_keeps_every_answer(
    app: Flask,
) -> None:
    patient, code, enrolment_id = _patient(app)
    review, _ = walk(patient, form_answers("call_doctor_today"), path="/followup/checkin")
    fresh = app.test_client()  # the cookie is gone: a new browser, or an expired session
    asked = fresh.post(review.action, data={**dict(review.hidden), "action": "submit"})
    assert asked.status_code == 401
    year_page = page_of(asked)
    assert "year of birth" in year_page.text
    assert dict(year_page.hidden)["pain_trend"] == "worse"
    assert dict(year_page.hidden)["submission"] in review.action
    result = page_of(open_followup(fresh, code, **dict(year_page.hidden)))
    assert result.title == HEADLINES["call_doctor_today"]
    assert _checkins(app, enrolment_id)[-1].disposition == "call_doctor_today"
    # The same submission sent again from the first browser is the same check-in.
    before = len(_checkins(app, enrolment_id))
    press(patient, review, action="submit")
    assert len(_checkins(app, enrolment_id)) == before


def test_an_ended_follow_up_stops_the_check_in(app: Flask) -> None:
    patient, token, enrolment_id = _patient(app)
    with app.app_context():
        nurse = db.session.scalar(select(Nurse).filter_by(username="ann"))
        db.session.add(EnrolmentEnd(enrolment_id=enrolment_id, nurse_id=nurse.id,
                                    nurse_name=nurse.username, reason="Recovered."))
        db.session.commit()
    assert patient.get("/followup/checkin").status_code == 303


def test_the_history_shows_each_check_in_in_the_patients_language(app: Flask) -> None:
    patient, token, _ = _patient(app, language="es")
    review, _ = walk(patient, form_answers("call_doctor_today"), path="/followup/checkin")
    press(patient, review, action="submit")
    html = patient.get("/followup/history?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in html
    spanish = in_language(load_protocol(), "es").disposition("call_doctor_today")
    assert escape(fill(spanish.headline, "911")) in html
    assert "<h1>Sus controles</h1>" in html
    assert "check-in" not in html.lower()
