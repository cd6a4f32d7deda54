"""Follow-up in Chromium over HTTPS, as a new user: enrolment to check-ins to a saved call."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from checker.clock import utcnow
from checker.followup import checkin
from tests.browser.patient import answers_for, complete, get_result
from tests.browser.test_nurse_console import accounts, assert_no_violations, sign_in  # noqa: F401
from tests.followup.conftest import enrol
from tests.followup.test_worklist import add_checkin

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]
PHONE = {"width": 390, "height": 844}


def _on_day(monkeypatch: pytest.MonkeyPatch, days_ago: int) -> None:
    """Make the check-in pages live some days in the past, as a patient's earlier days were."""
    moment = utcnow() - timedelta(days=days_ago)
    monkeypatch.setattr(checkin, "utcnow", lambda: moment)


def _sheet_code(page: Page) -> str:
    """The code a sheet shows, as printed (K7QM-2XRD-9F)."""
    found = re.search(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}\b",
                      page.locator("article.followup-sheet").inner_text())
    assert found, "the sheet shows no code"
    return found.group(0)


def _check_in(phone: Page, answers: dict[str, str], axe: Check) -> None:
    """From the patient's own page: Check in today, every step, then the result."""
    phone.reload()  # the page as of the day being tried: that day's check-in not yet done
    phone.get_by_role("link", name="Check in today").click()
    complete(phone, answers)
    get_result(phone)
    expect(phone.locator("#checkin-saved")).to_contain_text("Your check-in is saved")
    assert_no_violations(phone, axe)
    phone.get_by_role("link", name="See your check-ins").click()


def test_a_nurse_enrols_the_patient_checks_in_three_days_and_the_fever_reaches_a_call(
    page: Page, browser: Browser, accounts: str, axe: Check,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in(page, accounts, "nora")
    page.get_by_role("link", name="Enrol for follow-up").click()
    page.get_by_role("button", name="Enrol and print the sheet").click()
    expect(page.get_by_role("alert")).to_contain_text("Patient's name: This field is required.")
    assert_no_violations(page, axe)
    page.fill("#patient_name", "Harriet Quimby")
    page.fill("#date_of_birth", "1941-05-11")
    page.fill("#record_number", "MRN-4471")
    page.check("input[name=procedure_type][value=kyphoplasty]")
    page.fill("#procedure_date", (date.today() - timedelta(days=3)).isoformat())
    page.fill("#phone", "555 0100")
    page.check("#consent")
    page.fill("#consent_note", "Agreed in person at discharge.")
    page.get_by_role("button", name="Enrol and print the sheet").click()
    expect(page.get_by_role("heading", name="Your daily recovery check-in")).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    assert_no_violations(page, axe)
    code = _sheet_code(page)
    address = re.search(r"https://[^\s<]+/followup(?=<)", page.content())
    assert address, "the sheet shows no address"

    # The sheet's QR code opens the page with the code after "#": the script fills it in.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{address.group(0)}#{code}")
    expect(phone.get_by_label("The code on your sheet")).to_have_value(code)
    assert phone.url == address.group(0)  # the code left the address bar and the history
    assert_no_violations(phone, axe)
    phone.get_by_label("Your year of birth").fill("1942")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("alert")).to_contain_text("do not open a check-in")
    assert "Harriet" not in phone.content()
    assert_no_violations(phone, axe)
    phone.get_by_label("Your year of birth").fill("1941")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text("You have no check-ins yet.")).to_be_visible()
    assert "/followup/history" in phone.url and code not in phone.url
    assert_no_violations(phone, axe)

    for days_ago, pain in ((2, "6"), (1, "4")):
        _on_day(monkeypatch, days_ago)
        _check_in(phone, {**answers_for("self_care"), "pain_score": pain}, axe)
    _on_day(monkeypatch, 0)
    fever = {**answers_for("self_care"), "pain_score": "3", "temperature_value": "38.9",
             "temperature_unit": "C"}
    _check_in(phone, fever, axe)
    chart = phone.get_by_role("img", name=re.compile(
        "Day 1: pain 6 of 10; Day 2: pain 4 of 10; Day 3: pain 3 of 10"))
    expect(chart).to_be_visible()
    expect(phone.locator("li.checkin-card")).to_have_count(3)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_violations(phone, axe)

    # The fever tops the nurse's worklist with an alert, and opens in the console filled in.
    page.get_by_role("link", name="Follow-up", exact=True).click()
    first_row = page.locator("#worklist-rows tr").first
    expect(first_row).to_contain_text("Harriet Quimby")
    expect(first_row).to_contain_text("Alert: CALL DOCTOR NOW, day 3")
    assert_no_violations(page, axe)
    first_row.get_by_role("link", name="Harriet Quimby").click()
    assert_no_violations(page, axe)
    page.locator("article.checkin").first.get_by_role(
        "link", name="Open in the call console").click()
    expect(page.get_by_role("status").filter(has_text="Filled in from the patient's check-in")
           ).to_be_visible()
    expect(page.locator("input[name=temperature_value]")).to_have_value("38.9")
    assert_no_violations(page, axe)
    # The plan: the caller agreed and was told when to call back.
    page.get_by_role("group", name="Caller's agreement with the plan").get_by_label(
        "Agreed", exact=True).check()
    page.get_by_role("group", name="Told the caller when to call back").get_by_label(
        "Yes", exact=True).check()
    page.get_by_role("button", name="Save the call").click()
    expect(page.get_by_text("The call is saved.")).to_be_visible()
    page.get_by_role("link", name="the patient's follow-up check-in").click()
    expect(page.get_by_text("began from this check-in")).to_be_visible()

    phone.reload()
    expect(phone.locator("li.checkin-card")).to_have_count(3)
    phone.context.close()


def test_the_worklist_shows_a_new_urgent_check_in_without_reloading(
    page: Page, accounts: str, live_server: Any, axe: Check,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(live_server.app.config, "WORKLIST_REFRESH_SECONDS", 1)
    enrolment_id, _ = enrol(live_server.app, by="nora", patient_name="Rosa Refresh",
                            procedure_date=date.today() - timedelta(days=2))
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/followup")
    row = page.locator("#worklist-rows tr", has_text="Rosa Refresh")
    expect(row).to_contain_text("Nothing to review")
    page.evaluate("window.__sameDocument = true")
    add_checkin(live_server.app, enrolment_id, "emergency", {"chest_symptoms": True},
                hours_ago=0)
    expect(row).to_contain_text("Alert: EMERGENCY", timeout=10_000)
    assert page.evaluate("window.__sameDocument") is True  # the rows changed, not the page
    assert_no_violations(page, axe)


def test_a_new_code_for_a_lost_sheet_is_typed_without_script_by_the_patient(
    page: Page, browser: Browser, accounts: str, axe: Check,  # noqa: F811
    live_server: Any,
) -> None:
    enrolment_id, old = enrol(live_server.app, by="nora", patient_name="Nell Nocode",
                            procedure_date=date.today() - timedelta(days=2))
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/followup/patients/{enrolment_id}")
    page.get_by_role("button", name="Issue a new code and print its sheet").click()
    expect(page.get_by_role("heading", name="Your daily recovery check-in")).to_be_visible()
    assert_no_violations(page, axe)
    code = _sheet_code(page)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    tab = phone.new_page()
    tab.goto(f"{accounts}/followup#{code}")
    expect(tab.get_by_label("The code on your sheet")).to_have_value("")
    tab.get_by_label("The code on your sheet").fill(old)  # the lost sheet's code is void
    tab.get_by_label("Your year of birth").fill("1941")
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("alert")).to_contain_text("do not open a check-in")
    tab.get_by_label("The code on your sheet").fill(code.lower().replace("-", " "))
    tab.get_by_label("Your year of birth").fill("1941")
    tab.get_by_role("button", name="Continue").click()
    expect(tab.get_by_role("heading", name="Your check-ins")).to_be_visible()
    phone.close()
