"""A database outage: the console keeps working, saving answers 503, nothing leaves the screen."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import OperationalError

from checker.extensions import db
from checker.nurse.models import Encounter
from tests.nurse.conftest import CALM_ANSWERS, call_data, new_call, sign_in


@pytest.fixture
def outage(app: Flask, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the app at a database file that cannot be opened, as if the server were down."""
    broken = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    with app.app_context():
        monkeypatch.setitem(db.engines, None, broken)
    yield
    broken.dispose()


def test_it_keeps_assessing_while_the_database_is_down(client: FlaskClient, outage: None) -> None:
    token = new_call(client)
    html = client.post("/nurse/call", data={"call": token, "action": "update",
                                           "bladder_bowel": "yes"}).get_data(as_text=True)
    assert "<strong>EMERGENCY</strong>" in html
    assert client.post("/nurse/call/assess", data={"call": token}).status_code == 200


def test_it_answers_503_with_the_note_on_screen_when_saving_fails(
    app: Flask, client: FlaskClient, outage: None
) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS, new_back_pain="yes")
    response = client.post("/nurse/call", data=call_data(
        token, answers, notes="Asked about the stairs", advice_given=["ice"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "the record system is unavailable" in html
    assert 'readonly' in html and "DISPOSITION: CALL DOCTOR TODAY" in html
    assert "Asked about the stairs" in html
    assert "call <a href=\"tel:911\">911</a>" in html
    assert 'value="Harriet Quimby"' in html  # the form keeps every answer for a later retry
    assert token in html


def test_it_saves_the_same_call_once_the_database_is_back(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = new_call(client)

    def broken() -> None:
        raise OperationalError("COMMIT", {}, Exception("connection refused"))

    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", broken)
        assert client.post("/nurse/call", data=call_data(token)).status_code == 503
    assert client.post("/nurse/call", data=call_data(token)).status_code == 302
    assert client.post("/nurse/call", data=call_data(token)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Encounter)) == 1


def test_it_answers_503_to_a_sign_in_while_the_database_is_down(
    app: Flask, outage: None
) -> None:
    response = sign_in(app.test_client())
    assert response.status_code == 503
    assert "record system is unavailable" in response.get_data(as_text=True)
