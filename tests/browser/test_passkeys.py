"""Passkeys in Chromium with its virtual authenticator (the DevTools WebAuthn domain), over HTTPS.

WebAuthn refuses an IP address as the relying party, so these pages are opened as localhost
(the run's certificate names it too); the server still listens on 127.0.0.1 only.
"""

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import flask_migrate
import pytest
from playwright.sync_api import CDPSession, Page, expect
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db, limiter
from checker.nurse.models import Nurse, SecondFactor

pytestmark = pytest.mark.browser

PASSWORD = "a long and secret passphrase"
Check = Callable[[Page], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def base(live_server: Any) -> str:
    """The live server's address by the name localhost, with its schema up to date."""
    with live_server.app.app_context():
        flask_migrate.upgrade()
    return live_server.url.replace("https://127.0.0.1:", "https://localhost:")


@pytest.fixture
def app(live_server: Any) -> Iterator[Any]:
    """The live server's app, on fresh sign-in counts and with its setting restored after."""
    with live_server.app.app_context():
        limiter.reset()
    yield live_server.app
    live_server.app.config["REQUIRE_SECOND_FACTOR"] = False


def add_nurse(app: Any, username: str) -> None:
    """A local account with the test password and no second factor."""
    with app.app_context():
        nurse = Nurse(username=username, is_admin=False)
        nurse.set_password(PASSWORD)
        db.session.add(nurse)
        db.session.commit()


def actions(app: Any, username: str) -> list[str]:
    """The nurse's audit events, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.nurse_name == username).order_by(AuditEvent.id)))


@contextmanager
def authenticator(page: Page) -> Iterator[tuple[CDPSession, str]]:
    """A virtual platform authenticator (CTAP2, resident keys, user verified) on this page."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    try:
        yield cdp, added["authenticatorId"]
    finally:
        cdp.send("WebAuthn.removeVirtualAuthenticator",
                 {"authenticatorId": added["authenticatorId"]})
        cdp.send("WebAuthn.disable")


def password_step(page: Page, base: str, username: str) -> None:
    """Sign in with the password, on the sign-in page."""
    page.goto(f"{base}/nurse/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def at_sign_in(page: Page) -> bool:
    """Whether the page is the sign-in page (sent there, with or without a next address)."""
    return urlsplit(page.url).path == "/nurse/login"


def add_passkey(page: Page, name: str) -> None:
    """Add a passkey on the account page; the recovery codes follow (the first factor)."""
    page.fill("#passkey-name", name)
    with page.expect_navigation():
        page.click("button:has-text('Add a passkey')")
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()


def test_a_nurse_adds_a_passkey_and_signs_in_with_the_password_and_the_passkey(
        page: Page, base: str, app: Any, axe: Check) -> None:
    add_nurse(app, "pia")
    with authenticator(page) as (cdp, authenticator_id):
        password_step(page, base, "pia")
        expect(page.get_by_text("Signed in as pia")).to_be_visible()
        page.goto(f"{base}/nurse/account/second-factor")
        expect(page.locator("#passkey-name")).to_be_visible()  # shown by the script
        assert axe(page) == []
        add_passkey(page, "Test laptop")
        [credential] = cdp.send("WebAuthn.getCredentials",
                                {"authenticatorId": authenticator_id})["credentials"]
        assert credential["rpId"] == "localhost" and credential["isResidentCredential"]
        page.goto(f"{base}/nurse/account/second-factor")
        expect(page.get_by_text("Test laptop (added")).to_be_visible()
        with page.expect_navigation():
            page.click("button:has-text('Sign out')")

        password_step(page, base, "pia")
        expect(page.get_by_role("heading", name="Use your passkey")).to_be_visible()
        assert axe(page) == []
        with page.expect_navigation():
            page.click("button:has-text('Sign in with your passkey')")
        expect(page.get_by_text("Signed in as pia")).to_be_visible()
    assert actions(app, "pia") == ["passkey_enrol", "passkey_used"]
    with app.app_context():
        [factor] = db.session.scalars(select(SecondFactor).where(SecondFactor.kind == "passkey"))
        stored_id = json.loads(factor.secret)["id"]
    assert base64.urlsafe_b64decode(stored_id + "==") == base64.b64decode(
        credential["credentialId"])  # the very credential the authenticator holds


def test_with_the_setting_on_a_nurse_sets_a_passkey_up_and_cannot_sign_in_without_it(
        page: Page, base: str, app: Any) -> None:
    app.config["REQUIRE_SECOND_FACTOR"] = True
    add_nurse(app, "quinn")
    with authenticator(page):
        password_step(page, base, "quinn")
        assert page.url.endswith("/nurse/account/second-factor")
        page.goto(f"{base}/nurse/")
        assert at_sign_in(page)  # no console before a factor is set up
        password_step(page, base, "quinn")
        add_passkey(page, "Ward computer")
        with page.expect_navigation():
            page.click("text=Go on to the console")
        expect(page.get_by_text("Signed in as quinn")).to_be_visible()
        with page.expect_navigation():
            page.click("button:has-text('Sign out')")

        password_step(page, base, "quinn")
        page.goto(f"{base}/nurse/")
        assert at_sign_in(page)  # the password alone opens nothing
        page.goto(f"{base}/nurse/login/second-factor")
        page.fill("#code", "000000")
        with page.expect_navigation():
            page.click("button:has-text('Sign in') >> nth=-1")
        expect(page.get_by_text("That code is wrong")).to_be_visible()
        page.goto(f"{base}/nurse/call")
        assert at_sign_in(page)
        page.goto(f"{base}/nurse/login/second-factor")
        with page.expect_navigation():
            page.click("button:has-text('Sign in with your passkey')")
        expect(page.get_by_text("Signed in as quinn")).to_be_visible()
    assert actions(app, "quinn") == ["passkey_enrol", "second_factor_failed", "passkey_used"]
