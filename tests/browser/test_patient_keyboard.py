"""Every result can be reached with the keyboard alone, and focus is always visible."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.patient import answers_for, step_id, visible_names
from tests.checker.samples import HEADLINES

pytestmark = pytest.mark.browser

MAX_TABS = 80  # far more stops than a step has, so a lost focus fails instead of looping


def _focused(page: Page) -> dict[str, str]:
    """The name, type, value and text of the element that has the focus."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return {name: e.name || '', type: e.type || '', value: e.value || '',"
        " text: (e.textContent || '').trim()}; }"
    )


def _tab_to(page: Page, matches) -> dict[str, str]:
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if matches(focused):
            return focused
    raise AssertionError("the keyboard never reached the element")


def _choose(page: Page, name: str, value: str) -> None:
    """Tab into a radio group and pick one answer with Space and the arrow keys."""
    options = page.locator(f'input[name="{name}"]').evaluate_all("els => els.map(e => e.value)")
    focused = _tab_to(page, lambda f: f["name"] == name)
    if not page.locator(f'[name="{name}"]:checked').count():
        page.keyboard.press("Space")  # focus starts on the first answer
    steps = (options.index(value) - options.index(focused["value"])) % len(options)
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f'[name="{name}"][value="{value}"]')).to_be_checked()


def _answer_step(page: Page, answers: dict[str, str]) -> None:
    """Answer the step's questions in page order with the keyboard, then press Enter."""
    page.locator("body").focus()
    for name in visible_names(page):
        if name not in answers:
            continue
        kind = page.locator(f'#check input[name="{name}"]').first.get_attribute("type")
        if kind == "radio":
            _choose(page, name, answers[name])
        elif kind == "text":
            _tab_to(page, lambda f, name=name: f["name"] == name)
            page.keyboard.type(answers[name])
    page.keyboard.press("Enter")  # from the last answer: the step's Continue


@pytest.mark.parametrize("disposition", list(HEADLINES))
def test_each_disposition_can_be_reached_with_the_keyboard_alone(
    page: Page, live_server, disposition: str
) -> None:
    page.goto(live_server.url + "/")
    answers = answers_for(disposition)
    for _ in range(12):
        if step_id(page) in ("review", "result"):
            break
        _answer_step(page, answers)
        page.wait_for_load_state("load")
    if disposition != "emergency":
        _tab_to(page, lambda f: f["type"] == "submit" and f["text"] == "Get my result")
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])


def test_the_emergency_exit_works_with_the_keyboard_alone(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    _choose(page, "chest_symptoms", "yes")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["emergency"])


def test_the_keyboard_focus_is_always_visible(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    stops = page.evaluate("document.querySelectorAll('a[href], input:not([type=hidden]),"
                          " button:not([tabindex=\"-1\"])').length")
    seen = set()
    for _ in range(stops):
        page.keyboard.press("Tab")
        focused = page.evaluate("(() => { const e = document.activeElement;"
                                " return [e.tagName, e.id || e.textContent.trim().slice(0, 20),"
                                " getComputedStyle(e).outlineStyle]; })()")
        if focused[0] == "BODY":
            break
        seen.add(focused[1])
        assert focused[2] not in ("", "none"), focused
    assert len(seen) >= 6  # the skip link, 911, the language, the answers, Continue
