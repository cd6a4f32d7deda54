"""The nurse prints the patient's handout from a saved call, in the patient's language."""

from __future__ import annotations

from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from tests.nurse.conftest import CALM_ANSWERS, call_data, new_call
from tests.protocol_data import fever_rule, temperature_words

FEVER = {k: v for k, v in CALM_ANSWERS.items() if k != "temperature_not_measured"}
FEVER.update(temperature_value="38.6", temperature_unit="C")


def save_fever(client: FlaskClient) -> int:
    """Save a call for a fever and return its id."""
    data = call_data(new_call(client), FEVER, advice_given=["ice", "bandage"])
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def test_the_handout_in_spanish_says_what_to_do_in_spanish(app: Flask, client: FlaskClient) -> None:
    encounter_id = save_fever(client)
    response = client.get(f"/nurse/encounters/{encounter_id}/handout?lang=es")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert '<html lang="es">' in page
    assert "Qué hacer" in page and "Llame a su médico ahora, a cualquier hora." in page
    assert "Mantenga la curita limpia y seca" in page  # advice the nurse gave
    threshold = temperature_words(fever_rule()[1], "es")
    assert f"Llame a su médico ahora, de día o de noche, si tiene fiebre de {threshold}" in page
    assert "todavía no la ha revisado un traductor clínico" in page
    assert "Call your doctor now" not in page
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert "handout" in actions


def test_the_handout_in_english_and_the_saved_call_links_both(client: FlaskClient) -> None:
    encounter_id = save_fever(client)
    page = unescape(
        client.get(f"/nurse/encounters/{encounter_id}/handout?lang=en").get_data(as_text=True)
    )
    assert '<html lang="en">' in page and "Call your doctor now, whatever the hour." in page
    assert "traductor" not in page
    saved = client.get(f"/nurse/encounters/{encounter_id}").get_data(as_text=True)
    assert f"/nurse/encounters/{encounter_id}/handout?lang=es" in saved
