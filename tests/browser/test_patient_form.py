"""The patient's check in Chromium over HTTPS: every step, every result, Back, errors, axe-core."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from rules import load_protocol
from tests.browser.patient import (
    PHONE,
    Walk,
    answer_step,
    answers_for,
    complete,
    get_result,
    press_continue,
    step_id,
)
from tests.checker.samples import HEADLINES

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]
TWO_SCREENS = 2.0


def _assert_no_violations(page: Page, axe: Check) -> None:
    """axe-core finds nothing wrong with the page as it is now."""
    violations = axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


@pytest.fixture
def phone(browser: Browser):
    """A page the size of a phone held upright."""
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_every_step_and_the_review_have_no_accessibility_violations(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    answers = answers_for("self_care")
    while step_id(page) != "review":
        _assert_no_violations(page, axe)
        answer_step(page, answers)
        press_continue(page)
    _assert_no_violations(page, axe)


@pytest.mark.parametrize("disposition", list(HEADLINES))
def test_each_disposition_is_reached_step_by_step(
    page: Page, live_server, axe: Check, disposition: str
) -> None:
    page.goto(live_server.url + "/")
    walk = complete(page, answers_for(disposition))
    if disposition != "emergency":
        get_result(page, walk)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])
    # An emergency result is the call and what to do while waiting, nothing else.
    start_again = page.get_by_role("link", name="Start again")
    if disposition == "emergency":
        expect(start_again).to_have_count(0)
    else:
        expect(start_again).to_be_visible()
    _assert_no_violations(page, axe)


def test_a_full_check_on_a_phone_takes_few_taps_and_no_step_is_over_two_screens(
    phone: Page, live_server, capsys: pytest.CaptureFixture[str]
) -> None:
    phone.goto(live_server.url + "/")
    walk = complete(phone, answers_for("call_doctor_today"))
    walk.screens.append(phone.evaluate(
        "document.documentElement.scrollHeight / window.innerHeight"))
    get_result(phone, walk)
    expect(phone.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_today"])
    with capsys.disabled():
        print(f"\nfull self-check on a 390x844 phone: {len(walk.pages)} steps, {walk.taps} taps, "
              f"{walk.typed} characters typed; screens per page "
              f"{[round(s, 2) for s in walk.screens]} (the last is Check your answers)")
    assert max(walk.screens[:-1]) <= TWO_SCREENS, walk.screens
    # One tap an answer (the unit is preselected), one a step, one for the result.
    assert walk.taps <= len(load_protocol().questions) + len(walk.pages) + 1


def test_a_step_sent_empty_stays_within_two_screens_with_its_errors(
    phone: Page, live_server
) -> None:
    phone.goto(live_server.url + "/")
    pass_red_flags(phone)
    heights = {}
    while step_id(phone) != "review":
        press_continue(phone)  # sent empty: every question of the step is marked
        expect(phone.get_by_role("alert")).to_contain_text("There is a problem")
        heights[step_id(phone)] = phone.evaluate(
            "document.documentElement.scrollHeight / window.innerHeight")
        answer_step(phone, answers_for("self_care"))
        press_continue(phone)
    assert max(heights.values()) <= TWO_SCREENS + 0.75, heights


def test_the_emergency_exit_takes_two_taps(page: Page, live_server, axe: Check) -> None:
    page.goto(live_server.url + "/")
    walk = Walk()
    answer_step(page, {"leg_weakness": "yes"}, walk)
    press_continue(page, walk)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["emergency"])
    assert walk.taps == 2
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    _assert_no_violations(page, axe)


def pass_red_flags(page: Page) -> None:
    """Answer the emergency step "no" throughout and go on, as it must be before step 2."""
    answer_step(page, answers_for("self_care"))
    press_continue(page)


def test_the_emergency_step_must_be_answered_and_with_no_yes_goes_on_without_an_error(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    press_continue(page)  # nothing answered: the same step, saying what is missing
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_text("Step 1 of")).to_be_visible()
    pass_red_flags(page)
    expect(page.get_by_text("Step 2 of")).to_be_visible()
    expect(page.get_by_text("There is a problem")).to_have_count(0)


def test_errors_show_in_a_summary_that_links_to_each_question(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    pass_red_flags(page)
    answer_step(page, {"bleeding": "spotting"})
    press_continue(page)
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    question = load_protocol().by_id["numbness_tingling"].text
    summary.get_by_role("link", name=f"{question} – Choose yes or no").click()
    expect(page.locator("#numbness_tingling-yes")).to_be_focused()
    expect(page.locator('input[name="bleeding"][value="spotting"]')).to_be_checked()
    _assert_no_violations(page, axe)


def test_back_after_a_result_keeps_every_answer_the_temperature_too(
    page: Page, live_server
) -> None:
    answers = {**answers_for("self_care"), "temperature_value": "38,5", "temperature_unit": "C"}
    page.goto(live_server.url + "/")
    complete(page, answers)
    get_result(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])
    page.go_back()  # the browser's own Back: "Check your answers" as it was
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    # Typed 38,5 on an English page: shown back the English way.
    expect(page.locator(".summary-list")).to_contain_text("38.5 °C")
    page.go_back()  # the last step, with its answers
    expect(page.locator('input[name="days_since_procedure"]')).to_have_value(
        answers["days_since_procedure"])
    while not page.locator('input[name="temperature_value"][type="text"]').count():
        page.get_by_role("button", name="Back").click()
    expect(page.locator('input[name="temperature_value"]')).to_have_value("38,5")
    expect(page.locator('input[name="temperature_unit"][value="C"]')).to_be_checked()
    complete(page, answers)
    get_result(page)  # sent again: the same advice
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])


def test_the_browsers_back_in_the_middle_keeps_the_typed_temperature(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    pass_red_flags(page)
    answer_step(page, {**answers_for("self_care"), "temperature_value": "39,1",
                       "temperature_unit": "C"})
    press_continue(page)
    expect(page.get_by_text("Step 3 of")).to_be_visible()
    page.go_back()
    expect(page.locator('input[name="temperature_value"]')).to_have_value("39,1")


def test_an_old_page_with_cookies_cleared_still_goes_on(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    pass_red_flags(page)
    answer_step(page, answers_for("self_care"))
    page.context.clear_cookies()  # an hour later, or a browser that keeps no cookies
    press_continue(page)
    expect(page.get_by_text("Step 3 of")).to_be_visible()
    assert page.context.cookies() == []


def test_a_temperature_in_the_wrong_unit_is_confirmed_with_one_tap(
    page: Page, live_server, axe: Check
) -> None:
    page.goto(live_server.url + "/")
    answer_step(page, answers_for("self_care"))
    press_continue(page)
    answer_step(page, {**answers_for("self_care"), "temperature_value": "38.5",
                       "temperature_unit": "F"})
    press_continue(page)
    expect(page.get_by_text("Did you mean 38.5 °C?")).to_be_visible()
    _assert_no_violations(page, axe)
    page.get_by_role("button", name="Yes, 38.5 °C").click()
    expect(page.get_by_text("Step 3 of")).to_be_visible()
    complete(page, answers_for("self_care") | {"temperature_value": "38.5",
                                                "temperature_unit": "C"})
    get_result(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["call_doctor_now"])


def test_the_check_makes_no_request_to_another_host(page: Page, live_server) -> None:
    hosts = []
    page.on("request", lambda request: hosts.append(request.url.split("/")[2]))
    page.goto(live_server.url + "/")
    complete(page, answers_for("self_care"))
    get_result(page)
    page.wait_for_load_state("load")
    assert set(hosts) == {live_server.url.split("/")[2]}


def test_every_choice_and_button_is_a_target_of_at_least_44_pixels(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    while step_id(page) != "review":
        sizes = page.locator(
            ".choice label, .button:not(.default-submit), .input-number, .link-button"
        ).evaluate_all("els => els.map(e => [e.getBoundingClientRect().width,"
                       " e.getBoundingClientRect().height])")
        assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), (step_id(page), sizes)
        answer_step(page, answers_for("self_care"))
        press_continue(page)


def test_an_error_page_has_no_accessibility_violations(page: Page, live_server, axe: Check) -> None:
    page.goto(live_server.url + "/no-such-page")
    expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    _assert_no_violations(page, axe)
