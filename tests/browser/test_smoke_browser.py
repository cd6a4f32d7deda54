"""Prove that Playwright, Debian's Chromium and axe-core work together offline."""

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]

# A one-pixel GIF, so the image exists and only its missing alt text is wrong.
PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="


def _page(body: str) -> str:
    """Wrap a body in the smallest document axe accepts as otherwise clean."""
    return f'<!doctype html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'


def test_axe_reports_an_image_without_alt_text(page: Page, axe: Check) -> None:
    """A deliberately broken page yields the image-alt violation."""
    page.set_content(_page(f'<main><h1>x</h1><img src="{PIXEL}"></main>'))
    assert "image-alt" in {violation["id"] for violation in axe(page)}


def test_axe_finds_nothing_on_a_clean_page(page: Page, axe: Check) -> None:
    """A minimal well-formed page has no violations at all."""
    page.set_content(_page("<main><h1>x</h1></main>"))
    assert axe(page) == []
