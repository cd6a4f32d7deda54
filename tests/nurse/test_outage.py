"""A database outage: the console keeps working, saving answers 503, nothing leaves the screen."""

import logging
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, func, make_url, select
from sqlalchemy.exc import OperationalError
from werkzeug.routing import Rule

from checker.database import engine_options
from checker.extensions import db
from checker.nurse.models import Encounter
from rules import load_protocol
from rules.shortcode import encode
from tests.checker.samples import CALM_ANSWERS as CALM_API_ANSWERS
from tests.checker.samples import CALM_FORM as SELF_CHECK_FORM
from tests.nurse.conftest import CALM_ANSWERS, PASSWORD, call_data, new_call, sign_in
from tests.protocol_data import mildest


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


# What each route answers while the database is down, for a signed-in administrator. Every
# route of the app must be listed, so a new route cannot escape this test.
WITHOUT_DATABASE = {
    ("static", "GET"): 200,
    ("public.check", "GET"): 200,
    ("public.check", "POST"): 200,
    ("api.create_assessment", "POST"): 200,
    ("api.openapi", "GET"): 200,
    ("api.fhir_questionnaire", "GET"): 200,
    ("nurse.login", "GET"): 302,  # already signed in: on to the console
    ("nurse.login", "POST"): 302,
    ("nurse.home", "GET"): 200,
    ("nurse.console", "GET"): 200,
    ("nurse.assess_call", "POST"): 200,
    ("nurse.save_call", "POST"): 503,
    ("nurse.search", "POST"): 503,  # the matching calls are read at once
    ("nurse.encounters", "GET"): 503,
    ("nurse.encounter", "GET"): 503,
    ("nurse.note", "GET"): 503,
    ("nurse.print_view", "GET"): 503,
    ("nurse.handout", "GET"): 503,
    ("nurse.add_addendum", "POST"): 503,
    ("nurse.audit", "GET"): 503,
    ("nurse.reports", "GET"): 503,
    ("nurse.reports_csv", "GET"): 503,
    ("followup.enrol", "GET"): 200,
    ("followup.enrol", "POST"): 503,
    ("followup.new_code_sheet", "POST"): 503,
    ("followup_patient.open_link", "GET"): 200,  # the year is asked before anything is read
    ("followup_patient.confirm_year", "POST"): 503,
    # Not opened in this browser: sent to the code page (a check-in's answers kept), no reading.
    ("followup_patient.history", "GET"): 303,
    ("followup_patient.checkin", "GET"): 303,
    ("followup_patient.checkin", "POST"): 401,
    ("followup.worklist_page", "GET"): 503,
    ("followup.patient", "GET"): 503,
    ("followup.review", "POST"): 503,
    ("followup.end", "POST"): 503,
    ("nurse.console_from_code", "POST"): 200,  # the code holds the answers: nothing is read
    # Signed in already: no sign-in step to take; the account's factor is read, so 503.
    ("nurse.second_factor_step", "GET"): 302,
    ("nurse.second_factor_step", "POST"): 302,
    ("nurse.second_factor", "GET"): 503,
    ("nurse.second_factor_enrol", "POST"): 503,
    ("nurse.second_factor_remove", "POST"): 503,
    ("nurse.second_factor_recovery_codes", "POST"): 503,
    ("nurse.passkey_options", "POST"): 503,
    ("nurse.passkey_add", "POST"): 503,
    ("nurse.passkey_remove", "POST"): 503,
    ("nurse.passkey_sign_in_options", "POST"): 401,  # no sign-in in progress to read
    ("nurse.passkey_sign_in", "POST"): 302,
    # Single sign-on is not set up in this app (tests/sso tests it with a provider).
    ("nurse.sso_login", "GET"): 404,
    ("nurse.sso_callback", "GET"): 404,
    ("nurse.sso_back_channel_logout", "POST"): 404,
    ("nurse.logout", "POST"): 302,  # last: it ends the session the others need
}
# The form each POST route is sent, so it gets as far as the database.
POSTED = {
    "public.check": dict(SELF_CHECK_FORM),
    "nurse.login": {"username": "ada", "password": PASSWORD},
    "nurse.add_addendum": {"text": "Rang back: pain settled"},
    "nurse.search": {"name": "Quimby"},
    "followup.enrol": {
        "patient_name": "Harriet Quimby", "date_of_birth": "1941-05-11",
        "record_number": "MRN-4471", "procedure_type": "kyphoplasty",
        "procedure_date": date.today().isoformat(), "phone": "555 0100", "language": "en",
        "follow_days": "28", "consent": "y", "consent_note": "Agreed in person.",
    },
    "followup_patient.confirm_year": {"code": "K7QM-2XRD-9F", "year": "1941"},
    "followup.review": {"note": "Called the patient."},
    "followup.end": {"reason": "Readmitted."},
    "nurse.console_from_code": {"code": encode(load_protocol(), mildest())},
}


def cut_off(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Point the app at a server of its own kind where nothing listens: a real driver error."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            url = db.engine.url.set(host="127.0.0.1", port=1, query={"connect_timeout": "3"})
        else:
            url = make_url("sqlite:////nonexistent-folder/for/the/outage/test.db")
        broken = create_engine(url, **engine_options(None))
        monkeypatch.setitem(db.engines, None, broken)
    return broken


@pytest.fixture
def unreachable(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The database is down for the whole test."""
    broken = cut_off(app, monkeypatch)
    yield
    broken.dispose()


def _url(rule: Rule) -> str:
    """A concrete address for a rule: encounter 1, the stylesheet, a report's CSV file."""
    values: dict[str, object] = {name: 1 for name in rule.arguments}
    if rule.endpoint == "static":
        values = {"filename": "site.css"}
    if rule.endpoint == "nurse.reports_csv":
        values = {"name": "calls-per-day"}
    return rule.build(values, append_unknown=False)[1]


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """Every route and method of the app as (endpoint, method, address), sign-out last."""
    routes = [
        (rule.endpoint, method, _url(rule))
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(routes, key=lambda route: route[0] == "nurse.logout")


def test_every_route_answers_without_a_server_error_while_the_database_is_down(
    app: Flask, admin: FlaskClient, unreachable: None
) -> None:
    routes = _routes(app)
    assert {(endpoint, method) for endpoint, method, _ in routes} == set(WITHOUT_DATABASE)
    answered = {}
    for endpoint, method, url in routes:
        if endpoint == "api.create_assessment":
            response = admin.post(url, json=CALM_API_ANSWERS)
        elif endpoint == "nurse.save_call" or endpoint == "nurse.assess_call":
            response = admin.post(url, data=call_data(new_call(admin)))
        else:
            response = admin.open(url, method=method, data=POSTED.get(endpoint))
        response.close()  # the stylesheet is streamed from an open file
        answered[endpoint, method] = response.status_code
        if response.status_code == 503:
            html = response.get_data(as_text=True)
            assert "record system is unavailable" in html, endpoint
            assert 'href="tel:911"' in html and "discharge papers" in html, endpoint
            assert int(response.headers["Retry-After"]) > 0, endpoint
    assert answered == WITHOUT_DATABASE


def test_a_typed_addendum_is_not_logged_when_the_database_is_down(
    admin: FlaskClient, unreachable: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = admin.post("/nurse/encounters/1/addenda", data={"text": "Zq-addendum-marker"})
    assert response.status_code == 503
    assert caplog.records, "the outage should be logged"
    formatter = logging.Formatter()
    assert not [r for r in caplog.records if "Zq-addendum-marker" in formatter.format(r)]


def copy_session(source: FlaskClient, app: Flask) -> FlaskClient:
    """A second browser holding a copy of this client's session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    copy = app.test_client()
    copy.set_cookie(name, source.get_cookie(name).value)
    return copy


def break_database(app: Flask, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this app at a database file that cannot be opened, from now on."""
    broken = create_engine(f"sqlite:///{tmp_path}/missing/folder/db.sqlite")
    with app.app_context():
        monkeypatch.setitem(db.engines, None, broken)


def test_a_session_ended_before_an_outage_stays_ended_through_it(
    app: Flask, client: FlaskClient, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    stolen = copy_session(client, app)
    assert stolen.get("/nurse/").status_code == 200
    assert client.post("/nurse/logout").status_code == 302
    break_database(app, tmp_path, monkeypatch)

    response = stolen.get("/nurse/")
    assert response.status_code == 302 and response.location.startswith("/nurse/login")


def test_a_current_session_keeps_the_console_through_an_outage_and_a_stale_copy_does_not(
    app: Flask, client: FlaskClient, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    stolen = copy_session(client, app)
    assert client.post("/nurse/logout").status_code == 302
    again = app.test_client()
    assert sign_in(again).status_code == 302
    assert again.get("/nurse/").status_code == 200  # read from the database: now vouched for
    break_database(app, tmp_path, monkeypatch)

    assert again.get("/nurse/").status_code == 200
    assert stolen.get("/nurse/").status_code == 302


def test_a_disabled_account_is_refused_through_an_outage(
    app: Flask, client: FlaskClient, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/nurse/").status_code == 200
    result = app.test_cli_runner().invoke(args=["nurses", "disable", "ann"])
    assert result.exit_code == 0, result.output
    break_database(app, tmp_path, monkeypatch)

    response = client.get("/nurse/")
    assert response.status_code == 302 and response.location.startswith("/nurse/login")
