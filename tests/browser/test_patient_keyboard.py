"""Every result can be reached with the keyboard alone, and focus is always visible."""

import pytest
from playwright.sync_api import Page, expect

from rules import load_protocol
from tests.checker.samples import HEADLINES, form_answers

pytestmark = pytest.mark.browser

MAX_TABS = 200  # far more stops than the page has, so a lost focus fails instead of looping


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


def _choose(page: Page, name: str, value: str, options: list[str]) -> None:
    """Tab into a radio group and pick one answer with Space and the arrow keys."""
    focused = _tab_to(page, lambda f: f["name"] == name)
    if focused["value"] == value and page.locator(f'[name="{name}"]:checked').count():
        return
    if not page.locator(f'[name="{name}"]:checked').count():
        page.keyboard.press("Space")  # focus starts on the first answer
    steps = (options.index(value) - options.index(focused["value"])) % len(options)
    for _ in range(steps):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f'[name="{name}"][value="{value}"]')).to_be_checked()


def _type(page: Page, name: str, value: str) -> None:
    """Tab into a number box and type the answer."""
    _tab_to(page, lambda f: f["name"] == name)
    page.keyboard.type(value)


def _options(page: Page, name: str) -> list[str]:
    """The values of a radio group, in page order."""
    return page.locator(f'input[name="{name}"]').evaluate_all("els => els.map(e => e.value)")


def _complete(page: Page, answers: dict[str, str]) -> None:
    """Answer every question in page order, using only the keyboard."""
    for question in load_protocol().questions:
        value = answers[question.id]
        if page.locator(f'input[name="{question.id}"][type="radio"]').count():
            _choose(page, question.id, value, _options(page, question.id))
        else:
            _type(page, question.id, value)
        if question.type == "temperature":
            unit = answers["temperature_unit"]
            _choose(page, "temperature_unit", unit, _options(page, "temperature_unit"))


@pytest.mark.parametrize("disposition", list(HEADLINES))
def test_each_disposition_can_be_reached_with_the_keyboard_alone(
    page: Page, live_server, disposition: str
) -> None:
    page.goto(live_server.url + "/")
    _complete(page, form_answers(disposition))
    _tab_to(page, lambda f: f["type"] == "submit" and f["text"] == "Check my answers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])


def test_the_emergency_button_can_be_used_with_the_keyboard_alone(
    page: Page, live_server
) -> None:
    page.goto(live_server.url + "/")
    _choose(page, "chest_symptoms", "yes", ["yes", "no"])
    _tab_to(page, lambda f: f["type"] == "submit" and "get help now" in f["text"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES["emergency"])


def test_the_keyboard_focus_is_always_visible(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    for _ in range(12):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("", "none")
