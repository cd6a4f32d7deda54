"""Sessions end everywhere at sign-out, and a save after the idle timeout is kept, not lost."""

import re
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from checker.extensions import db
from checker.idle import LAST_SEEN
from checker.nurse.models import Encounter
from tests.nurse.conftest import PASSWORD, add_nurse, call_data, new_call, sign_in

IDLE = 16 * 60  # past the default 15 idle minutes


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of this client's session cookie."""
    name = app.config["SESSION_COOKIE_NAME"]
    other = app.test_client()
    other.set_cookie(name, client.get_cookie(name).value)
    return other


def saved_count(app: Flask) -> int:
    """How many encounters are saved."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Encounter))


def idle(client: FlaskClient) -> None:
    """Make the session look unused for longer than the idle minutes."""
    with client.session_transaction() as session:
        session[LAST_SEEN] = time.time() - IDLE


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(
    app: Flask, client: FlaskClient
) -> None:
    copy = copy_of(client, app)
    assert copy.get("/nurse/encounters").status_code == 200
    client.post("/nurse/logout")
    response = copy.get("/nurse/encounters")
    assert response.status_code == 302
    assert response.location.startswith("/nurse/login")
    assert copy.post("/nurse/call/assess", data={"fainted": "yes"}).status_code == 302


def test_signing_out_on_one_device_ends_the_session_on_another(app: Flask) -> None:
    add_nurse(app)
    desk, tablet = app.test_client(), app.test_client()
    assert sign_in(desk).status_code == sign_in(tablet).status_code == 302
    desk.post("/nurse/logout")
    assert tablet.get("/nurse/").status_code == 302
    assert sign_in(tablet).status_code == 302
    assert tablet.get("/nurse/").status_code == 200


def test_a_session_of_another_nurse_is_untouched_by_a_sign_out(app: Flask) -> None:
    add_nurse(app)
    add_nurse(app, "bea")
    ann, bea = app.test_client(), app.test_client()
    sign_in(ann)
    sign_in(bea, "bea")
    ann.post("/nurse/logout")
    assert bea.get("/nurse/").status_code == 200


def test_a_timed_out_save_answers_with_the_call_and_a_sign_in_block(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    idle(client)
    response = client.post("/nurse/call", data=call_data(token, notes="Asked about the stairs"))
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "You were signed out after a time without activity" in html
    assert 'name="sign_in-password"' in html and 'name="sign_in-username"' in html
    assert 'value="ann"' in html  # the username is filled in; the password never is
    assert 'value="Harriet Quimby"' in html and "Asked about the stairs" in html
    assert 'id="fainted-no" value="no" checked' in html
    assert token in html
    assert "Sign in and save the call" in html
    assert saved_count(app) == 0
    assert client.get("/nurse/").status_code == 302  # really signed out


def test_signing_in_from_the_block_saves_the_same_call_once(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    idle(client)
    assert client.post("/nurse/call", data=call_data(token)).status_code == 401
    again = call_data(token, **{"sign_in-username": "ann", "sign_in-password": PASSWORD})
    response = client.post("/nurse/call", data=again)
    assert response.status_code == 302
    assert response.location.startswith("/nurse/encounters/")
    assert client.post("/nurse/call", data=call_data(token)).location == response.location
    assert saved_count(app) == 1
    with app.app_context():
        [saved] = db.session.scalars(select(Encounter))
        assert saved.nurse.username == "ann"
        assert saved.patient_name == "Harriet Quimby"
    assert client.get("/nurse/").status_code == 200


def test_a_wrong_password_in_the_block_keeps_the_call_on_screen(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    idle(client)
    wrong = call_data(token, **{"sign_in-username": "ann", "sign_in-password": "wrong"})
    response = client.post("/nurse/call", data=wrong)
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "The username or password is wrong." in html
    assert 'value="Harriet Quimby"' in html and token in html
    assert saved_count(app) == 0


def test_a_disabled_nurse_cannot_sign_in_from_the_block(app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    app.test_cli_runner().invoke(args=["nurses", "disable", "ann"])
    again = call_data(token, **{"sign_in-username": "ann", "sign_in-password": PASSWORD})
    assert client.post("/nurse/call", data=again).status_code == 401
    assert saved_count(app) == 0


def test_the_block_shares_the_sign_in_limit_of_the_sign_in_page(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    idle(client)
    for _ in range(9):  # the fixture's own sign-in was the first of ten
        sign_in(app.test_client(), password="wrong")
    again = call_data(token, **{"sign_in-username": "ann", "sign_in-password": PASSWORD})
    response = client.post("/nurse/call", data=again)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert "Too many sign-in attempts" in html
    assert 'value="Harriet Quimby"' in html and token in html
    assert saved_count(app) == 0


def test_the_sign_in_page_counts_attempts_made_in_the_block(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    idle(client)
    wrong = call_data(token, **{"sign_in-username": "ann", "sign_in-password": "wrong"})
    for _ in range(9):  # the fixture's own sign-in was the first of ten
        assert client.post("/nurse/call", data=wrong).status_code == 401
    assert sign_in(app.test_client()).status_code == 429


def test_a_timed_out_save_puts_no_patient_data_in_the_session(client: FlaskClient) -> None:
    token = new_call(client)
    idle(client)
    client.post("/nurse/call", data=call_data(token, notes="Asked about the stairs"))
    with client.session_transaction() as session:
        kept = repr(dict(session))
    for typed in ("Harriet", "MRN-4471", "555 0100", "stairs", "1941"):
        assert typed not in kept


def form_token(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no form token"
    return match.group(1)


def test_the_timed_out_page_carries_a_form_token_that_the_sign_in_accepts(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # checked on every request, as in production
    add_nurse(app)
    client = app.test_client()
    login_page = client.get("/nurse/login").get_data(as_text=True)
    assert client.post("/nurse/login", data={
        "username": "ann", "password": PASSWORD, "csrf_token": form_token(login_page),
    }).status_code == 302
    page = client.get("/nurse/call").get_data(as_text=True)
    call = re.search(r'name="call" type="hidden" value="([^"]+)"', page).group(1)
    idle(client)
    timed_out = client.post("/nurse/call", data=call_data(call, csrf_token=form_token(page)))
    assert timed_out.status_code == 401
    fresh = form_token(timed_out.get_data(as_text=True))
    again = call_data(call, csrf_token=fresh,
                      **{"sign_in-username": "ann", "sign_in-password": PASSWORD})
    assert client.post("/nurse/call", data=again).status_code == 302
    assert saved_count(app) == 1
