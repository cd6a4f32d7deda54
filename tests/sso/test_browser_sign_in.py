"""Chromium signs nurses in through a real OpenID Connect provider, over HTTPS, on two instances.

The flows a nurse and a clinic's IT meet: a sign-in landing on either instance, the provider's
back-channel logout ending the session on both, an account disabled at the provider refused,
an account without a role refused, the app's sign-out signing out at the provider too
(RP-initiated logout). Each leaves audit rows with the issuer and subject, and no token, code
or secret in any log of the app, nginx or the provider.
"""

from __future__ import annotations

import http.client
import re
import ssl
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import Page, Request, expect
from sqlalchemy import create_engine, make_url, text

from tests.sso.conftest import ACCOUNTS, SingleSignOn

pytestmark = pytest.mark.browser

PASSWORD = ACCOUNTS["password"]
# Query parameters that carry something secret on the way between browser, app and provider.
SECRET_PARAMETERS = ("code", "state", "id_token_hint", "nonce", "code_challenge")
JWT = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}")
REQUEST_SECONDS = 10


@pytest.fixture
def seen(page: Page) -> set[str]:
    """Every secret value the browser carried in an address (codes, states, ID tokens)."""
    values: set[str] = set()

    def note(request: Request) -> None:
        for name, value in parse_qsl(urlsplit(request.url).query):
            if name in SECRET_PARAMETERS and len(value) >= 8:
                values.add(value)

    page.context.on("request", note)
    return values


def sign_in(page: Page, sso: SingleSignOn, username: str) -> None:
    """Follow the app's single sign-on button and sign in at the provider's page."""
    page.goto(sso.url + "/nurse/login")
    page.get_by_role("link", name="Sign in with the clinic account").click()
    expect(page).to_have_url(re.compile("^" + re.escape(sso.issuer) + "/interaction/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, sso: SingleSignOn) -> bool:
    """Whether the console opens through nginx (else it sends the browser to sign in)."""
    response = page.goto(sso.url + "/nurse/")
    assert response is not None
    return response.request.redirected_from is None and response.status == 200


def console_on_each_instance(page: Page, sso: SingleSignOn) -> list[int]:
    """The console page's status from each instance itself, with this browser's session.

    Asked of each gunicorn directly, as nginx would ask it (the same client address, scheme and
    browser), so neither answer depends on nginx's turn-taking.
    """
    cookie = [c["value"] for c in page.context.cookies() if c["name"] == "session"]
    agent = page.evaluate("navigator.userAgent")
    host = urlsplit(sso.url)
    statuses = []
    for port in sso.instances:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
        try:
            connection.request("GET", "/nurse/", headers={
                "Cookie": f"session={cookie[0]}" if cookie else "", "User-Agent": agent,
                "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": str(host.hostname), "X-Forwarded-Port": str(host.port)})
            statuses.append(connection.getresponse().status)
        finally:
            connection.close()
    return statuses


def events(sso: SingleSignOn, subject: str) -> list[dict[str, Any]]:
    """The sign-in events of one account at the provider, oldest first."""
    url = make_url(sso.database_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT action, issuer, subject, nurse_id, reason FROM sign_in_event "
                "WHERE subject = :subject ORDER BY id"), {"subject": subject})
            return [dict(row._mapping) for row in rows]
    finally:
        engine.dispose()


def assert_refused(page: Page, words: str) -> None:
    """The app's page for an account it does not sign in, with the emergency line."""
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You cannot sign in with this account")
    expect(page.get_by_text(words)).to_be_visible()
    assert page.locator('a[href="tel:911"]').count() >= 1


def assert_no_secret_in_logs(sso: SingleSignOn, seen: set[str]) -> None:
    """No log of the app, nginx or the provider holds a token, code, secret or password."""
    logs = {path.name: path.read_text(errors="replace") for path in Path(sso.workdir).glob("*.log")}
    assert {"gunicorn-a.log", "gunicorn-b.log", "provider.log", "recovery-check.access.log"} \
        <= set(logs)
    assert seen, "the browser carried no code or token: nothing was checked"
    for name, text_ in logs.items():
        for secret in (*seen, sso.client_secret, PASSWORD, sso.secret_key):
            assert secret not in text_, f"{name} holds a secret"
        assert not JWT.search(text_), f"{name} holds a token"
    assert "/nurse/sso/callback?[hidden]" in logs["recovery-check.access.log"]


def test_a_nurse_signed_in_on_either_instance_is_signed_out_of_both_by_the_provider(
    page: Page, seen: set[str], single_sign_on: SingleSignOn
) -> None:
    page.goto(single_sign_on.url + "/nurse/login")
    expect(page.locator("#password")).to_have_count(0)  # LOCAL_SIGN_IN is off
    sign_in(page, single_sign_on, "nadia")
    expect(page.get_by_text("Signed in as Nadia Nightingale")).to_be_visible()
    assert console_on_each_instance(page, single_sign_on) == [200, 200]

    # The nurse signs out at the provider (in another tab): it tells the app server to server.
    provider = page.context.new_page()
    provider.goto(single_sign_on.issuer + "/session/end")
    provider.get_by_role("button", name="Yes, sign me out").click()
    expect(provider.get_by_role("heading", name="Signed out")).to_be_visible()
    assert "back-channel logout sent to" in (single_sign_on.workdir / "provider.log").read_text()

    assert console_on_each_instance(page, single_sign_on) == [302, 302]
    assert not signed_in(page, single_sign_on)

    issuer = single_sign_on.issuer
    recorded = events(single_sign_on, "nadia")
    assert [(e["action"], e["issuer"]) for e in recorded] == [
        ("sign_in", issuer), ("back_channel_logout", issuer)]
    assert recorded[0]["nurse_id"] == recorded[1]["nurse_id"] is not None
    assert_no_secret_in_logs(single_sign_on, seen)


def test_an_account_disabled_at_the_provider_is_refused_at_its_next_sign_in(
    page: Page, seen: set[str], single_sign_on: SingleSignOn
) -> None:
    sign_in(page, single_sign_on, "dora")
    expect(page.get_by_text("Signed in as Dora Departing")).to_be_visible()

    disable = urllib.request.Request(f"{single_sign_on.issuer}/test-admin/disable/dora",
                                     method="POST")
    trusted = ssl.create_default_context(cafile=single_sign_on.settings["OIDC_CA_BUNDLE"])
    with urllib.request.urlopen(disable, context=trusted, timeout=REQUEST_SECONDS) as answer:
        assert answer.status == 204

    # A new sign-in (the app's session gone, her session at the provider kept): the provider
    # no longer takes that session, asks for the password and refuses the account.
    page.context.clear_cookies(domain="127.0.0.1", path="/", name="session")
    sign_in(page, single_sign_on, "dora")
    assert_refused(page, "did not sign this account in")
    assert [e["action"] for e in events(single_sign_on, "dora")] == ["sign_in"]
    refusal = [e for e in events(single_sign_on, "") if e["reason"] == "provider: access_denied"]
    assert refusal and refusal[-1]["issuer"] == single_sign_on.issuer
    assert_no_secret_in_logs(single_sign_on, seen)


def test_an_account_without_a_role_is_refused_and_made_no_nurse(
    page: Page, seen: set[str], single_sign_on: SingleSignOn
) -> None:
    sign_in(page, single_sign_on, "otto")
    assert_refused(page, "has no role in Recovery Check")
    assert events(single_sign_on, "otto") == [{
        "action": "refused", "issuer": single_sign_on.issuer, "subject": "otto",
        "nurse_id": None, "reason": "no role"}]
    assert_no_secret_in_logs(single_sign_on, seen)


def test_signing_out_of_the_app_signs_out_at_the_provider_too(
    page: Page, seen: set[str], single_sign_on: SingleSignOn
) -> None:
    sign_in(page, single_sign_on, "adam")
    expect(page.get_by_text("Signed in as Adam Admin")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_be_visible()  # the admin role

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("^" + re.escape(single_sign_on.issuer) + "/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(re.escape(single_sign_on.url) + "/nurse/login"))
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    assert not signed_in(page, single_sign_on)

    # Signed out at the provider too: signing in again asks for the password.
    page.get_by_role("link", name="Sign in with the clinic account").click()
    expect(page.get_by_label("Password")).to_be_visible()
    actions = [e["action"] for e in events(single_sign_on, "adam")]
    assert actions[:2] == ["sign_in", "sign_out"]
    assert set(actions[2:]) <= {"back_channel_logout"}
    assert_no_secret_in_logs(single_sign_on, seen)
