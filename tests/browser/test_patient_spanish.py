"""The check in Spanish in Chromium: the emergency exit, a full check, axe-core, reflow, print."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.patient import (
    PHONE,
    answer_step,
    answers_for,
    complete,
    get_result,
    press_continue,
)
from tests.browser.test_patient_print import OVERFLOW
from tests.checker.test_spanish_pages import assert_spanish

pytestmark = pytest.mark.browser


@pytest.fixture
def spanish(browser: Browser) -> Iterator[Page]:
    """A phone whose browser asks for Spanish."""
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    try:
        yield context.new_page()
    finally:
        context.close()


def _clean(page: Page, axe) -> None:
    violations = axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= 0 and found["cut"] == [], found


def test_the_emergency_exit_in_spanish_takes_two_taps(spanish: Page, live_server, axe) -> None:
    spanish.goto(live_server.url + "/")
    expect(spanish.locator("html")).to_have_attribute("lang", "es")
    answer_step(spanish, {"chest_symptoms": "yes"})
    press_continue(spanish)
    expect(spanish.get_by_role("heading", level=1)).to_have_text(
        "Llame al 911 ahora. No maneje usted mismo.")
    expect(spanish.get_by_role("link", name="Llamar al 911")).to_have_attribute("href", "tel:911")
    _clean(spanish, axe)
    assert_spanish("emergency result", spanish.content())


def test_a_full_check_in_spanish_is_spanish_on_every_page_and_prints_on_two_pages(
    spanish: Page, live_server, axe
) -> None:
    spanish.goto(live_server.url + "/")
    answers = {**answers_for("self_care"), "temperature_value": "38,5", "temperature_unit": "C"}
    while spanish.locator('#check input[name="step"]').get_attribute("value") != "review":
        _clean(spanish, axe)
        assert_spanish(spanish.title(), spanish.content())
        answer_step(spanish, answers)
        press_continue(spanish)
    expect(spanish.locator(".summary-list")).to_contain_text("38,5 °C")
    _clean(spanish, axe)
    get_result(spanish)
    expect(spanish.get_by_role("heading", level=1)).to_have_text(
        "Llame a su médico ahora, a cualquier hora.")
    _clean(spanish, axe)
    assert_spanish("result", spanish.content())
    pdf = spanish.pdf(format="Letter")  # what to do, then the answers given, at 12 pt
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2


def test_the_language_button_keeps_the_answers_in_the_browser(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    answer_step(page, answers_for("self_care"))  # the emergency step, all "no"
    press_continue(page)
    answer_step(page, {"bleeding": "spotting", "temperature_value": "38,5"})
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator('input[name="bleeding"][value="spotting"]')).to_be_checked()
    expect(page.locator('input[name="temperature_value"]')).to_have_value("38,5")
    complete(page, {**answers_for("self_care"), "bleeding": "spotting"})
    expect(page.get_by_role("heading", level=1)).to_have_text("Revise sus respuestas")
    expect(page.locator(".summary-list")).to_contain_text("Un poco de sangre en la curita")
