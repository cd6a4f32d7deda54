"""The second factor of local accounts: TOTP across time steps, recovery codes, the setting."""

import logging
import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from checker.audit import AuditEvent
from checker.extensions import db, limiter
from checker.idle import LAST_SEEN
from checker.nurse import second_factor
from checker.nurse.auth import SignInRefused, sign_in_again
from checker.nurse.models import SecondFactor
from checker.settings import ConfigError, from_environment
from tests.nurse.conftest import PASSWORD, add_nurse, call_data, new_call, sign_in

WRONG_CODE_WORDS = "That code is wrong or was already used."
# A moment in the middle of a 30-second step, so one step either side is a clear 30 s away.
T0 = 1_800_000_015.0


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The clock the codes are checked against, held still until a test moves it."""
    moment = [T0]
    monkeypatch.setattr(second_factor, "now", lambda: moment[0])
    yield moment


def secret_of(page: str) -> str:
    """The key the setup page shows as text."""
    match = re.search(r"Key: <code>([A-Z2-7 ]+)</code>", page)
    assert match, "the setup page shows no key"
    return match.group(1).replace(" ", "")


def sealed_of(page: str) -> str:
    match = re.search(r'name="sealed" type="hidden" value="([^"]+)"', page)
    assert match, "the setup page has no sealed secret"
    return match.group(1)


def _codes_of(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page)


def enrol(client: FlaskClient, at: float = T0) -> tuple[str, list[str]]:
    """Set TOTP up from the account page: (the secret, the recovery codes shown)."""
    page = client.get("/nurse/account/second-factor").get_data(as_text=True)
    assert "<svg" in page  # the QR code, drawn inline
    secret = secret_of(page)
    code = pyotp.TOTP(secret).at(int(at))
    response = client.post("/nurse/account/second-factor/enrol",
                           data={"sealed": sealed_of(page), "code": code})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    codes = _codes_of(response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


def _code_step(client: FlaskClient, code: str) -> int:
    return client.post("/nurse/login/second-factor", data={"code": code}).status_code


def signed_in(client: FlaskClient) -> bool:
    return client.get("/nurse/").status_code == 200


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def login(client: FlaskClient, username: str = "ann") -> TestResponse:
    """Sign in with the password, on fresh rate-limit counts (many sign-ins here are by design)."""
    assert client.application is not None
    with client.application.app_context():
        limiter.reset()
    return sign_in(client, username)


@pytest.fixture
def enrolled(app: Flask, clock: list[float]) -> tuple[str, list[str]]:
    """The nurse ann with TOTP set up (at T0), signed out."""
    add_nurse(app)
    client = app.test_client()
    assert login(client).status_code == 302
    secret, codes = enrol(client)
    client.post("/nurse/logout")
    return secret, codes


def test_the_setting_is_read_strictly_and_off_by_default(app: Flask) -> None:
    assert app.config["REQUIRE_SECOND_FACTOR"] is False
    base = {"SECRET_KEY": "x"}
    assert from_environment({**base, "REQUIRE_SECOND_FACTOR": "yes"})["REQUIRE_SECOND_FACTOR"]
    assert not from_environment({**base, "REQUIRE_SECOND_FACTOR": "off"})["REQUIRE_SECOND_FACTOR"]
    with pytest.raises(ConfigError, match="REQUIRE_SECOND_FACTOR"):
        from_environment({**base, "REQUIRE_SECOND_FACTOR": "sometimes"})


def test_a_nurse_without_a_factor_signs_in_with_the_password_alone(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    assert login(client).location == "/nurse/"
    assert signed_in(client)


def test_setting_up_needs_a_current_code(app: Flask, clock: list[float]) -> None:
    add_nurse(app)
    client = app.test_client()
    login(client)
    page = client.get("/nurse/account/second-factor").get_data(as_text=True)
    secret, sealed = secret_of(page), sealed_of(page)
    stale = pyotp.TOTP(secret).at(int(T0) - 90)
    refused = client.post("/nurse/account/second-factor/enrol",
                          data={"sealed": sealed, "code": stale})
    assert refused.status_code == 400
    assert secret_of(refused.get_data(as_text=True)) == secret  # the same key, to try again
    with app.app_context():
        assert db.session.scalar(select(SecondFactor)) is None


def test_totp_signs_in_for_the_current_step_and_one_either_side(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    totp = pyotp.TOTP(enrolled[0])
    client = app.test_client()
    for moment, offset in ((T0 + 300, -30), (T0 + 600, 0), (T0 + 900, 30)):
        clock[0] = moment
        assert login(client).location == "/nurse/login/second-factor"
        assert not signed_in(client)  # half signed in: no nurse page
        assert _code_step(client, totp.at(int(moment + offset))) == 302
        assert signed_in(client)
        client.post("/nurse/logout")
    for offset in (-60, 60):  # two steps away
        clock[0] += 300
        login(client)
        assert _code_step(client, totp.at(int(clock[0] + offset))) == 401
        assert not signed_in(client)


def test_a_code_is_refused_a_second_time_in_its_step(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    totp = pyotp.TOTP(enrolled[0])
    clock[0] = T0 + 300
    code = totp.at(int(clock[0]))
    first, second = app.test_client(), app.test_client()
    login(first)
    login(second)
    assert _code_step(first, code) == 302
    assert _code_step(second, code) == 401
    # An older step still inside the window is refused too, once a newer one was used.
    assert _code_step(second, totp.at(int(clock[0]) - 30)) == 401
    clock[0] += 30
    assert _code_step(second, totp.at(int(clock[0]))) == 302


def test_the_code_that_confirmed_setup_does_not_sign_in(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    client = app.test_client()
    login(client)
    assert _code_step(client, pyotp.TOTP(enrolled[0]).at(int(T0))) == 401


def test_each_recovery_code_works_once(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    codes = enrolled[1]
    for code in codes:
        client = app.test_client()
        login(client)
        assert _code_step(client, code.upper().replace("-", " ")) == 302, code
        assert signed_in(client)
    for code in codes[:2]:
        client = app.test_client()
        login(client)
        assert _code_step(client, code) == 401
        assert not signed_in(client)
    assert actions(app).count("recovery_code_used") == 10
    assert actions(app).count("second_factor_failed") == 2


def test_new_recovery_codes_replace_the_old_ones(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    client = app.test_client()
    login(client)
    assert _code_step(client, enrolled[1][0]) == 302
    response = client.post("/nurse/account/second-factor/recovery-codes",
                           data={"password": PASSWORD})
    new = _codes_of(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(enrolled[1])
    other = app.test_client()
    login(other)
    assert _code_step(other, enrolled[1][1]) == 401
    assert _code_step(other, new[0]) == 302
    assert "recovery_codes_new" in actions(app)


def test_removing_needs_a_code_or_the_password(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float]) -> None:
    client = app.test_client()
    login(client)
    _code_step(client, enrolled[1][0])
    client.post("/nurse/account/second-factor/remove", data={"password": "not it at all"})
    client.post("/nurse/account/second-factor/remove", data={"code": "123456"})
    with app.app_context():
        assert second_factor.has_second_factor(db.session, 1)
    clock[0] = T0 + 300
    client.post("/nurse/account/second-factor/remove",
                data={"code": pyotp.TOTP(enrolled[0]).at(int(clock[0]))})
    with app.app_context():
        assert not second_factor.has_second_factor(db.session, 1)
    client.post("/nurse/logout")
    assert login(client).location == "/nurse/"  # the password alone again
    events = actions(app)
    assert events.count("second_factor_failed") == 2
    assert events[-1] == "second_factor_remove" and events[0] == "second_factor_enrol"


def test_the_half_signed_in_state_opens_no_nurse_page(
        app: Flask, enrolled: tuple[str, list[str]]) -> None:
    client = app.test_client()
    login(client)
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/nurse", "/followup/desk")) or "GET" not in rule.methods:
            continue
        if rule.endpoint in ("nurse.login", "nurse.second_factor_step", "static"):
            continue
        url = re.sub(r"<\w+:\w+>|<\w+>", "1", rule.rule)
        assert client.get(url).status_code in (302, 401, 404), url


def test_the_code_step_is_rate_limited(app: Flask, enrolled: tuple[str, list[str]]) -> None:
    with app.app_context():
        limiter.reset()  # the counts of setting up
    client = app.test_client()
    sign_in(client)  # one attempt of the sign-in limit
    statuses = [_code_step(client, "000000") for _ in range(10)]
    assert statuses[:9] == [401] * 9
    assert statuses[9] == 429


def test_the_code_step_is_limited_per_account_from_any_address(
        app: Flask, enrolled: tuple[str, list[str]]) -> None:
    with app.app_context():
        limiter.reset()
    statuses = []
    for address in range(12):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{address}"
        sign_in(client)
        statuses.append(_code_step(client, "000000"))
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_the_setting_sends_a_nurse_without_a_factor_to_set_one_up(
        app: Flask, clock: list[float]) -> None:
    app.config["REQUIRE_SECOND_FACTOR"] = True
    add_nurse(app)
    client = app.test_client()
    assert login(client).location == "/nurse/account/second-factor"
    for url in ("/nurse/", "/nurse/call", "/nurse/encounters", "/nurse/login/second-factor"):
        assert client.get(url).status_code == 302, url
        assert not signed_in(client)
    secret, _ = enrol(client)
    assert signed_in(client)
    client.post("/nurse/logout")
    clock[0] = T0 + 60
    assert login(client).location == "/nurse/login/second-factor"
    assert _code_step(client, pyotp.TOTP(secret).at(int(clock[0]))) == 302
    assert signed_in(client)


def test_the_setting_signs_out_a_session_signed_in_without_a_factor(
        client: FlaskClient, app: Flask) -> None:
    assert signed_in(client)
    app.config["REQUIRE_SECOND_FACTOR"] = True
    response = client.get("/nurse/")
    assert response.status_code == 302 and response.location == "/nurse/login"
    assert not signed_in(client)


def _block(client: FlaskClient, token: str, action: str = "save", **fields: str) -> TestResponse:
    """Post the call with the console's sign-in block filled in."""
    data = call_data(token, action=action,
                     **{f"sign_in-{name}": value for name, value in fields.items()})
    return client.post("/nurse/call", data=data)


@pytest.fixture
def on_a_call(app: Flask, enrolled: tuple[str, list[str]],
              clock: list[float]) -> tuple[FlaskClient, str]:
    """Ann, who has TOTP, with a call open, signed out after idling: the call's token."""
    client = app.test_client()
    login(client)
    assert _code_step(client, pyotp.TOTP(enrolled[0]).at(int(T0) + 30)) == 302
    token = new_call(client)
    with client.session_transaction() as kept:
        kept[LAST_SEEN] = time.time() - 24 * 3600
    return client, token


def test_the_consoles_sign_in_block_takes_a_code_and_saves_the_call(
        app: Flask, enrolled: tuple[str, list[str]], clock: list[float],
        on_a_call: tuple[FlaskClient, str]) -> None:
    client, token = on_a_call
    page = _block(client, token).get_data(as_text=True)
    assert 'name="sign_in-code"' in page and 'autocomplete="one-time-code"' in page
    with app.app_context():
        limiter.reset()
    clock[0] = T0 + 300
    code = pyotp.TOTP(enrolled[0]).at(int(clock[0]))
    saved = _block(client, token, username="ann", password=PASSWORD, code=code)
    assert saved.status_code == 302 and saved.location.startswith("/nurse/encounters/")
    assert signed_in(client)


def test_the_consoles_sign_in_block_refuses_a_missing_wrong_or_used_code(
        app: Flask, enrolled: tuple[str, list[str]], on_a_call: tuple[FlaskClient, str]) -> None:
    client, token = on_a_call
    used = pyotp.TOTP(enrolled[0]).at(int(T0) + 30)
    for code, words in (("", "enter the code your authenticator app shows now"),
                        ("000000", WRONG_CODE_WORDS), (used, WRONG_CODE_WORDS)):
        with app.app_context():
            limiter.reset()
        refused = _block(client, token, action="update", username="ann", password=PASSWORD,
                         code=code)
        page = refused.get_data(as_text=True)
        assert refused.status_code == 401 and words in page, code
        assert 'value="Harriet Quimby"' in page  # the call stays on screen
        assert not signed_in(client)
    assert actions(app).count("second_factor_failed") == 2


def test_a_recovery_code_signs_in_from_the_block_once(
        app: Flask, enrolled: tuple[str, list[str]], on_a_call: tuple[FlaskClient, str]) -> None:
    client, token = on_a_call
    code = enrolled[1][3]
    assert _block(client, token, action="update", username="ann", password=PASSWORD,
                  code=code).status_code == 200
    assert signed_in(client)
    other = app.test_client()
    with app.app_context():
        limiter.reset()
    assert _block(other, token, action="update", username="ann", password=PASSWORD,
                  code=code).status_code == 401
    assert actions(app).count("recovery_code_used") == 1


def test_the_block_sends_an_account_that_must_set_a_factor_up_to_the_sign_in_page(
        app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    app.config["REQUIRE_SECOND_FACTOR"] = True
    with app.test_request_context("/nurse/call"), pytest.raises(SignInRefused) as refused:
        sign_in_again("ann", PASSWORD)
    assert refused.value.status == 401 and "sign-in page" in refused.value.message
    assert token


def test_an_admin_resets_a_lost_factor_from_the_command_line(
        app: Flask, enrolled: tuple[str, list[str]]) -> None:
    result = app.test_cli_runner().invoke(args=["nurses", "reset-second-factor", "ann"])
    assert result.exit_code == 0, result.output
    assert "Removed the second factor of ann" in result.output
    again = app.test_cli_runner().invoke(args=["nurses", "reset-second-factor", "ann"])
    assert again.exit_code != 0 and "has no second factor" in again.output
    assert login(app.test_client()).location == "/nurse/"
    assert actions(app)[-1] == "second_factor_reset"


def test_no_secret_or_code_reaches_a_log_or_the_audit_log(
        app: Flask, clock: list[float], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    add_nurse(app)
    client = app.test_client()
    login(client)
    secret, codes = enrol(client)
    client.post("/nurse/logout")
    clock[0] = T0 + 300
    typed = [pyotp.TOTP(secret).at(int(clock[0]) + 300), pyotp.TOTP(secret).at(int(clock[0])),
             codes[0]]
    login(client)
    for code in typed:
        _code_step(client, code)
    assert signed_in(client)
    with app.app_context():
        stored = repr([(e.action, e.nurse_name, e.shown_ids) for e in
                       db.session.scalars(select(AuditEvent))])
        factor = db.session.scalar(select(SecondFactor).where(SecondFactor.kind == "totp"))
        assert factor is not None and secret not in factor.secret
    words = [secret, *typed, *codes, codes[0].replace("-", "")]
    for word in words:
        assert word not in caplog.text, word
        assert word not in stored, word
    assert "second_factor_failed" in stored


def test_the_audit_page_names_a_second_factor_set_up_in_words(
    app: Flask, enrolled: tuple[str, list[str]]
) -> None:
    add_nurse(app, "ada", admin=True)
    admin = app.test_client()
    assert sign_in(admin, "ada").status_code == 302
    page = admin.get("/nurse/audit").get_data(as_text=True)
    assert "<td>ann</td>\n    <td>Set up a second factor</td>" in page
    assert "second_factor_enrol" not in page
