"""A Spanish-speaking patient's follow-up pages hold no English word but names and numbers."""

from datetime import date, timedelta

import pytest
from flask import Flask

from tests.checker.check_pages import page_of, press, walk
from tests.checker.samples import form_answers
from tests.checker.test_spanish_pages import SPANISH, assert_spanish
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse


@pytest.mark.parametrize("hours", ["", "Mon-Sun 00:00-23:59"])
def test_every_follow_up_page_a_patient_meets_is_in_spanish(app: Flask, hours: str) -> None:
    add_nurse(app)
    app.config.update(MONITORING_HOURS=hours, AFTER_HOURS_PHONE="555-0199")
    _, token = enrol(app, language="es", procedure_date=date.today() - timedelta(days=2))
    patient = app.test_client()
    patient.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    assert_spanish("year", patient.get("/followup").get_data(as_text=True))
    refused = open_followup(patient, token, "1950")
    assert refused.status_code == 403
    assert_spanish("wrong year", refused.get_data(as_text=True))
    assert_spanish("no year", open_followup(patient, token, "")
                   .get_data(as_text=True))
    opened = open_followup(patient, token, "1941")
    assert opened.status_code == 303
    assert_spanish("history", patient.get(opened.headers["Location"]).get_data(as_text=True))
    for disposition in ("self_care", "call_doctor_now"):
        review, seen = walk(patient, form_answers(disposition), path="/followup/checkin")
        for page in seen:
            assert_spanish(f"check-in step {page.step}", page.html)
        result = press(patient, review, action="submit")
        assert "Su control está guardado" in result.text
        assert_spanish(f"check-in result {disposition}", result.html)
    history = page_of(patient.get("/followup/history"))
    assert_spanish("history with check-ins", history.html)
