"""A patient going through the check in Chromium: answer what each step shows, then Continue."""

from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

from tests.checker.samples import form_answers

PHONE = {"width": 390, "height": 844}


@dataclass
class Walk:
    """What a check took: taps, characters typed and phone screens scrolled, page by page."""

    taps: int = 0
    typed: int = 0
    pages: list[str] = field(default_factory=list)
    screens: list[float] = field(default_factory=list)  # each page's height in screens


def visible_names(page: Page) -> list[str]:
    """The names of the inputs the current step shows, in page order, each once."""
    names = page.locator("#check input:not([type=hidden])").evaluate_all(
        "els => els.map(e => e.name)")
    return list(dict.fromkeys(names))


def answer_step(page: Page, answers: dict[str, str], walk: Walk | None = None) -> None:
    """Answer the questions the step shows, as a person taps and types them."""
    walk = walk if walk is not None else Walk()
    for name in visible_names(page):
        if name not in answers:
            continue
        value = answers[name]
        box = page.locator(f'#check input[name="{name}"][type="text"]')
        if box.count():
            if box.input_value() != value:
                box.fill(value)
                walk.taps += 1
                walk.typed += len(value)
            continue
        choice = page.locator(f'#check input[name="{name}"][value="{value}"]')
        if choice.count() and not choice.is_checked():
            page.locator(f'label[for="{choice.get_attribute("id")}"]').click()
            walk.taps += 1
        tick = page.locator(f'#check input[name="{name}"][type="checkbox"]')
        if tick.count() and value and not tick.is_checked():
            tick.check()
            walk.taps += 1


def press_continue(page: Page, walk: Walk | None = None) -> None:
    """Press the step's Continue button."""
    # Wait for the next page to be parsed, so what reads it next never sees a half-built one.
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('#check button.button[value="next"]').click()
    if walk is not None:
        walk.taps += 1


def height_in_screens(page: Page) -> float:
    """How many viewport heights the page takes."""
    return page.evaluate("document.documentElement.scrollHeight / window.innerHeight")


def step_id(page: Page) -> str:
    """The step the page shows ("review" and "result" for those pages)."""
    return page.locator('#check input[name="step"]').get_attribute("value") or ""


def complete(page: Page, answers: dict[str, str], limit: int = 20) -> Walk:
    """Go from the first step to "Check your answers", answering each step; what it took."""
    walk = Walk()
    while step_id(page) not in ("review", "result") and len(walk.pages) < limit:
        walk.pages.append(step_id(page))
        walk.screens.append(height_in_screens(page))
        answer_step(page, answers, walk)
        press_continue(page, walk)
        page.wait_for_load_state("load")
    return walk


def get_result(page: Page, walk: Walk | None = None) -> None:
    """On "Check your answers", press the button for the result."""
    expect(page.locator('#check input[name="step"]')).to_have_value("review")
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.locator('#check button[value="submit"]').click()
    if walk is not None:
        walk.taps += 1


def answers_for(disposition: str) -> dict[str, str]:
    """The answers, as the pages take them, that lead to one disposition."""
    return form_answers(disposition)
