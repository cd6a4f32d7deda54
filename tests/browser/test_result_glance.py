"""The result at a glance on a phone (390 x 844), measured in Chromium: two screens at most,
the call button and the code on the first; an emergency is the call alone; at 320 px with 200%
text nothing scrolls sideways and no headline word or phone number is broken; on paper at
least 12 pt with the date and the answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.patient import PHONE
from tests.checker.samples import CALM_FORM, FORM_FOR

pytestmark = pytest.mark.browser

SCREEN = PHONE["height"]
NUMBERS = {"CLINIC_NAME": "the spine clinic", "CLINIC_PHONE": "555-0100",
           "AFTER_HOURS_PHONE": "555-0199"}
FEVER = {**CALM_FORM, "temperature_value": "39", "temperature_unit": "C",
         "feels_feverish": "yes"}
RESULTS = {"fever": FEVER, **{d: {**CALM_FORM, **FORM_FOR[d]} for d in FORM_FOR}}
LANGUAGES = ["en", "es"]

# Posts an answer set as "Check your answers" does (the whole form at once).
POST = """([url, data]) => {
  const form = document.createElement('form');
  form.method = 'post'; form.action = url;
  for (const [name, value] of Object.entries(data)) {
    const input = document.createElement('input');
    input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
  }
  document.body.appendChild(form); form.submit();
}"""
# Where an element ends, from the top of the page.
BOTTOM = "e => e.getBoundingClientRect().bottom + window.scrollY"
# Each word of the headline and each phone number whose letters lie on more than one line.
BROKEN = """() => {
  const broken = [];
  const texts = [...document.querySelectorAll('.result-headline span, .number, .phone')];
  for (const element of texts) {
    const node = element.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) continue;
    const text = node.textContent;
    for (const match of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0)
        .map(r => Math.round(r.top)));
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""


@pytest.fixture
def numbers(live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The clinic's name and both numbers set on the live server for one test."""
    for name, value in NUMBERS.items():
        monkeypatch.setitem(live_server.app.config, name, value)
    yield


@contextmanager
def _result(browser: Browser, url: str, form: dict[str, str], language: str,
            width: int = PHONE["width"]) -> Iterator[Page]:
    """The result page for a whole answer set, on a phone-sized page in a language."""
    context = browser.new_context(viewport={"width": width, "height": SCREEN},
                                  locale=language, bypass_csp=True,
                                  extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        page.goto(url + "/")
        with page.expect_navigation(wait_until="load"):
            page.evaluate(POST, [url + "/", form])
        expect(page.locator(".result-headline")).to_be_visible()
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", [n for n in RESULTS if n != "emergency"])
def test_a_result_is_two_screens_with_the_button_and_code_on_the_first(
    browser: Browser, live_server: Any, numbers: None, name: str, language: str
) -> None:
    with _result(browser, live_server.url, RESULTS[name], language) as page:
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 2 * SCREEN, (name, language, height)
        assert page.locator(".code").evaluate(BOTTOM) <= SCREEN
        buttons = page.locator(".button-call")
        if name != "self_care":
            assert buttons.count() == 1 and buttons.evaluate(BOTTOM) <= SCREEN
        else:
            assert buttons.count() == 0
        # Every sign and piece of advice is on the page, folded or not.
        assert page.locator(".call-back li").count() >= 15


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_emergency_result_is_the_headline_the_button_and_what_to_do(
    browser: Browser, live_server: Any, numbers: None, language: str
) -> None:
    with _result(browser, live_server.url, RESULTS["emergency"], language) as page:
        shown = page.locator("main").evaluate("""main => [...main.querySelectorAll('*')]
          .filter(e => e.offsetParent !== null && e.getBoundingClientRect().width > 1
                       && e.children.length === 0 && e.textContent.trim())
          .map(e => e.closest('.result-headline, .button-call, .emergency-advice, .language-switch,'
                              + '.translation-note'))
          .map(e => e ? e.className : 'other')""")
        kinds = set(shown)
        assert "other" not in kinds, shown
        assert {"result-headline", "button button-call button-call-emergency",
                "emergency-advice"} <= kinds
        assert page.locator(".button-call").evaluate(BOTTOM) <= SCREEN
        assert page.locator(".code, details, .call-back").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(RESULTS))
def test_at_320_px_and_200_percent_text_nothing_scrolls_sideways_or_breaks_a_word(
    browser: Browser, live_server: Any, numbers: None, name: str, language: str
) -> None:
    with _result(browser, live_server.url, RESULTS[name], language, width=320) as page:
        before = page.locator(".result-headline").evaluate(
            "e => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.add_style_tag(content="html { font-size: 225% !important; }")  # 200% of 112.5%
        after = page.locator(".result-headline").evaluate(
            "e => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        assert after == pytest.approx(2 * before)
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (name, language, width)
        assert page.evaluate(BROKEN) == [], (name, language)
        # Sized to the narrow screen, but never smaller than the text around them.
        smaller = page.evaluate("""() => [...document.querySelectorAll(
            '.result-headline, .number, .phone, .code')]
          .filter(e => parseFloat(getComputedStyle(e).fontSize)
                       < parseFloat(getComputedStyle(document.body).fontSize))
          .map(e => e.className)""")
        assert smaller == [], (name, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_printed_result_is_12_pt_with_the_date_answers_and_code(
    browser: Browser, live_server: Any, numbers: None, language: str
) -> None:
    with _result(browser, live_server.url, RESULTS["fever"], language) as page:
        page.emulate_media(media="print")
        expect(page.locator(".assessed")).to_be_visible()
        expect(page.locator(".answers")).to_be_visible()
        assert page.locator(".answers dt").count() >= 15
        expect(page.locator(".code")).to_be_visible()
        expect(page.locator(".print-button")).to_be_hidden()
        smallest = page.evaluate("""() => [...document.querySelectorAll('body *')]
          .filter(e => e.offsetParent !== null && e.getBoundingClientRect().width > 1
                       && [...e.childNodes].some(
                         n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
          .map(e => [parseFloat(getComputedStyle(e).fontSize), e.tagName + ' ' + e.className])
          .sort((a, b) => a[0] - b[0])[0]""")
        assert smallest[0] >= 16, smallest  # 12 pt
        # Folded advice and signs open for paper, and close again after.
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.locator("details:not([open])").count() == 0
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert page.locator("details[open]").count() == 0
