"""Typed text is stored in Unicode's composed form, found either way, and never reordered."""

import unicodedata

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from checker.extensions import db
from checker.nurse.models import Encounter
from tests.nurse.conftest import call_data, new_call

COMPOSED = "José Martí"
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)


def save(client: FlaskClient, **fields: str) -> int:
    """Save a calm call with these caller's details and return its id."""
    response = client.post("/nurse/call", data=call_data(new_call(client), **fields))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def stored_names(app: Flask) -> list[str]:
    """Every saved call's patient name, as stored."""
    with app.app_context():
        return list(db.session.scalars(select(Encounter.patient_name).order_by(Encounter.id)))


def find(client: FlaskClient, name: str) -> str:
    """The page of calls whose name holds these words."""
    response = client.post("/nurse/encounters/search", data={"name": name})
    assert response.status_code == 200
    return unicodedata.normalize("NFC", response.get_data(as_text=True))


def test_a_name_typed_decomposed_is_stored_composed(app: Flask, client: FlaskClient) -> None:
    assert DECOMPOSED != COMPOSED
    save(client, patient_name=DECOMPOSED, notes=f"Spoke with {DECOMPOSED}.")
    assert stored_names(app) == [COMPOSED]
    with app.app_context():
        notes = db.session.scalar(select(Encounter.notes))
    assert notes == f"Spoke with {COMPOSED}."


@pytest.mark.parametrize("typed", [COMPOSED, DECOMPOSED])
def test_a_search_finds_a_name_whichever_way_either_was_typed(
    app: Flask, client: FlaskClient, typed: str
) -> None:
    save(client, patient_name=COMPOSED)
    assert "José Martí" in find(client, typed.split()[0])


def test_a_name_stored_decomposed_before_is_found_by_a_composed_search(
    app: Flask, client: FlaskClient
) -> None:
    save(client, patient_name="Placeholder Name")
    with app.app_context():
        # As a call saved before input was composed holds it (past the append-only triggers).
        db.session.execute(text("CREATE TEMP TABLE kept AS SELECT * FROM encounter"))
        db.session.execute(text("UPDATE kept SET id = id + 1000, patient_name = :name, "
                                "submit_token = submit_token || '-old'"),
                           {"name": DECOMPOSED})
        db.session.execute(text("INSERT INTO encounter SELECT * FROM kept"))
        db.session.commit()
    page = find(client, "José")
    assert "José Martí" in page and "Placeholder Name" not in page


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u200f"])
def test_a_direction_control_in_a_name_is_refused_naming_the_field(
    app: Flask, client: FlaskClient, control: str
) -> None:
    response = client.post("/nurse/call", data=call_data(
        new_call(client), patient_name=f"Harriet {control}ybmiuQ"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "changes the direction of the text (character 9)" in html
    assert stored_names(app) == []


def test_a_direction_control_in_the_notes_is_refused(app: Flask, client: FlaskClient) -> None:
    response = client.post("/nurse/call", data=call_data(
        new_call(client), notes="Called back \u202eyadot"))
    assert "changes the direction of the text" in response.get_data(as_text=True)
    assert stored_names(app) == []
