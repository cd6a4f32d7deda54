"""The phone's own Back, Forward and reload, and Enter, at every page of the check (Chromium).

A page a post led to swaps its address for one that holds the form sealed
(checker/public/sealed.py): reload and history ask for it by GET, never a form post again.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.patient import PHONE, answer_step, answers_for, get_result, step_id

pytestmark = pytest.mark.browser

RESUBMIT = ("ERR_CACHE_MISS", "Confirm Form Resubmission")


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A page the size of a phone held upright, in a context of its own."""
    context = browser.new_context(viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def _state(page: Page) -> tuple[str, str, dict[str, str]]:
    """What the page shows: its step, its heading and every answer as its inputs hold it."""
    inputs = page.locator("#check input:not([type=hidden])").evaluate_all(
        "els => els.filter(e => (e.type !== 'radio' && e.type !== 'checkbox') || e.checked)"
        ".map(e => [e.name, e.value])")
    carried = page.locator("#check input[type=hidden]").evaluate_all(
        "els => els.map(e => [e.name, e.value])")
    return (step_id(page), page.locator("h1").first.inner_text(),
            {name: value for name, value in [*carried, *inputs]})


def _not_resubmitted(page: Page, response: Response | None) -> None:
    """The page came by GET (or from the browser's own memory), never a post sent again."""
    assert response is None or response.request.method == "GET", response.request.method
    assert response is None or response.status in (200, 422), response.status
    text = page.content()
    assert not any(word in text for word in RESUBMIT)
    assert "sealed=" in page.url or page.url.endswith("/")
    assert page.locator("#check").count() == 1


def _continue(page: Page) -> None:
    with page.expect_navigation(wait_until="load"):
        page.locator('#check button.button[value="next"]').click()


def test_reload_back_and_forward_keep_every_answer_at_every_page(
    phone: Page, live_server
) -> None:
    page = phone
    answers = {**answers_for("call_doctor_today"), "temperature_value": "38,2",
               "temperature_unit": "C"}
    page.goto(live_server.url + "/")
    seen = []  # each page as the patient left it
    while True:
        # Reload on arrival: the same page, every answer, asked for by GET.
        arrived = _state(page)
        reloaded = page.reload(wait_until="load")
        _not_resubmitted(page, reloaded)
        assert _state(page) == arrived
        answer_step(page, answers)
        seen.append(_state(page))
        if step_id(page) == "result":
            break
        if step_id(page) == "review":
            get_result(page)
            page.wait_for_load_state("load")
        else:
            _continue(page)
    assert [s[0] for s in seen][-2:] == ["review", "result"]
    query = unquote(page.url.split("?", 1)[1])
    assert "sealed=" in query and "38,2" not in query and "temperature" not in query
    for expected in reversed(seen[:-1]):  # the phone's Back, down to the first step
        response = page.go_back(wait_until="load")
        _not_resubmitted(page, response)
        assert _state(page) == expected
    for expected in seen[1:]:  # and Forward again to the result
        response = page.go_forward(wait_until="load")
        _not_resubmitted(page, response)
        assert _state(page) == expected
    expect(page.locator("h1").first).to_have_text(seen[-1][1])


def test_a_typed_answer_in_the_address_is_unreadable(phone: Page, live_server) -> None:
    page = phone
    page.goto(live_server.url + "/")
    answer_step(page, {q: "no" for q in ("chest_symptoms", "leg_weakness")} |
                answers_for("self_care"))
    _continue(page)
    answer_step(page, {**answers_for("self_care"), "temperature_value": "39.4",
                       "temperature_unit": "C", "days_since_procedure": "17"})
    _continue(page)
    address = page.url
    assert "sealed=" in address
    assert "39.4" not in address and "days_since_procedure" not in address
    assert "chest_symptoms" not in address


def test_the_emergency_step_unanswered_shows_the_summary_and_back_reload_keep_it(
    phone: Page, live_server
) -> None:
    page = phone
    page.goto(live_server.url + "/")
    first = page.locator("#check input[type=radio]").first.get_attribute("name") or ""
    page.locator(f'#check input[name="{first}"][value="no"]').check()
    _continue(page)
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert step_id(page) == _state(page)[0]
    reloaded = page.reload(wait_until="load")
    _not_resubmitted(page, reloaded)
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.locator(f'#check input[name="{first}"][value="no"]')).to_be_checked()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_enter_in_every_box_of_every_step_goes_on_in_the_same_language(
    phone: Page, live_server, lang: str
) -> None:
    page = phone
    page.goto(f"{live_server.url}/?lang={lang}")
    answers = {**answers_for("self_care"), "temperature_value": "37", "temperature_unit": "C"}
    pressed = 0
    while step_id(page) not in ("review", "result"):
        before = step_id(page)
        answer_step(page, answers)
        boxes = page.locator("#check input[type=text]:visible")
        if boxes.count():
            with page.expect_navigation(wait_until="load"):
                boxes.last.press("Enter")
            pressed += 1
        else:
            _continue(page)
        assert page.locator("html").get_attribute("lang") == lang
        assert step_id(page) != before  # the next step: Continue, not a language
    assert pressed >= 2
    assert step_id(page) == "review"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_enter_on_the_follow_up_code_page_is_continue_not_the_language(
    phone: Page, live_server, lang: str
) -> None:
    page = phone
    page.goto(f"{live_server.url}/followup?lang={lang}")
    for box in ("#code", "#year"):
        page.locator("#code").fill("K7QM-2XRD-9F")
        page.locator("#year").fill("19")  # a mistyped year
        with page.expect_navigation(wait_until="load"):
            page.locator(box).press("Enter")
        assert page.locator("html").get_attribute("lang") == lang
        expect(page.get_by_role("alert")).to_be_visible()  # Continue's answer: what is wrong
