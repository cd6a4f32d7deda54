"""Chromium over HTTPS through nginx (the shipped example) to two gunicorn instances."""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Certificate, HttpsBrowser
from tests.browser.patient import answer_step, complete, get_result, press_continue
from tests.checker.samples import HEADLINES, form_answers
from tests.deploy.conftest import NURSE, Deployment
from tests.faults.processes import free_port
from tests.nurse.conftest import CALL_PLAN, CALM_ANSWERS, PASSWORD, caller

pytestmark = pytest.mark.browser

HSTS = "max-age=31536000; includeSubDomains"
PATIENT_NAME = "Philippa Proxyfield"
REQUEST_SECONDS = 10


@pytest.fixture
def context(browser: HttpsBrowser) -> Iterator[BrowserContext]:
    """A fresh phone-sized context that accepts the throwaway certificate."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in the fresh context."""
    return context.new_page()


def _fill(page: Page, answers: dict[str, str]) -> None:
    """Answer every field: a radio by its value, a checkbox by checking it, a box by typing."""
    for name, value in answers.items():
        radio = page.locator(f'input[type="radio"][name="{name}"][value="{value}"]')
        checkbox = page.locator(f'input[type="checkbox"][name="{name}"]')
        if radio.count():
            radio.check()
        elif checkbox.count():
            checkbox.check()
        else:
            page.locator(f'[name="{name}"]').fill(value)


def _unverified() -> ssl.SSLContext:
    """A TLS context for the throwaway certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _status(request: urllib.request.Request) -> int:
    """The status of one request through nginx."""
    try:
        with urllib.request.urlopen(request, context=_unverified(),
                                    timeout=REQUEST_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _logs(deployment: Deployment) -> dict[str, str]:
    """Every log nginx and gunicorn wrote, by file name."""
    return {path.name: path.read_text(errors="replace")
            for path in Path(deployment.workdir).glob("*.log")}


def test_the_emergency_exit_works_through_the_proxy_with_hsts(
    page: Page, deployment: Deployment
) -> None:
    response = page.goto(deployment.url + "/")
    assert response is not None and response.headers["strict-transport-security"] == HSTS
    answer_step(page, {"leg_weakness": "yes"})
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        press_continue(page)
    assert posted.value.status == 200
    assert posted.value.headers["strict-transport-security"] == HSTS
    assert posted.value.headers["cache-control"] == "private, no-cache"
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["emergency"])


def test_a_full_self_check_step_by_step_and_back_work_through_the_proxy(
    page: Page, deployment: Deployment
) -> None:
    page.goto(deployment.url + "/")
    # Two instances behind nginx: the steps may land on either, and nothing is kept on them.
    complete(page, form_answers("call_doctor_today"))
    get_result(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_today"])
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    get_result(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_today"])


def test_a_nurse_signs_in_saves_a_call_and_signs_out_through_the_proxy(
    context: BrowserContext, page: Page, deployment: Deployment
) -> None:
    page.goto(deployment.url + "/nurse/login")
    page.locator("#username").fill(NURSE)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {NURSE}")).to_be_visible()
    session = [c for c in context.cookies() if c["name"] == "session"]
    assert session and session[0]["secure"] and session[0]["httpOnly"]

    page.goto(deployment.url + "/nurse/call")
    _fill(page, {**caller(patient_name=PATIENT_NAME), **CALM_ANSWERS, **CALL_PLAN})
    page.locator('button[value="save"]').click()
    expect(page.get_by_text("The call is saved.")).to_be_visible()
    assert PATIENT_NAME in page.locator("#note").input_value()

    page.locator(".logout button").click()
    expect(page.get_by_role("heading", name="Nurse sign-in")).to_be_visible()
    page.goto(deployment.url + "/nurse/encounters")
    expect(page.get_by_role("heading", name="Nurse sign-in")).to_be_visible()
    for name, text in _logs(deployment).items():
        assert PATIENT_NAME not in text, f"the patient's name is in {name}"


def test_both_instances_answer_and_nginx_refuses_bodies_over_64_kb(
    deployment: Deployment,
) -> None:
    for _ in range(6):
        assert _status(urllib.request.Request(deployment.url + "/api/v1/openapi.json")) == 200
    logs = _logs(deployment)
    for instance in ("gunicorn-a.log", "gunicorn-b.log"):
        assert re.search(r'"GET /api/v1/openapi\.json HTTP/1\.[01]" 200 ', logs[instance]), (
            f"{instance} answered no request through nginx"
        )
    too_big = urllib.request.Request(deployment.url + "/api/v1/assessments",
                                     data=b"{" + b" " * (65 * 1024) + b"}", method="POST",
                                     headers={"Content-Type": "application/json"})
    assert _status(too_big) == 413


def _answer(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and text of a GET through nginx."""
    try:
        response = urllib.request.urlopen(url, context=_unverified(), timeout=REQUEST_SECONDS)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, dict(response.headers), response.read().decode()


def test_with_no_instance_up_nginx_says_to_call_911(
    tmp_path: Path, certificate: Certificate
) -> None:
    alone = Deployment(tmp_path, database_url="")
    try:
        alone.start_nginx(certificate, [free_port(), free_port()])
        status, headers, text = _answer(alone.url + "/")
    finally:
        alone.stop()
    assert status == 503
    assert "In an emergency, call 911 now." in text
    assert headers["Cache-Control"] == "no-store"
    assert headers["Retry-After"] == "30"


def test_a_sign_in_code_reaches_no_log_even_when_no_instance_answers(
    tmp_path: Path, certificate: Certificate
) -> None:
    code, state = "Kq8SignInCode5Log", "Wm3SignInState7Log"
    alone = Deployment(tmp_path, database_url="")
    try:
        alone.start_nginx(certificate, [free_port(), free_port()])
        status, _, text = _answer(f"{alone.url}/nurse/sso/callback?code={code}&state={state}")
        assert _answer(alone.url + "/nurse/login?next=%2Fnurse%2F")[0] == 503
    finally:
        alone.stop()
    assert status == 503 and "call 911" in text
    logs = _logs(alone)
    for name, written in logs.items():
        assert code not in written and state not in written, f"a sign-in code is in {name}"
    assert '"GET /nurse/sso/callback?[hidden] HTTP/1.1" 503 ' in logs[
        "recovery-check.access.log"]
    # The error log still names other failed requests: only the callback's are left out.
    assert "/nurse/login?next=%2Fnurse%2F" in logs["error.log"]


def test_a_follow_up_links_token_reaches_no_log(deployment: Deployment) -> None:
    token = "Zq7FollowupToken4Log"
    for path in (f"/followup/{token}", f"/followup/{token}/history?lang=es"):
        assert _status(urllib.request.Request(deployment.url + path)) in (200, 303)
    logs = _logs(deployment)
    for name, text in logs.items():
        assert token not in text, f"a follow-up link's token is in {name}"
    assert '"GET /followup/[link]/history?lang=es HTTP/1.1" ' in logs["recovery-check.access.log"]
    gunicorn = logs["gunicorn-a.log"] + logs["gunicorn-b.log"]
    assert re.search(r'"GET /followup/\[link\] HTTP/1\.[01]" 200 ', gunicorn)
