"""Enrolment; the patient's code page asks for the code and year of birth and gives nothing away."""

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup.models import Enrolment, EnrolmentEnd, new_code, token_hash
from tests.followup.conftest import enrol, open_followup

# The sheet's code as printed: ten characters of Crockford's base32 in groups of 4, 4 and 2.
SHOWN_CODE = re.compile(r"\b([0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2})\b")


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


def code_on(sheet: str) -> str:
    """The code a sheet shows, as printed."""
    match = SHOWN_CODE.search(sheet)
    assert match, "the sheet shows no code"
    return match.group(1)


def enrol_through_form(client: FlaskClient, **overrides: str) -> str:
    """Enrol through the console and return the code its sheet shows."""
    response = client.post("/nurse/followup/enrol", data=enrolment_form(**overrides))
    assert response.status_code == 200
    return code_on(response.get_data(as_text=True))


def test_enrolling_shows_the_sheet_with_the_address_the_code_a_qr_code_and_the_numbers(
    app: Flask, client: FlaskClient
) -> None:
    app.config.update(CLINIC_PHONE="555 0199", AFTER_HOURS_PHONE="555 0177")
    html = client.post("/nurse/followup/enrol", data=enrolment_form()).get_data(as_text=True)
    code = code_on(html)
    assert "<svg" in html and "QR code of the check-in page" in html
    assert "http://localhost/followup</strong>" in html
    assert "555 0199" in html and "555 0177" in html and "call 911" in html
    with app.app_context():
        stored = db.session.scalars(select(Enrolment)).one()
        assert stored.token_hash == token_hash(code.replace("-", ""))
        assert stored.consent_note == "Agreed in person at discharge."
        assert stored.follow_days == 28
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions == ["followup-enrol", "followup-sheet"]


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


def test_the_sheet_is_shown_once_and_sending_its_form_again_enrols_nobody_twice(
    app: Flask, client: FlaskClient
) -> None:
    page = client.get("/nurse/followup/enrol").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page)
    assert key, "the enrolment form carries no key of its own"
    form = enrolment_form(form_key=key.group(1))
    code = code_on(client.post("/nurse/followup/enrol", data=form).get_data(as_text=True))
    again = client.post("/nurse/followup/enrol", data=form)  # reload or Back: the form again
    with app.app_context():
        enrolment_id = db.session.scalars(select(Enrolment.id)).one()
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/nurse/followup/patients/{enrolment_id}")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "its sheet was shown once" in page and code not in page
    assert "Issue a new code and print its sheet" in page
    # There is no address to show a sheet again.
    assert client.get(f"/nurse/followup/sheet?enrolment={enrolment_id}").status_code == 404


def test_the_right_code_and_year_open_the_patients_own_page(
    app: Flask, client: FlaskClient
) -> None:
    code = enrol_through_form(client)
    patient = app.test_client()
    page = patient.get("/followup").get_data(as_text=True)
    assert "The code on your sheet" in page and "Your year of birth" in page
    assert 'src="/static/followup.js"' in page
    response = open_followup(patient, code)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/followup/history")
    page = patient.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your check-ins" in page and "call 911" in page
    assert 'href="/followup/checkin' in page and code not in page


def test_the_code_is_read_in_any_case_with_or_without_dashes_and_spaces(
    app: Flask, client: FlaskClient
) -> None:
    code = enrol_through_form(client).replace("-", "")
    # Crockford's reading: O is zero, I and L are one.
    typed = code.lower().replace("0", "o").replace("1", "l")
    spaced = f" {typed[:3]} {typed[3:7]}-{typed[7:]} "
    assert open_followup(app.test_client(), spaced).status_code == 303


def test_a_code_that_cannot_be_one_asks_again_without_opening_anything(
    app: Flask, client: FlaskClient
) -> None:
    response = open_followup(app.test_client(), "K7QM-2XRD")
    assert response.status_code == 400
    assert "The code on your sheet: Type the code on your sheet" in response.get_data(True)


def _refusal(client: FlaskClient, code: str, year: str = "1941") -> str:
    """Post a code and year and return the page, which must refuse."""
    response = open_followup(client, code, year)
    assert response.status_code == 403
    return response.get_data(as_text=True)


def test_a_wrong_year_an_unknown_code_and_an_ended_follow_up_look_the_same(
    app: Flask, client: FlaskClient
) -> None:
    code = enrol_through_form(client)
    ended_id, ended_code = enrol(app, patient_name="Bessie Coleman")
    with app.app_context():
        db.session.add(EnrolmentEnd(enrolment_id=ended_id, nurse_id=1, nurse_name="ann",
                                    reason="Readmitted."))
        db.session.commit()
    unknown = new_code()
    patient = app.test_client()
    pages = [_refusal(patient, code, "1942"), _refusal(patient, unknown),
             _refusal(patient, ended_code)]
    # Only the echoed code differs: no name, no hint which case it was.
    assert len({page.replace(typed, "") for page, typed in
                zip(pages, [code, unknown, ended_code], strict=True)}) == 1
    assert "Harriet" not in pages[0] and "Bessie" not in pages[2]
    assert "do not open a check-in" in pages[0]
    assert patient.get("/followup/history").status_code == 303


def test_an_expired_follow_up_no_longer_opens(app: Flask, client: FlaskClient) -> None:
    _, code = enrol(app, procedure_date=date.today() - timedelta(days=30), follow_days=28)
    page = _refusal(app.test_client(), code)
    assert "Quimby" not in page


def test_the_history_needs_the_code_and_year_first(app: Flask, client: FlaskClient) -> None:
    enrol(app, procedure_date=date.today() - timedelta(days=3))
    response = app.test_client().get("/followup/history")
    assert response.status_code == 303 and response.headers["Location"].endswith("/followup")


def test_the_language_button_on_the_code_page_keeps_the_code_and_counts_nothing(
    app: Flask, client: FlaskClient
) -> None:
    response = app.test_client().post("/followup", data={
        "code": "k7qm-2xrd-9f", "year": "", "switch_lang": "es", "lang": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="es">' in html and 'value="k7qm-2xrd-9f"' in html
    assert "error-summary" not in html
