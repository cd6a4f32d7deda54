"""Signing in and out: accounts only, slow hashes, rate limits, idle timeout, safe cookies."""

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from checker.extensions import db
from checker.idle import LAST_SEEN
from checker.nurse import auth, models
from checker.nurse.models import Nurse
from tests.nurse.conftest import PASSWORD, add_nurse, sign_in

# Endpoints a signed-out visitor may open (single sign-on's answer 404 while it is not set up).
PUBLIC = {"nurse.login", "nurse.sso_login", "nurse.sso_callback", "nurse.sso_back_channel_logout"}


def test_it_redirects_every_nurse_page_to_sign_in_when_signed_out(app: Flask) -> None:
    client = app.test_client()
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/nurse")]
    assert len(rules) >= 9
    for rule in rules:
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code in (302, 401), (method, url)
            if response.status_code == 302:
                assert response.location.startswith("/nurse/login"), (method, url)


def test_it_signs_a_nurse_in_with_the_right_password(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    response = sign_in(client)
    assert response.status_code == 302
    assert response.location == "/nurse/"
    assert "Signed in as ann" in client.get("/nurse/").get_data(as_text=True)


def test_it_refuses_a_wrong_password_and_an_unknown_name_alike(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    wrong = sign_in(client, password="not the password")
    unknown = sign_in(client, username="nobody")
    assert wrong.status_code == unknown.status_code == 401
    assert "The username or password is wrong." in wrong.get_data(as_text=True)
    assert client.get("/nurse/").status_code == 302


def test_it_refuses_a_disabled_account(app: Flask) -> None:
    add_nurse(app, active=False)
    assert sign_in(app.test_client()).status_code == 401


def test_it_stores_passwords_as_a_slow_hash(app: Flask) -> None:
    add_nurse(app)
    with app.app_context():
        nurse = db.session.scalar(db.select(Nurse))
        assert nurse.password_hash.startswith("scrypt:")
        assert PASSWORD not in nurse.password_hash


def test_it_limits_sign_in_attempts(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    codes = [sign_in(client, password="wrong").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429


def test_it_ignores_a_next_address_on_another_site(app: Flask) -> None:
    add_nurse(app)
    response = app.test_client().post(
        "/nurse/login?next=https://evil.example/nurse/",
        data={"username": "ann", "password": PASSWORD},
    )
    assert response.location == "/nurse/"


@pytest.mark.parametrize("target", [
    "/nurse/%0d%0aX", "/nurse/%0aSet-Cookie:%20x=1", "/nurse/%09x", "/nurse/\\evil.example",
    "//evil.example/nurse/", "/other/", "javascript:alert(1)",
])
def test_it_sends_an_unsafe_next_address_to_the_console_home(app: Flask, target: str) -> None:
    add_nurse(app)
    response = app.test_client().post(
        f"/nurse/login?next={target}", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/nurse/"


@pytest.mark.parametrize(("username", "password", "active"), [
    ("ann", PASSWORD, True),  # the right password
    ("ann", "not the password", True),
    ("nobody", PASSWORD, True),  # an unknown account
    ("ann", PASSWORD, False),  # a disabled account
])
def test_it_checks_exactly_one_password_hash_on_every_sign_in(
    app: Flask, monkeypatch: pytest.MonkeyPatch, username: str, password: str, active: bool
) -> None:
    add_nurse(app, active=active)
    checked: list[str] = []
    real = auth.check_password_hash

    def spy(pwhash: str, given: str) -> bool:
        checked.append(pwhash)
        return real(pwhash, given)

    # Wherever the check is made: the sign-in view or the model's own method.
    monkeypatch.setattr(auth, "check_password_hash", spy)
    monkeypatch.setattr(models, "check_password_hash", spy)
    sign_in(app.test_client(), username, password)
    assert len(checked) == 1
    assert checked[0].startswith("scrypt:")


def test_it_returns_to_the_page_asked_for_after_sign_in(app: Flask) -> None:
    add_nurse(app)
    response = app.test_client().post(
        "/nurse/login?next=/nurse/encounters", data={"username": "ann", "password": PASSWORD})
    assert response.location == "/nurse/encounters"


def test_it_signs_a_nurse_out_after_the_idle_minutes(client: FlaskClient) -> None:
    assert client.get("/nurse/").status_code == 200
    with client.session_transaction() as session:
        session[LAST_SEEN] = time.time() - 16 * 60
    response = client.get("/nurse/")
    assert response.status_code == 302
    assert response.location.startswith("/nurse/login")
    assert client.get("/nurse/").status_code == 302


def test_it_keeps_a_nurse_signed_in_within_the_idle_minutes(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session[LAST_SEEN] = time.time() - 14 * 60
    assert client.get("/nurse/").status_code == 200


def test_it_signs_out(client: FlaskClient) -> None:
    response = client.post("/nurse/logout")
    assert response.location == "/nurse/login"
    assert client.get("/nurse/").status_code == 302


def test_it_sets_a_secure_httponly_lax_cookie_over_https(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    response = client.post("/nurse/login", base_url="https://localhost",
                           data={"username": "ann", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_it_sets_no_secure_flag_over_plain_http(app: Flask) -> None:
    add_nurse(app)
    cookie = sign_in(app.test_client()).headers["Set-Cookie"]
    assert "Secure" not in cookie
    assert "HttpOnly" in cookie


def test_it_has_no_sign_up_page(app: Flask) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert not [e for e in endpoints if "register" in e or "signup" in e or "sign_up" in e]
