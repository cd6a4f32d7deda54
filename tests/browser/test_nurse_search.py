"""The saved calls' search in Chromium: a badly typed date gets the page's message, not a bubble."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_nurse_console import (  # noqa: F401  (the accounts fixture)
    accounts,
    assert_no_violations,
    sign_in,
)

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]


def test_a_badly_typed_search_date_gets_the_pages_own_message(
    page: Page, accounts: str, axe: Check  # noqa: F811
) -> None:
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/encounters")
    page.focus("#search-date")
    page.keyboard.type("14/03/2025")
    with page.expect_navigation():  # no bubble holds the form back: it is sent
        page.keyboard.press("Enter")
    message = "Date of the call: enter the date as year-month-day, for example 2025-03-14."
    expect(page.locator("#error-summary")).to_contain_text(message)
    expect(page.locator("#search-date-error")).to_contain_text(message)
    expect(page.locator("#search-date")).to_have_value("14/03/2025")
    assert_no_violations(page, axe)
