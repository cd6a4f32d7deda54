"""Dates written the patient's language's way, and the clinic's name in that language."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from checker.extensions import db
from checker.followup.checkin import clinic_today
from checker.followup.models import Enrolment
from checker.followup.reminders import wording
from tests.checker.check_pages import page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse
from tests.nurse.test_handout import save_fever

# "lunes, 7 de diciembre de 2026": a Spanish weekday and month, in words.
SPANISH_DATE = re.compile(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de "
                          r"(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
                          r"octubre|noviembre|diciembre) de \d{4}")
NAMES = {"CLINIC_NAME": "Spine Clinic", "CLINIC_NAME_ES": "Clínica de la Columna",
         "CLINIC_PHONE": "555 0100"}


def _opened(app: Flask, language: str) -> tuple[FlaskClient, str]:
    """A patient enrolled two days after the procedure, their link opened with the year."""
    add_nurse(app)
    _, token = enrol(app, language=language, procedure_date=date.today() - timedelta(days=2))
    patient = app.test_client()
    assert open_followup(patient, token, "1941").status_code == 303
    return patient, token


def _today(app: Flask) -> date:
    with app.app_context():
        return clinic_today()


def test_the_check_in_result_and_history_give_the_date_in_long_spanish(app: Flask) -> None:
    patient, token = _opened(app, "es")
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin?lang=es")
    result = press(patient, review, action="submit")
    long_date = format_date(_today(app), "full", locale="es")
    assert SPANISH_DATE.fullmatch(long_date)
    assert f"Su control está guardado {long_date}" in result.text
    history = page_of(patient.get("/followup/history?lang=es"))
    assert long_date in history.text
    assert not re.search(r"\b\d{1,2} [a-z]{3}\.? \d{4}\b", history.text)  # no "7 dic 2026"


def test_the_history_in_english_gives_the_date_in_long_english(app: Flask) -> None:
    patient, token = _opened(app, "en")
    review, _ = walk(patient, form_answers("self_care"), path="/followup/checkin")
    press(patient, review, action="submit")
    history = page_of(patient.get("/followup/history"))
    assert format_date(_today(app), "full", locale="en") in history.text


@pytest.mark.parametrize(("language", "subject", "clinic"), [
    ("es", "Es hora del control de su recuperación del lunes, 7 de diciembre de 2026",
     "Para comunicarse con Clínica de la Columna, llame al: 555 0100"),
    ("en", "Time for your recovery check-in of Monday, December 7, 2026",
     "To reach Spine Clinic, call: 555 0100"),
])
def test_the_reminder_gives_the_date_and_the_clinics_name_in_the_patients_language(
    app: Flask, language: str, subject: str, clinic: str,
) -> None:
    add_nurse(app)
    enrolment_id, _ = enrol(app, language=language, email="p@example.org")
    app.config.update(NAMES)
    with app.app_context():
        said, text = wording(db.session.get(Enrolment, enrolment_id), date(2026, 12, 7))
    assert said == subject
    assert clinic in text


def test_the_reminder_names_the_clinic_by_clinic_name_when_no_name_in_the_language(
    app: Flask,
) -> None:
    add_nurse(app)
    enrolment_id, _ = enrol(app, language="es", email="p@example.org")
    app.config.update(CLINIC_NAME="Spine Clinic", CLINIC_PHONE="555 0100")
    with app.app_context():
        _, text = wording(db.session.get(Enrolment, enrolment_id), date(2026, 12, 7))
    assert "Para comunicarse con Spine Clinic, llame al: 555 0100" in text


def test_follow_up_pages_name_the_clinic_in_the_patients_language(app: Flask) -> None:
    app.config.update(NAMES)
    patient, token = _opened(app, "es")
    review, seen = walk(patient, form_answers("call_doctor_today"),
                        path="/followup/checkin?lang=es")
    result = press(patient, review, action="submit")
    for page in [*seen, result]:
        assert "Clínica de la Columna" in page.text and "Spine Clinic" not in page.text
    assert "Llame a Clínica de la Columna 555 0100" in result.text  # the call button


def test_the_handout_names_the_clinic_in_the_language_it_is_printed_in(
    app: Flask, client: FlaskClient,
) -> None:
    app.config.update(NAMES)
    encounter_id = save_fever(client)
    spanish = unescape(client.get(f"/nurse/encounters/{encounter_id}/handout?lang=es")
                       .get_data(as_text=True))
    english = unescape(client.get(f"/nurse/encounters/{encounter_id}/handout?lang=en")
                       .get_data(as_text=True))
    assert "Clínica de la Columna" in spanish and "Spine Clinic" not in spanish
    assert "Spine Clinic" in english and "Clínica de la Columna" not in english
