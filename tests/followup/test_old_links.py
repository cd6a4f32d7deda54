"""Links printed before codes (/followup/<token>) keep working for the follow-ups they belong to."""

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment, new_token, token_hash
from checker.nurse.models import Nurse
from tests.checker.check_pages import page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import BIRTH_YEAR, enrol
from tests.nurse.conftest import add_nurse


@pytest.fixture(autouse=True)
def ann(app: Flask) -> int:
    """The nurse who enrolled every patient here."""
    return add_nurse(app)


def _old_enrolment(app: Flask) -> tuple[int, str]:
    """A follow-up enrolled before codes: only its link token's hash is stored."""
    token = new_token()
    enrolment_id, _ = enrol(app, procedure_date=date.today() - timedelta(days=2))
    with app.app_context():
        nurse = db.session.scalar(select(Nurse).filter_by(username="ann"))
        old = Enrolment(token_hash=token_hash(token), nurse_id=nurse.id,
                        nurse_name=nurse.username, patient_name="Olive Oldlink",
                        date_of_birth=date(1941, 5, 11), record_number="MRN-1",
                        procedure_type="kyphoplasty",
                        procedure_date=date.today() - timedelta(days=2), phone="555 0100",
                        email="", language="en", follow_days=28, consent_note="Agreed.")
        db.session.add(old)
        db.session.commit()
        return old.id, token


def _hidden_link(html: str) -> str:
    match = re.search(r'name="link" value="([^"]*)"', html)
    assert match, "the page carries no link"
    return match.group(1)


def test_an_old_link_asks_only_the_year_and_posts_its_token_in_the_body(app: Flask) -> None:
    enrolment_id, token = _old_enrolment(app)
    patient = app.test_client()
    page = patient.get(f"/followup/{token}").get_data(as_text=True)
    assert _hidden_link(page) == token
    assert 'name="code"' not in page and 'action="/followup"' in page
    # What the page posts says which site it came from, never the old link in its address.
    assert patient.get(f"/followup/{token}").headers["Referrer-Policy"] == "origin"
    opened = patient.post("/followup", data={"link": token, "year": BIRTH_YEAR})
    assert opened.status_code == 303
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin")
    press(patient, review, action="submit")
    with app.app_context():
        stored = db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment_id)).all()
    assert len(stored) == 1


def test_a_year_page_from_before_codes_still_posts_to_the_old_address(app: Flask) -> None:
    _, token = _old_enrolment(app)
    patient = app.test_client()
    assert patient.post(f"/followup/{token}", data={"year": "1940"}).status_code == 403
    assert patient.post(f"/followup/{token}", data={"year": BIRTH_YEAR}).status_code == 303


@pytest.mark.parametrize("page", ["checkin", "history"])
def test_an_old_address_of_a_page_leads_to_the_new_one(app: Flask, page: str) -> None:
    _, token = _old_enrolment(app)
    stranger = app.test_client()
    asked = stranger.get(f"/followup/{token}/{page}")
    assert asked.status_code == 303 and asked.headers["Location"].endswith(f"/followup/{token}")
    patient = app.test_client()
    patient.post("/followup", data={"link": token, "year": BIRTH_YEAR})
    moved = patient.get(f"/followup/{token}/{page}")
    assert moved.status_code == 303 and moved.headers["Location"].endswith(f"/followup/{page}")


def test_a_check_in_posted_by_a_page_from_before_codes_is_stored_once(app: Flask) -> None:
    enrolment_id, token = _old_enrolment(app)
    patient = app.test_client()
    patient.post("/followup", data={"link": token, "year": BIRTH_YEAR})
    review, _ = walk(patient, form_answers("call_doctor_today"), path="/followup/checkin")
    old_page = {**dict(review.hidden), "action": "submit"}
    for _ in range(2):  # no submission id: the same answers within minutes are one check-in
        page = page_of(patient.post(f"/followup/{token}/checkin", data=old_page))
        assert "Your check-in is saved" in page.text
    with app.app_context():
        count = len(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment_id))
                    .all())
    assert count == 1


def test_an_old_link_stops_once_a_new_code_is_issued(app: Flask, admin: FlaskClient) -> None:
    enrolment_id, token = _old_enrolment(app)
    assert admin.post(f"/nurse/followup/patients/{enrolment_id}/code").status_code == 200
    patient = app.test_client()
    assert patient.post("/followup", data={"link": token, "year": BIRTH_YEAR}).status_code == 403


def test_wrong_years_on_an_old_link_are_held_as_for_a_code(app: Flask) -> None:
    _, token = _old_enrolment(app)
    statuses = []
    for n, year in enumerate(range(1950, 1957)):
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        statuses.append(browser.post("/followup", data={"link": token, "year": str(year)})
                        .status_code)
    assert statuses == [403] * 5 + [429] * 2


def test_a_code_typed_into_the_address_is_put_in_the_code_box(app: Flask) -> None:
    _, code = enrol(app, procedure_date=date.today() - timedelta(days=2))
    page = app.test_client().get(f"/followup/{code.lower()}").get_data(as_text=True)
    assert 'name="link"' not in page
    assert f'value="{code[:4]}-{code[4:8]}-{code[8:]}"' in page
