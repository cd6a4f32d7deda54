"""The result prints as a one-page handout, and the pages reflow when zoomed."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.checker.samples import HEADLINES, form_answers

pytestmark = pytest.mark.browser


def _submit(page: Page, url: str, disposition: str) -> None:
    """Fill in the form for one disposition and send it."""
    page.goto(url + "/")
    for name, value in form_answers(disposition).items():
        box = page.locator(f'input[name="{name}"]:not([type="radio"])')
        if box.count():
            box.fill(value)
        else:
            page.locator(f'input[name="{name}"][value="{value}"]').check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINES[disposition])


@pytest.mark.parametrize("disposition", ["self_care", "call_doctor_now"])
def test_a_result_prints_on_one_page(page: Page, live_server, disposition: str) -> None:
    _submit(page, live_server.url, disposition)
    pdf = page.pdf(format="Letter")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_the_printed_result_leaves_out_the_buttons(page: Page, live_server) -> None:
    _submit(page, live_server.url, "self_care")
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Start again")).to_be_hidden()


@pytest.mark.parametrize("path", ["/", "/missing"])
def test_pages_reflow_at_200_percent_zoom(browser: Browser, live_server, path: str) -> None:
    # 200% zoom on a 1280 pixel window leaves 640 CSS pixels for the page.
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    try:
        page = context.new_page()
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 640
    finally:
        context.close()
