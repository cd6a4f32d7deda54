"""Every error page and outage message says how to reach help: the emergency line and the doctor."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from werkzeug.test import TestResponse

from checker.database import engine_options
from checker.extensions import db
from tests.nurse.conftest import call_data, new_call, sign_in


def _database_down(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the app at a database file that cannot be opened."""
    broken = create_engine("sqlite:////nonexistent-folder/db.sqlite", **engine_options(None))
    with app.app_context():
        monkeypatch.setitem(db.engines, None, broken)


def _form_token_missing(app: Flask, client: FlaskClient, _: pytest.MonkeyPatch) -> TestResponse:
    app.config["WTF_CSRF_ENABLED"] = True
    return client.post("/nurse/login", data={"username": "ann", "password": "x" * 12})


def _not_an_administrator(app: Flask, client: FlaskClient, _: pytest.MonkeyPatch) -> TestResponse:
    return client.get("/nurse/audit")


def _no_such_call(app: Flask, client: FlaskClient, _: pytest.MonkeyPatch) -> TestResponse:
    return client.get("/nurse/encounters/999999")


def _wrong_method(app: Flask, client: FlaskClient, _: pytest.MonkeyPatch) -> TestResponse:
    return client.delete("/nurse/call")


def _too_large(app: Flask, client: FlaskClient, _: pytest.MonkeyPatch) -> TestResponse:
    return client.post("/", data={"temperature": "9" * (70 * 1024)})


def _too_many_sign_ins(app: Flask, _: FlaskClient, __: pytest.MonkeyPatch) -> TestResponse:
    stranger = app.test_client()
    for _attempt in range(10):
        sign_in(stranger, password="not the password at all")
    return sign_in(stranger, password="not the password at all")


def _a_bug(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> TestResponse:
    def broken() -> str:
        """Fail as a bug would."""
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setitem(app.view_functions, "nurse.home", broken)
    return client.get("/nurse/")


def _records_down(app: Flask, client: FlaskClient, patch: pytest.MonkeyPatch) -> TestResponse:
    _database_down(app, patch)
    return client.get("/nurse/encounters")


def _saving_down(app: Flask, client: FlaskClient, patch: pytest.MonkeyPatch) -> TestResponse:
    token = new_call(client)
    _database_down(app, patch)
    return client.post("/nurse/call", data=call_data(token))


def _sign_in_down(app: Flask, _: FlaskClient, patch: pytest.MonkeyPatch) -> TestResponse:
    _database_down(app, patch)
    return sign_in(app.test_client())


Trigger = Callable[[Flask, FlaskClient, pytest.MonkeyPatch], TestResponse]
# Every error a reader can meet, each caused the real way, with the status it must keep.
ERRORS: list[tuple[int, Trigger]] = [
    (400, _form_token_missing),
    (403, _not_an_administrator),
    (404, _no_such_call),
    (405, _wrong_method),
    (413, _too_large),
    (429, _too_many_sign_ins),
    (500, _a_bug),
    (503, _records_down),
    (503, _saving_down),
    (503, _sign_in_down),
]
# Two clinics: one with the defaults, one with its own numbers.
CONTACTS = [
    ({"EMERGENCY_NUMBER": "911", "CLINIC_PHONE": ""},
     ['href="tel:911"', "the number on your discharge papers"]),
    ({"EMERGENCY_NUMBER": "999", "CLINIC_PHONE": "555-0100"},
     ['href="tel:999"', 'href="tel:5550100"']),
]


@pytest.mark.parametrize(("status", "trigger"), ERRORS, ids=lambda value: getattr(
    value, "__name__", str(value)).strip("_"))
@pytest.mark.parametrize(("contacts", "expected"), CONTACTS, ids=["defaults", "clinic"])
def test_every_error_page_names_the_emergency_line_and_how_to_reach_the_doctor(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, status: int,
    trigger: Trigger, contacts: dict[str, str], expected: list[str],
) -> None:
    app.config.update(contacts)
    response = trigger(app, client, monkeypatch)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert f"In an emergency, call <a {expected[0]}>" in html
    for contact in expected:
        assert contact in html
