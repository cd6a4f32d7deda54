"""The patient's self-check in a real browser: each result, errors, keyboard and axe-core."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rules import load_protocol
from tests.checker.samples import HEADLINES, form_answers

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]

def _fill(page: Page, answers: dict[str, str]) -> None:
    """Answer every question by clicking its choice or typing in its box."""
    for name, value in answers.items():
        box = page.locator(f'input[name="{name}"]:not([type="radio"])')
        if box.count():
            box.fill(value)
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').check()


def _assert_no_violations(page: Page, axe: Check) -> None:
    """axe-core finds nothing wrong with the page as it is now."""
    violations = axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_the_form_has_no_accessibility_violations(page: Page, live_server, axe: Check) -> None:
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check how you are recovering")
    _assert_no_violations(page, axe)


@pytest.mark.parametrize("disposition", list(HEADLINES))
def test_each_disposition_is_reached_by_filling_in_the_form(
    page: Page, live_server, axe: Check, disposition: str
) -> None:
    page.goto(live_server.url + "/")
    _fill(page, form_answers(disposition))
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])
    expect(page.get_by_role("link", name="Start again")).to_be_visible()
    _assert_no_violations(page, axe)


def test_the_emergency_button_ends_the_form_at_once(page: Page, live_server, axe: Check) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("group", name=load_protocol().by_id["leg_weakness"].text).get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="I answered yes to one of these: get help now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["emergency"])
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    _assert_no_violations(page, axe)


def test_errors_show_in_a_summary_that_links_to_each_field(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    answers = form_answers("self_care")
    del answers["headache"]
    answers["days_since_procedure"] = "abc"
    _fill(page, {k: v for k, v in answers.items() if k != "days_since_procedure"})
    page.get_by_role("button", name="Check my answers").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    link = summary.get_by_role("link", name="Do you have a headache? – Choose one answer")
    link.click()
    expect(page.locator("#headache-0")).to_be_focused()
    expect(page.locator('input[name="pain_trend"][value="better"]')).to_be_checked()
    _assert_no_violations(page, axe)


def test_the_form_fits_a_320_pixel_screen(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320
    finally:
        context.close()


def test_the_form_page_makes_no_request_to_another_host(page: Page, live_server) -> None:
    hosts = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2]))
    page.goto(live_server.url + "/")
    page.wait_for_load_state("load")
    assert set(hosts) == {live_server.url.split("/")[2]}


def test_every_choice_is_a_target_of_at_least_44_pixels(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    sizes = page.locator(".choice label, .button:not(.default-submit), .input-number").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])"
    )
    assert sizes
    assert all(w >= 44 and h >= 44 for w, h in sizes), sizes


def test_an_error_page_has_no_accessibility_violations(page: Page, live_server, axe: Check) -> None:
    page.goto(live_server.url + "/no-such-page")
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    _assert_no_violations(page, axe)


def test_back_after_a_result_keeps_every_answer_the_temperature_too(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    answers = {**form_answers("self_care"), "temperature": "38,5", "temperature_unit": "C"}
    _fill(page, answers)
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])
    page.go_back()
    expect(page.locator('input[name="temperature"]')).to_have_value("38,5")
    expect(page.locator('input[name="days_since_procedure"]')).to_have_value(
        answers["days_since_procedure"]
    )
    expect(page.locator('input[name="temperature_unit"][value="C"]')).to_be_checked()
    page.get_by_role("button", name="Check my answers").click()  # sent again: the same advice
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])


def test_the_emergency_button_with_no_yes_goes_on_to_the_questions(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="I answered yes to one of these: get help now").click()
    expect(page.locator("#emergency-note")).to_contain_text("None of these signs is answered yes")
    expect(page.get_by_text("There is a problem")).to_have_count(0)
    _assert_no_violations(page, axe)


def test_a_temperature_in_the_wrong_unit_is_confirmed_with_one_tap(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    _fill(page, {**form_answers("self_care"), "temperature": "38.5", "temperature_unit": "F"})
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_text("Did you mean 38.5 °C?")).to_be_visible()
    _assert_no_violations(page, axe)
    page.get_by_role("button", name="Yes, 38.5 °C").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])
