"""Follow-up for an older patient in Chromium over HTTPS: a phone at 390 and 320 px, text at 200%,
in Spanish; no page scrolls sideways or breaks a word; the chart's labels are at least 16 px;
the sheet prints at 14 pt or more, on one page, filling it."""

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from checker.clock import utcnow
from tests.browser.patient import answers_for, complete, get_result
from tests.browser.test_nurse_console import accounts, sign_in  # noqa: F401
from tests.followup.conftest import enrol

pytestmark = pytest.mark.browser

BIG_TEXT = "html{font-size:200%}"
BODY_SIZE = "parseFloat(getComputedStyle(document.body).fontSize)"
SMALLEST_HEADING = """Math.min(...[...document.querySelectorAll('h1, h2, legend, .question-label')]
  .map(e => parseFloat(getComputedStyle(e).fontSize)))"""
FOURTEEN_POINTS = 18.67  # px

# How far the page reaches past the window, and each word (or part of a hyphenated one) drawn
# on more than one line.
LAYOUT = """(within) => {
  const broken = [];
  const roots = within ? [...document.querySelectorAll(within)] : [document.body];
  for (const root of roots) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('.visually-hidden, .skip-link, script, [hidden]')) continue;
    // A line may end after a hyphen or a slash ("check-in", "and/or"); never inside a word.
    const words = /[^\\s\\-\u2010/]+/g;
    let word;
    while ((word = words.exec(node.data))) {
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0)
        .map(r => Math.round(r.bottom)));
      if (lines.size > 1) {
        const box = parent.closest('[class]');
        broken.push(`${word[0]} (${parent.tagName.toLowerCase()} in .${box ? box.className : ''})`);
      }
    }
  }
  }
  return {over: document.documentElement.scrollWidth - window.innerWidth, broken};
}"""


def _big(tab: Page) -> None:
    """Text at 200%, as a browser's text-size setting makes it."""
    tab.add_style_tag(content=BIG_TEXT)


def _fits(tab: Page, where: str, within: str = "") -> None:
    """No sideways scrolling and no word broken inside (in the parts named, else anywhere)."""
    layout = tab.evaluate(LAYOUT, within)
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{where}: {layout['over']} px sideways")
    assert layout["broken"] == [], f"{where}: words broken inside"


@pytest.fixture
def phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A Spanish phone of the width asked (390 or 320 px), allowed the test's larger text."""
    width = request.param
    context = browser.new_context(viewport={"width": width, "height": 844 if width > 320 else 568},
                                  is_mobile=True, has_touch=True, locale="es-ES",
                                  bypass_csp=True)  # only so add_style_tag can enlarge the text
    try:
        yield context.new_page()
    finally:
        context.close()


def _open(tab: Page, base: str, code: str) -> None:
    """The code and year of birth, typed on the fixed page."""
    tab.goto(f"{base}/followup")
    _big(tab)
    _fits(tab, "code page")
    tab.get_by_label("El código de su hoja").fill(code)
    tab.get_by_label("Año en que nació").fill("1941")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Continuar").click()


@pytest.mark.parametrize("phone", [390, 320], indirect=True)
def test_a_spanish_check_in_at_200_percent_text_fits_and_ends_done_for_today(
    phone: Page, accounts: str, live_server: Any,  # noqa: F811
) -> None:
    # The stored patient's one check-in was yesterday, so today's is still to do.
    _, code = enrol(live_server.app, by="nora", language="es", patient_name="Rosa Ruiz",
                    created_at=utcnow() - timedelta(days=1),
                    procedure_date=date.today() - timedelta(days=3))
    _open(phone, accounts, code)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sus controles")
    _big(phone)
    _fits(phone, "history before")
    with phone.expect_navigation():
        phone.get_by_role("link", name="Hacer el control de hoy").click()
    _big(phone)
    answers = {**answers_for("self_care"), "pain_score": "3"}
    steps = 0
    while phone.locator('#check input[name="step"]').get_attribute("value") not in (
            "review", "result"):
        _fits(phone, f"step {steps + 1}")
        complete(phone, answers, limit=1)
        _big(phone)
        steps += 1
    _fits(phone, "review")
    get_result(phone)
    _big(phone)
    # The result's own sections are the result page's (tests/browser/test_result_glance.py);
    # here the page as a whole, and what a follow-up adds to it.
    _fits(phone, "result", "#checkin-saved, .followup-watch, .followup-note")
    expect(phone.locator("#checkin-saved")).to_contain_text("Su control está guardado")
    phone.get_by_role("link", name="Ver sus controles").click()
    phone.wait_for_load_state()
    _big(phone)
    _fits(phone, "history after")
    done = phone.locator("#done-today")
    expect(done).to_contain_text("Listo por hoy")
    expect(done).to_contain_text("Haga su próximo control mañana")
    expect(phone.get_by_role("link", name="Hacer el control de hoy")).to_have_count(0)
    expect(phone.locator("li.checkin-card")).to_have_count(2)
    assert phone.locator("table").count() == 0
    sizes = phone.locator(".chart-scale span, .chart-days span").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == 4 and min(sizes) >= 16, sizes
    expect(phone.get_by_role("img", name=re.compile("Día 3: dolor 3 de 10"))).to_be_visible()


@pytest.mark.parametrize("phone", [320], indirect=True)
def test_without_larger_text_the_chart_labels_are_still_16_px(
    phone: Page, accounts: str, live_server: Any,  # noqa: F811
) -> None:
    _, code = enrol(live_server.app, by="nora", language="es", patient_name="Luz Chart",
                    procedure_date=date.today() - timedelta(days=4))
    phone.goto(f"{accounts}/followup")
    phone.get_by_label("El código de su hoja").fill(code)
    phone.get_by_label("Año en que nació").fill("1941")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Continuar").click()
    sizes = phone.locator(".chart-scale span, .chart-days span").evaluate_all(
        "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert len(sizes) == 4 and min(sizes) >= 16, sizes
    _fits(phone, "history at 320 px")


@pytest.mark.parametrize("phone", [320], indirect=True)
def test_wrong_years_end_on_a_calm_page_with_the_clinics_number(
    phone: Page, accounts: str, live_server: Any, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    monkeypatch.setitem(live_server.app.config, "CLINIC_PHONE", "555 0199")
    _, code = enrol(live_server.app, by="nora", language="es", patient_name="Eva Wrong",
                    procedure_date=date.today() - timedelta(days=2))
    phone.goto(f"{accounts}/followup")
    status = 0
    for _ in range(8):
        phone.get_by_label("El código de su hoja").fill(code)
        phone.get_by_label("Año en que nació").fill("1950")
        with phone.expect_navigation() as navigation:
            phone.get_by_role("button", name="Continuar").click()
        response = navigation.value
        status = response.status if response else 0
        if status == 429:
            break
    assert status == 429
    _big(phone)
    _fits(phone, "429")
    html = phone.content()
    assert "Error 429" not in html and "result-emergency" not in html
    assert "No maneje usted mismo" not in html
    expect(phone.locator("main").get_by_role("link", name="555 0199")).to_be_visible()
    expect(phone.locator("footer")).to_contain_text("En una emergencia, llame al")


def test_the_sheet_is_spanish_prints_at_14_points_or_more_on_one_full_page(
    page: Page, accounts: str, live_server: Any,  # noqa: F811
) -> None:
    enrolment_id, _ = enrol(live_server.app, by="nora", language="es",
                            patient_name="Ana Sheet",
                            procedure_date=date.today() - timedelta(days=1))
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/followup/patients/{enrolment_id}")
    page.get_by_role("button", name="Issue a new code and print its sheet").click()
    sheet = page.locator("article.followup-sheet")
    expect(sheet.get_by_role("heading", level=1)).to_have_text("Su control diario de recuperación")
    expect(page.get_by_role("button", name="Print the sheet")).to_be_visible()
    code = sheet.locator(".followup-code").inner_text()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}",
                        code)
    assert sheet.locator(".followup-address").inner_text() == f"{accounts}/followup"
    page.emulate_media(media="print")
    sizes = sheet.locator("h1, p, figcaption, a, strong").evaluate_all(
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])")
    small = [(text, size) for text, size in sizes if size < FOURTEEN_POINTS]
    assert sizes and small == []
    assert not page.get_by_role("button", name="Print the sheet").is_visible()
    height = sheet.evaluate("e => e.getBoundingClientRect().height")
    assert height >= 24 * 96 / 2.54  # 24 cm of a Letter or A4 page's 25-27 cm inside margins
    for paper in ("Letter", "A4"):
        pdf = page.pdf(format=paper)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, paper


@pytest.mark.parametrize("phone", [320], indirect=True)
def test_the_anonymous_checks_steps_and_review_fit_at_320_px_with_200_percent_text(
    phone: Page, live_server: Any,
) -> None:
    phone.goto(f"{live_server.url}/?lang=es")
    answers = answers_for("call_doctor_today")
    steps = 0
    while phone.locator('#check input[name="step"]').get_attribute("value") not in (
            "review", "result") and steps < 20:
        _big(phone)
        _fits(phone, f"step {steps + 1}")
        # Fitted to the screen, a heading or a question is still never smaller than the text.
        assert phone.evaluate(SMALLEST_HEADING) >= phone.evaluate(BODY_SIZE) == 32
        complete(phone, answers, limit=1)
        steps += 1
    _big(phone)
    _fits(phone, "review")
    assert steps >= 5
