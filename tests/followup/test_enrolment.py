"""Enrolment; the patient's link asks for the year of birth first and gives nothing away."""

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import Enrolment, EnrolmentEnd, token_hash
from checker.nurse.models import AuditEvent
from tests.followup.conftest import enrol


def enrolment_form(**overrides: str) -> dict[str, str]:
    """A complete enrolment, a procedure two days ago."""
    data = {
        "patient_name": "Harriet Quimby", "date_of_birth": "1941-05-11",
        "record_number": "MRN-4471", "procedure_type": "kyphoplasty",
        "procedure_date": (date.today() - timedelta(days=2)).isoformat(),
        "phone": "555 0100", "email": "", "language": "en", "follow_days": "28",
        "consent": "y", "consent_note": "Agreed in person at discharge.",
    }
    data.update(overrides)
    return data


def enrol_through_form(client: FlaskClient) -> str:
    """Enrol through the console and return the link the sheet shows."""
    response = client.post("/nurse/followup/enrol", data=enrolment_form(), follow_redirects=True)
    assert response.status_code == 200
    match = re.search(r"http://localhost/followup/([A-Za-z0-9_\-]+)", response.get_data(True))
    assert match, "the sheet shows no link"
    return match.group(1)


def test_enrolling_gives_a_sheet_with_the_link_as_a_qr_code_and_the_clinics_numbers(
    app: Flask, client: FlaskClient
) -> None:
    app.config.update(CLINIC_PHONE="555 0199", AFTER_HOURS_PHONE="555 0177")
    response = client.post("/nurse/followup/enrol", data=enrolment_form(), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "<svg" in html and "QR code of the check-in link" in html
    assert "555 0199" in html and "555 0177" in html and "call 911" in html
    token = enrol_through_form(client)
    with app.app_context():
        stored = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
        assert [e.token_hash for e in stored][-1] == token_hash(token)
        assert stored[-1].consent_note == "Agreed in person at discharge."
        assert stored[-1].follow_days == 28
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("followup-enrol") == 2 and "followup-sheet" in actions


def test_every_wrong_field_gets_a_message_naming_it(app: Flask, client: FlaskClient) -> None:
    bad = enrolment_form(patient_name="", date_of_birth="11/05/1941", record_number="",
                         procedure_date=(date.today() + timedelta(days=1)).isoformat(),
                         phone="call me", email="harriet-at-home", follow_days="400",
                         consent_note="")
    del bad["consent"]
    response = client.post("/nurse/followup/enrol", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Patient&#39;s name: This field is required.",
                    "Date of birth: Not a valid date value.",
                    "Record number: This field is required.",
                    "Date of the procedure: The procedure date cannot be in the future.",
                    "Phone: Enter a phone number", "E-mail (optional): Enter an e-mail address",
                    "Days to follow: Enter a number of days from 1 to 90.",
                    "Record the patient&#39;s consent before enrolling.",
                    "How consent was given: This field is required."):
        assert message in html, message
    with app.app_context():
        assert db.session.scalars(select(Enrolment)).all() == []


def test_the_sheet_cannot_be_shown_again_from_another_session(
    app: Flask, client: FlaskClient
) -> None:
    enrol_through_form(client)
    with app.app_context():
        enrolment_id = db.session.scalars(select(Enrolment.id)).one()
    other = app.test_client()
    other.post("/nurse/login", data={"username": "ann", "password": "a long and secret passphrase"})
    assert other.get(f"/nurse/followup/sheet?enrolment={enrolment_id}").status_code == 404
    assert client.get(f"/nurse/followup/sheet?enrolment={enrolment_id}").status_code == 200


def test_the_right_year_of_birth_opens_the_patients_own_page(
    app: Flask, client: FlaskClient
) -> None:
    token = enrol_through_form(client)
    patient = app.test_client()
    assert "Your year of birth" in patient.get(f"/followup/{token}").get_data(as_text=True)
    response = patient.post(f"/followup/{token}", data={"year": "1941"})
    assert response.status_code == 303
    page = patient.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your check-ins" in page and "call 911" in page


def _refusal(client: FlaskClient, token: str, year: str = "1941") -> str:
    """Post a year to a link and return the page, which must refuse."""
    response = client.post(f"/followup/{token}", data={"year": year})
    assert response.status_code == 403
    return response.get_data(as_text=True)


def test_a_wrong_year_a_lost_link_and_an_ended_link_look_the_same(
    app: Flask, client: FlaskClient
) -> None:
    token = enrol_through_form(client)
    ended_id, ended_token = enrol(app, patient_name="Bessie Coleman")
    with app.app_context():
        db.session.add(EnrolmentEnd(enrolment_id=ended_id, nurse_id=1, nurse_name="ann",
                                    reason="Readmitted."))
        db.session.commit()
    patient = app.test_client()
    pages = [_refusal(patient, token, "1942"), _refusal(patient, "no-such-link"),
             _refusal(patient, ended_token)]
    # Only the echoed link differs: no name, no hint which case it was.
    assert len({page.replace(t, "") for page, t in
                zip(pages, [token, "no-such-link", ended_token], strict=True)}) == 1
    assert "Harriet" not in pages[0] and "Bessie" not in pages[2]
    assert "do not open a check-in" in pages[0]
    assert patient.get(f"/followup/{ended_token}/history").status_code == 303


def test_an_expired_link_no_longer_opens(app: Flask, client: FlaskClient) -> None:
    _, token = enrol(app, procedure_date=date.today() - timedelta(days=30), follow_days=28)
    page = _refusal(app.test_client(), token)
    assert "Quimby" not in page


def test_the_history_needs_the_year_first(app: Flask, client: FlaskClient) -> None:
    _, token = enrol(app, procedure_date=date.today() - timedelta(days=3))
    response = app.test_client().get(f"/followup/{token}/history")
    assert response.status_code == 303 and response.headers["Location"].endswith(token)


def test_guessing_years_is_rate_limited(app: Flask, client: FlaskClient) -> None:
    _, token = enrol(app, procedure_date=date.today() - timedelta(days=3))
    patient = app.test_client()
    codes = [patient.post(f"/followup/{token}", data={"year": str(1930 + i)}).status_code
             for i in range(6)]
    assert codes[:5] == [403] * 5 and codes[5] == 429
    # Even the right year waits until the minute is over.
    assert patient.post(f"/followup/{token}", data={"year": "1941"}).status_code == 429
