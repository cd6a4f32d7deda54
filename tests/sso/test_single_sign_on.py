"""Single sign-on without a provider: settings, the role claim, nurses keyed by subject, pages.

The browser tests (test_browser_sign_in.py) run the whole flow against a real provider.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checker import settings
from checker.extensions import db
from checker.nurse import identities, single_sign_on
from checker.nurse.models import Nurse, NurseIdentity, SignInEvent
from checker.settings import ConfigError
from tests.nurse.conftest import PASSWORD, add_nurse, make_app, sign_in
from tests.nurse.test_audit_chain import verify

# Nothing listens on port 1: the provider is down.
DOWN = "https://127.0.0.1:1"
# What an account made by single sign-on holds in place of a password hash, as if typed.
NO_GUESS = identities.NO_PASSWORD
SSO = {
    "OIDC_ISSUER": DOWN, "OIDC_CLIENT_ID": "recovery-check", "OIDC_CLIENT_SECRET": "s3cret-x",
    "OIDC_ROLE_CLAIM": "roles", "OIDC_NURSE_ROLES": ("nurse",),
    "OIDC_ADMIN_ROLES": ("admin",), "OIDC_SCOPES": "openid profile email",
}


@pytest.fixture
def app(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Flask]:
    """An app set up for single sign-on with a provider that is down, on a migrated database."""
    shutil.copyfile(migrated_sqlite, tmp_path / "sso.db")
    app = make_app(f"sqlite:///{tmp_path}/sso.db", **SSO)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def claims(subject: str = "sub-1", roles: Any = ("nurse",), **more: Any) -> dict[str, Any]:
    """An ID token's claims from the configured issuer."""
    return {"iss": DOWN, "sub": subject, "roles": list(roles), "name": "Nadia Nightingale",
            **more}


def events(app: Flask) -> list[tuple[str, str, str, str]]:
    """Every sign-in event: action, issuer, subject, reason."""
    with app.app_context():
        return [(e.action, e.issuer, e.subject, e.reason)
                for e in db.session.scalars(select(SignInEvent).order_by(SignInEvent.id))]


def sign_in_as(app: Flask, token_claims: dict[str, Any]) -> tuple[int, str]:
    """Sign in with these claims, as the callback does once the token checked out."""
    with app.test_request_context("/nurse/sso/callback"):
        answer = single_sign_on.sign_in_with(token_claims, "an ID token")
        if isinstance(answer, tuple):
            return answer[1], answer[0]
        return answer.status_code, answer.location or ""


# --- settings ------------------------------------------------------------------------------


def test_it_reads_single_sign_on_settings_from_the_environment() -> None:
    read = settings.from_environment({
        "SECRET_KEY": "k", "OIDC_ISSUER": " https://login.clinic.example/realms/staff ",
        "OIDC_CLIENT_SECRET": " kept as written ", "OIDC_NURSE_ROLES": "nurse, triage-nurse,,",
        "OIDC_ADMIN_ROLES": "admin", "LOCAL_SIGN_IN": "off"})
    assert read["OIDC_ISSUER"] == "https://login.clinic.example/realms/staff"
    assert read["OIDC_CLIENT_SECRET"] == " kept as written "
    assert read["OIDC_NURSE_ROLES"] == ("nurse", "triage-nurse")
    assert read["OIDC_ADMIN_ROLES"] == ("admin",)
    assert read["LOCAL_SIGN_IN"] is False
    assert settings.defaults()["LOCAL_SIGN_IN"] is True
    assert settings.defaults()["OIDC_ROLE_CLAIM"] == "roles"


def test_it_refuses_a_local_sign_in_word_it_does_not_know() -> None:
    with pytest.raises(ConfigError, match="LOCAL_SIGN_IN"):
        settings.from_environment({"SECRET_KEY": "k", "LOCAL_SIGN_IN": "sometimes"})


@pytest.mark.parametrize(("changed", "named"), [
    ({"OIDC_ISSUER": "", "LOCAL_SIGN_IN": False}, "LOCAL_SIGN_IN"),
    ({"OIDC_ISSUER": "http://login.clinic.example"}, "OIDC_ISSUER"),
    ({"OIDC_ISSUER": "https://login.clinic.example/?tenant=x"}, "OIDC_ISSUER"),
    ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET"),
    ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID"),
    ({"OIDC_SCOPES": "profile email"}, "OIDC_SCOPES"),
    ({"OIDC_NURSE_ROLES": (), "OIDC_ADMIN_ROLES": ()}, "OIDC_NURSE_ROLES"),
    ({"OIDC_CA_BUNDLE": "/nonexistent/clinic-ca.pem"}, "OIDC_CA_BUNDLE"),
])
def test_it_refuses_to_start_with_settings_that_could_not_work(
    changed: dict[str, Any], named: str
) -> None:
    config = {**settings.defaults(), **SSO, **changed}
    with pytest.raises(ConfigError, match=named):
        single_sign_on.check_settings(config)


def test_it_starts_without_single_sign_on_and_with_it() -> None:
    single_sign_on.check_settings(settings.defaults())
    single_sign_on.check_settings({**settings.defaults(), **SSO, "LOCAL_SIGN_IN": False})


# --- the role claim ------------------------------------------------------------------------


@pytest.mark.parametrize(("token", "claim", "role"), [
    ({"roles": ["nurse"]}, "roles", "nurse"),
    ({"roles": ["nurse", "admin"]}, "roles", "admin"),
    ({"roles": "admin"}, "roles", "admin"),
    ({"roles": ["billing"]}, "roles", None),
    ({"roles": []}, "roles", None),
    ({}, "roles", None),
    ({"roles": [{"name": "admin"}, 7, "nurse"]}, "roles", "nurse"),
    ({"groups": ["nurse"]}, "groups", "nurse"),
    ({"realm_access": {"roles": ["admin"]}}, "realm_access.roles", "admin"),
    ({"https://clinic.example/roles": ["nurse"]}, "https://clinic.example/roles", "nurse"),
    ({"roles": ["Nurse"]}, "roles", None),  # values are compared exactly
])
def test_it_maps_the_role_claim_to_nurse_or_admin(
    token: dict[str, Any], claim: str, role: str | None
) -> None:
    config = {**SSO, "OIDC_ROLE_CLAIM": claim}
    assert identities.role_of(token, config) == role


def test_it_shows_a_name_a_username_or_an_address_on_one_short_line() -> None:
    assert identities.display_name({"name": " Nadia\n Night\x00ingale ",
                                        "email": "n@x"}) == "Nadia Nightingale"
    assert identities.display_name({"preferred_username": "nadia"}) == "nadia"
    assert identities.display_name({"name": "\n", "email": "n@clinic.test"}) == \
        "n@clinic.test"
    assert identities.display_name({}) == "Nurse"
    assert len(identities.display_name({"name": "N" * 300})) == 60


# --- nurses keyed by subject ---------------------------------------------------------------


def test_the_first_sign_in_makes_a_nurse_keyed_by_subject_without_a_password(app: Flask) -> None:
    assert sign_in_as(app, claims(email="nadia@clinic.test")) == (302, "/nurse/")
    with app.app_context():
        nurse = db.session.scalar(select(Nurse).filter_by(username="Nadia Nightingale"))
        assert nurse is not None and not nurse.is_admin
        identity = db.session.scalar(select(NurseIdentity))
        assert (identity.issuer, identity.subject, identity.nurse_id) == (DOWN, "sub-1", nurse.id)
        assert not nurse.check_password(NO_GUESS)
    app.config["LOCAL_SIGN_IN"] = True
    assert sign_in(app.test_client(), "Nadia Nightingale", NO_GUESS).status_code == 401
    assert events(app) == [("sign_in", DOWN, "sub-1", "nurse")]


def test_the_same_subject_is_the_same_nurse_and_the_same_e_mail_is_not(app: Flask) -> None:
    sign_in_as(app, claims(email="shared@clinic.test"))
    sign_in_as(app, claims(email="changed@clinic.test", name="Nadia Renamed"))
    sign_in_as(app, claims("sub-2", email="shared@clinic.test"))
    with app.app_context():
        nurses = {i.subject: i.nurse_id for i in db.session.scalars(select(NurseIdentity))}
        assert len(set(nurses.values())) == 2
        names = db.session.scalars(select(Nurse.username).order_by(Nurse.id)).all()
    # The second account's name was taken: it is marked with a digest of its identity.
    assert names[0] == "Nadia Nightingale"
    assert names[1].startswith("Nadia Nightingale (") and len(names[1]) == 26


def test_the_role_is_read_again_at_every_sign_in(app: Flask) -> None:
    sign_in_as(app, claims(roles=["admin"]))
    with app.app_context():
        assert db.session.scalar(select(Nurse.is_admin))
    sign_in_as(app, claims(roles=["nurse"]))
    with app.app_context():
        assert not db.session.scalar(select(Nurse.is_admin))


def test_an_account_without_a_role_is_refused_and_no_nurse_is_made(app: Flask) -> None:
    status, html = sign_in_as(app, claims(roles=["billing"]))
    assert status == 403
    assert "has no role in Recovery Check" in html and 'href="tel:911"' in html
    with app.app_context():
        assert db.session.scalar(select(Nurse.id)) is None
    assert events(app) == [("refused", DOWN, "sub-1", "no role")]


def test_a_nurse_disabled_here_is_refused_though_the_provider_signs_her_in(app: Flask) -> None:
    sign_in_as(app, claims())
    with app.app_context():
        db.session.scalar(select(Nurse)).active = False
        db.session.commit()
    status, html = sign_in_as(app, claims())
    assert status == 403 and "disabled in Recovery Check" in html
    assert events(app)[-1] == ("refused", DOWN, "sub-1", "disabled in Recovery Check")


def test_sign_in_events_are_sealed_in_the_keyed_chain(app: Flask) -> None:
    sign_in_as(app, claims())
    sign_in_as(app, claims("sub-2", roles=[]))
    result = verify(app)
    assert result.exit_code == 0, result.output


def test_the_audit_page_lists_sign_ins_with_provider_subject_and_reason(app: Flask) -> None:
    sign_in_as(app, claims())
    sign_in_as(app, claims("sub-2", roles=[]))
    add_nurse(app, "root", admin=True)
    app.config["LOCAL_SIGN_IN"] = True
    client = app.test_client()
    assert sign_in(client, "root").status_code == 302
    html = client.get("/nurse/audit").get_data(as_text=True)
    section = html.split("<h2>Single sign-on</h2>", 1)[1]
    rows = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    # Newest first: the refusal of the account with no role, then the nurse's sign-in.
    assert "Refused" in rows[0] and f"{DOWN} (sub-2)" in rows[0] and "no role" in rows[0]
    assert "Signed in" in rows[1] and f"{DOWN} (sub-1)" in rows[1]
    assert "an ID token" not in html
    # Only on the first page of the audit log.
    assert "Single sign-on" not in client.get("/nurse/audit?page=2").get_data(as_text=True)


# --- pages ---------------------------------------------------------------------------------


def test_with_local_sign_in_off_the_page_offers_the_clinic_account_only(app: Flask) -> None:
    add_nurse(app)
    app.config["LOCAL_SIGN_IN"] = False
    client = app.test_client()
    html = client.get("/nurse/login?next=/nurse/call").get_data(as_text=True)
    assert 'href="/nurse/sso/login?next=/nurse/call"' in html
    assert 'name="password"' not in html
    refused = sign_in(client)
    assert refused.status_code == 403
    assert "Signing in with a password is turned off" in refused.get_data(as_text=True)
    assert client.get("/nurse/").status_code == 302


def test_with_both_on_the_page_offers_both(app: Flask) -> None:
    add_nurse(app)
    html = app.test_client().get("/nurse/login").get_data(as_text=True)
    assert "Sign in with the clinic account" in html and 'name="password"' in html
    assert sign_in(app.test_client(), "ann", PASSWORD).status_code == 302


def test_a_provider_that_is_down_gets_a_clear_page_with_the_emergency_line(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    response = app.test_client().get("/nurse/sso/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert "sign-in service cannot be reached" in html
    assert 'href="tel:911"' in html and "discharge papers" in html
    assert "break-glass accounts" in html
    assert "unreachable or misconfigured (ConnectionError)" in caplog.text


@pytest.mark.parametrize(("error", "status", "words"), [
    ("access_denied", 403, "did not sign this account in"),
    ("login_required", 403, "did not sign this account in"),
    ("temporarily_unavailable", 503, "cannot be reached"),
])
def test_the_providers_answer_of_an_error_gets_a_clear_page(
    app: Flask, error: str, status: int, words: str
) -> None:
    response = app.test_client().get(f"/nurse/sso/callback?error={error}&state=x")
    html = response.get_data(as_text=True)
    assert response.status_code == status and words in html and 'href="tel:911"' in html
    if status == 403:
        assert events(app) == [("refused", DOWN, "", f"provider: {error}")]


def test_the_callback_counts_against_the_sign_in_limit(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    wrong = [sign_in(client, password="wrong").status_code for _ in range(5)]
    codes = [client.get("/nurse/sso/callback?error=access_denied").status_code
             for _ in range(6)]
    assert wrong == [401] * 5
    assert codes == [403] * 5 + [429]


def test_a_callback_no_sign_in_started_asks_to_sign_in_again(app: Flask) -> None:
    response = app.test_client().get("/nurse/sso/callback?code=c0de-value&state=forged")
    assert response.status_code == 400
    assert "Please sign in again" in response.get_data(as_text=True)


def test_a_back_channel_logout_that_cannot_be_checked_is_refused_and_not_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    response = app.test_client().post("/nurse/sso/back-channel-logout",
                                      data={"logout_token": token})
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_request"}
    assert token not in caplog.text and "back-channel logout was refused" in caplog.text


def test_without_single_sign_on_its_addresses_are_not_found(tmp_path: Path,
                                                           migrated_sqlite: Path) -> None:
    shutil.copyfile(migrated_sqlite, tmp_path / "plain.db")
    client = make_app(f"sqlite:///{tmp_path}/plain.db").test_client()
    assert client.get("/nurse/sso/login").status_code == 404
    assert client.get("/nurse/sso/callback?code=x&state=y").status_code == 404
    assert client.post("/nurse/sso/back-channel-logout").status_code == 404
    assert "clinic account" not in client.get("/nurse/login").get_data(as_text=True)
