"""Passkeys as a second factor: adding them, signing in with them, counts, challenges, removal."""

import json
import logging
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db, limiter
from checker.nurse import passkeys, second_factor
from checker.nurse.models import SecondFactor, SecondFactorUse
from tests.nurse.authenticator import SoftPasskey
from tests.nurse.conftest import PASSWORD, add_nurse, sign_in
from tests.nurse.test_second_factor import (
    T0,
    actions,
    login,
    sealed_of,
    secret_of,
    signed_in,
)

STEP = "/nurse/login/second-factor"
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """TOTP codes checked at a fixed moment, as in the second factor's own tests."""
    monkeypatch.setattr(second_factor, "now", lambda: T0)


def options(client: FlaskClient, url: str) -> dict[str, Any]:
    """The options of a ceremony, as the page's script asks for them."""
    response = client.post(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/json"
    answer: dict[str, Any] = response.get_json()
    return answer


def add_passkey(client: FlaskClient, passkey: SoftPasskey, name: str = "Desk computer") -> Any:
    """Add the passkey from the account page, as its script does."""
    made = passkey.create(options(client, "/nurse/account/second-factor/passkeys/options"))
    return client.post("/nurse/account/second-factor/passkeys",
                       data={"name": name, "credential": made})


def use_passkey(client: FlaskClient, passkey: SoftPasskey) -> int:
    """Answer the code step with the passkey; the status."""
    answer = passkey.get(options(client, "/nurse/login/passkey/options"))
    return client.post("/nurse/login/passkey", data={"credential": answer}).status_code


def stored_passkeys(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(select(SecondFactor).where(SecondFactor.kind == "passkey"))
        return [json.loads(row.secret) for row in rows]


@pytest.fixture
def passkey(app: Flask) -> SoftPasskey:
    """The nurse ann with one passkey added, signed out."""
    add_nurse(app)
    client = app.test_client()
    login(client)
    key = SoftPasskey()
    response = add_passkey(client, key)
    assert response.status_code == 200  # the recovery codes, shown once
    client.post("/nurse/logout")
    return key


def test_a_passkey_is_added_with_its_name_and_brings_recovery_codes(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    login(client)
    asked = options(client, "/nurse/account/second-factor/passkeys/options")
    assert asked["rp"]["id"] == "localhost" and asked["user"]["name"] == "ann"
    assert asked["authenticatorSelection"]["residentKey"] == "preferred"
    key = SoftPasskey()
    response = client.post("/nurse/account/second-factor/passkeys",
                           data={"name": "Desk computer", "credential": key.create(asked)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).count("<li><code>") == 10
    [kept] = stored_passkeys(app)
    assert kept["name"] == "Desk computer" and kept["id"] == key.id
    assert kept["transports"] == ["internal"] and kept["public_key"]
    assert "passkey_enrol" in actions(app)
    page = client.get("/nurse/account/second-factor").get_data(as_text=True)
    assert "Desk computer (added" in page and "Recovery codes left: 10 of 10" in page


def test_a_second_passkey_keeps_the_recovery_codes_and_the_first_is_excluded(
        app: Flask, passkey: SoftPasskey) -> None:
    client = app.test_client()
    login(client)
    assert use_passkey(client, passkey) == 302
    asked = options(client, "/nurse/account/second-factor/passkeys/options")
    assert [c["id"] for c in asked["excludeCredentials"]] == [passkey.id]
    second = SoftPasskey()
    response = client.post("/nurse/account/second-factor/passkeys",
                           data={"name": "Blue key", "credential": second.create(asked)})
    assert response.status_code == 302  # no new recovery codes: the set stays
    assert [p["name"] for p in stored_passkeys(app)] == ["Desk computer", "Blue key"]
    client.post("/nurse/logout")
    login(client)
    assert use_passkey(client, second) == 302
    assert signed_in(client)


def test_a_nurse_with_a_passkey_signs_in_with_the_password_then_the_passkey(
        app: Flask, passkey: SoftPasskey) -> None:
    client = app.test_client()
    assert login(client).location == STEP
    assert not signed_in(client)
    page = client.get(STEP).get_data(as_text=True)
    assert "Sign in with your passkey" in page and "passkeys.js" in page
    asked = options(client, "/nurse/login/passkey/options")
    assert [c["id"] for c in asked["allowCredentials"]] == [passkey.id]
    assert client.post("/nurse/login/passkey",
                       data={"credential": passkey.get(asked)}).location == "/nurse/"
    assert signed_in(client)
    assert actions(app)[-1] == "passkey_used"
    with app.app_context():
        assert db.session.scalars(select(SecondFactorUse.step)).all()[-1] == 2


def test_a_challenge_serves_once(app: Flask, passkey: SoftPasskey) -> None:
    client = app.test_client()
    login(client)
    asked = options(client, "/nurse/login/passkey/options")
    answer = passkey.get(asked)
    # Asking again replaces the challenge: an answer to the first one is refused.
    newer = options(client, "/nurse/login/passkey/options")
    assert client.post("/nurse/login/passkey", data={"credential": answer}).status_code == 401
    # The newer one was taken out by that try as well, right or wrong.
    assert client.post("/nurse/login/passkey",
                       data={"credential": passkey.get(newer)}).status_code == 401
    assert not signed_in(client)
    assert use_passkey(client, passkey) == 302


def test_a_stale_challenge_is_refused(
        app: Flask, passkey: SoftPasskey, monkeypatch: pytest.MonkeyPatch) -> None:
    client = app.test_client()
    login(client)
    monkeypatch.setattr(passkeys, "CHALLENGE_SECONDS", -1)
    assert use_passkey(client, passkey) == 401
    assert actions(app)[-1] == "passkey_failed"


def test_a_count_not_above_the_last_one_is_refused(app: Flask, passkey: SoftPasskey) -> None:
    client = app.test_client()
    login(client)
    assert use_passkey(client, passkey) == 302
    client.post("/nurse/logout")
    clone = SoftPasskey(key=passkey.key, credential_id=passkey.credential_id,
                        sign_count=passkey.sign_count - 1)  # a copy one use behind
    login(client)
    assert use_passkey(client, clone) == 401
    assert use_passkey(client, passkey) == 302


def test_an_authenticator_that_keeps_no_count_signs_in_each_time(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    login(client)
    key = SoftPasskey(counts=False)
    add_passkey(client, key)
    client.post("/nurse/logout")
    for _ in range(3):
        login(client)
        assert use_passkey(client, key) == 302
        client.post("/nurse/logout")
    with app.app_context():
        assert db.session.scalars(select(SecondFactorUse.step)).all() == [None] * 3


def test_a_passkey_of_another_site_or_another_nurse_is_refused(
        app: Flask, passkey: SoftPasskey) -> None:
    add_nurse(app, "bob")
    other = app.test_client()
    login(other, "bob")
    bobs = SoftPasskey()
    add_passkey(other, bobs)
    client = app.test_client()
    login(client)
    answer = passkey.get(options(client, "/nurse/login/passkey/options"),
                         origin="https://phish.example")
    assert client.post("/nurse/login/passkey", data={"credential": answer}).status_code == 401
    asked = options(client, "/nurse/login/passkey/options")
    asked["allowCredentials"] = []
    answer = bobs.get(asked)
    assert client.post("/nurse/login/passkey", data={"credential": answer}).status_code == 401
    assert not signed_in(client)


def test_the_relying_party_is_the_public_address_when_one_is_set(app: Flask) -> None:
    app.config["PUBLIC_URL"] = "https://check.clinic.example"
    add_nurse(app)
    client = app.test_client()
    login(client)
    asked = options(client, "/nurse/account/second-factor/passkeys/options")
    assert asked["rp"]["id"] == "check.clinic.example"
    key = SoftPasskey()
    # Made on the request's own host, it does not match the public address: refused.
    response = client.post("/nurse/account/second-factor/passkeys",
                           data={"name": "Desk", "credential": key.create(asked)})
    assert response.status_code == 400 and not stored_passkeys(app)
    made = key.create(options(client, "/nurse/account/second-factor/passkeys/options"),
                      origin="https://check.clinic.example")
    response = client.post("/nurse/account/second-factor/passkeys",
                           data={"name": "Desk", "credential": made})
    assert response.status_code == 200 and stored_passkeys(app)


def test_a_code_or_a_recovery_code_still_signs_in_a_nurse_with_a_passkey(
        app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    login(client)
    codes = [line.split("</code>")[0] for line in
             add_passkey(client, SoftPasskey()).get_data(as_text=True).split("<li><code>")[1:]]
    client.post("/nurse/logout")
    login(client)
    page = client.get(STEP).get_data(as_text=True)
    assert "One of your recovery codes." in page
    assert client.post(STEP, data={"code": codes[0]}).location == "/nurse/"


def test_removing_a_passkey_needs_a_code_or_the_password(
        app: Flask, passkey: SoftPasskey) -> None:
    client = app.test_client()
    login(client)
    use_passkey(client, passkey)
    with app.app_context():
        factor_id = db.session.scalar(select(SecondFactor.id).where(
            SecondFactor.kind == "passkey"))
    remove = "/nurse/account/second-factor/passkeys/remove"
    client.post(remove, data={"passkey": str(factor_id), "password": "not it"})
    client.post(remove, data={"passkey": str(factor_id)})
    with app.app_context():
        assert second_factor.has_second_factor(db.session, 1)
    client.post(remove, data={"passkey": str(factor_id), "password": PASSWORD})
    with app.app_context():
        assert not second_factor.has_second_factor(db.session, 1)
        # the recovery codes went with the last factor
        assert not second_factor.active_factors(db.session, 1)
    client.post("/nurse/logout")
    assert login(client).location == "/nurse/"
    assert actions(app).count("second_factor_failed") == 1  # the wrong password
    assert actions(app)[-1] == "passkey_remove"


def test_the_setting_keeps_a_passkey_account_at_the_step_and_sets_one_up_for_others(
        app: Flask, passkey: SoftPasskey) -> None:
    app.config["REQUIRE_SECOND_FACTOR"] = True
    client = app.test_client()
    login(client)
    for url in ("/nurse/", "/nurse/call", "/nurse/account/second-factor"):
        assert client.get(url).status_code == 302, url
    assert use_passkey(client, passkey) == 302 and signed_in(client)
    add_nurse(app, "bob")
    other = app.test_client()
    assert login(other, "bob").location == "/nurse/account/second-factor"
    assert add_passkey(other, SoftPasskey()).status_code == 200
    assert signed_in(other)


def test_setting_up_a_factor_ends_the_nurses_other_sessions(app: Flask) -> None:
    add_nurse(app)
    here, elsewhere = app.test_client(), app.test_client()
    login(here)
    login(elsewhere)
    key = SoftPasskey()
    add_passkey(here, key)
    assert signed_in(here) and not signed_in(elsewhere)
    login(elsewhere)
    assert use_passkey(elsewhere, key) == 302
    page = elsewhere.get("/nurse/account/second-factor").get_data(as_text=True)
    code = pyotp.TOTP(secret_of(page)).at(int(T0))
    added = elsewhere.post("/nurse/account/second-factor/enrol",
                           data={"sealed": sealed_of(page), "code": code})
    assert added.location == "/nurse/account/second-factor"  # no new recovery codes
    assert signed_in(elsewhere) and not signed_in(here)


def test_a_signed_out_browser_gets_no_options_and_no_passkey_step(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/nurse/login/passkey/options").status_code == 401
    assert client.post("/nurse/account/second-factor/passkeys/options").status_code == 401
    assert client.post("/nurse/login/passkey").location == "/nurse/login"
    assert client.post("/nurse/account/second-factor/passkeys").location == "/nurse/login"


def test_passkey_tries_count_against_the_accounts_limit(
        app: Flask, passkey: SoftPasskey) -> None:
    with app.app_context():
        limiter.reset()
    statuses = []
    for address in range(11):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{address}"
        sign_in(client)
        statuses.append(client.post("/nurse/login/passkey", data={"credential": "{}"})
                        .status_code)
    assert statuses == [401] * 10 + [429]


def test_no_credential_or_challenge_reaches_a_log_or_the_audit_log(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    add_nurse(app)
    client = app.test_client()
    login(client)
    key = SoftPasskey()
    asked = options(client, "/nurse/account/second-factor/passkeys/options")
    client.post("/nurse/account/second-factor/passkeys",
                data={"name": "Desk", "credential": key.create(asked)})
    client.post("/nurse/logout")
    login(client)
    signing = options(client, "/nurse/login/passkey/options")
    answer = json.loads(key.get(signing))
    client.post("/nurse/login/passkey", data={"credential": "not json"})
    assert use_passkey(client, key) == 302
    with app.app_context():
        audit = repr([(e.action, e.nurse_name, e.shown_ids)
                      for e in db.session.scalars(select(AuditEvent))])
    [kept] = stored_passkeys(app)
    words = [key.id, kept["public_key"], asked["challenge"], signing["challenge"],
             answer["response"]["signature"]]
    for word in words:
        assert word not in caplog.text, word
        assert word not in audit, word
    assert "passkey_failed" in audit and "passkey_used" in audit


def test_the_audit_page_names_passkey_events_in_words(
        app: Flask, passkey: SoftPasskey) -> None:
    add_nurse(app, "ada", admin=True)
    admin = app.test_client()
    assert sign_in(admin, "ada").status_code == 302
    page = admin.get("/nurse/audit").get_data(as_text=True)
    assert "<td>Added a passkey</td>" in page and "passkey_enrol" not in page
