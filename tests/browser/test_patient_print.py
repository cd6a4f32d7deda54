"""The result prints as a handout of at most two pages at 12 pt (what to do, then the answers
given), and every page reflows at 320 px and 400% zoom."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.patient import answer_step, answers_for, complete, get_result, press_continue
from tests.checker.samples import HEADLINES

pytestmark = pytest.mark.browser

# Whatever of an element is wider than its box, or of the page wider than the window.
OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const cut = [...document.querySelectorAll('h1, h2, legend, label, p, li, .button, dd')]
    .filter(e => e.scrollWidth - e.clientWidth > 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => e.textContent.trim().slice(0, 40));
  return {page, cut};
}"""


def _result(page: Page, url: str, disposition: str) -> None:
    """Go through the check for one disposition."""
    page.goto(url + "/")
    complete(page, answers_for(disposition))
    if disposition != "emergency":
        get_result(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])


@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("disposition", list(HEADLINES))
def test_a_result_prints_on_at_most_two_pages(
    page: Page, live_server, disposition: str, paper: str
) -> None:
    _result(page, live_server.url, disposition)
    pdf = page.pdf(format=paper)
    # An emergency is the call alone; any other result carries the answers on paper too.
    pages = 1 if disposition == "emergency" else 2
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == pages


# Every advice item a call-now result can carry, at once: the longest handout there is.
ALL_ADVICE = {"numbness_tingling": "yes", "bleeding": "spotting", "blood_thinner": "yes",
              "osteoporosis": "yes", "feels_feverish": "yes", "temperature_value": "",
              "temperature_not_measured": "1"}


@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_longest_handout_prints_on_two_pages_in_either_language(
    browser: Browser, live_server, language: str, paper: str
) -> None:
    context = browser.new_context(locale=language, extra_http_headers={
        "Accept-Language": language})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        complete(page, {**answers_for("self_care"), **ALL_ADVICE})
        get_result(page)
        expect(page.locator("html")).to_have_attribute("lang", language)
        # Every sign but the two the patient has (numbness, chills), each printed.
        assert page.locator(".call-back li").count() >= 17
        pdf = page.pdf(format=paper)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2
    finally:
        context.close()


def test_the_printed_result_leaves_out_the_buttons(page: Page, live_server) -> None:
    _result(page, live_server.url, "self_care")
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Start again")).to_be_hidden()
    expect(page.get_by_role("button", name="Change my answers")).to_be_hidden()


def _assert_reflows(page: Page, where: str) -> None:
    """Nothing is wider than the window and no text is cut off."""
    found = page.evaluate(OVERFLOW)
    assert found["page"] <= 0 and found["cut"] == [], (where, found)


@pytest.mark.parametrize(
    ("viewport", "scale"),
    [({"width": 320, "height": 640}, 1), ({"width": 320, "height": 256}, 4)],
    ids=["320px", "400%-zoom"],
)
def test_every_step_and_result_reflows_without_clipping(
    browser: Browser, live_server, viewport: dict[str, int], scale: int
) -> None:
    # 400% zoom of a 1280 x 1024 window leaves 320 x 256 CSS pixels for the page.
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        answers = answers_for("call_doctor_now")
        while page.locator('#check input[name="step"]').get_attribute("value") != "review":
            _assert_reflows(page, page.title())
            answer_step(page, answers)
            press_continue(page)
        _assert_reflows(page, "review")
        get_result(page)
        _assert_reflows(page, "result")
        page.goto(live_server.url + "/missing")
        _assert_reflows(page, "error page")
    finally:
        context.close()
