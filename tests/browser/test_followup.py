"""Follow-up in Chromium over HTTPS: enrolment, the sheet, the phone's year check and history."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment
from tests.browser.test_nurse_console import accounts, assert_no_violations, sign_in  # noqa: F401

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]
PHONE = {"width": 390, "height": 844}


def _store_checkins(live_server: Any, pains: list[tuple[int, int]]) -> None:
    """Check-ins on the given days with the given pain, as the check-in page will store them."""
    with live_server.app.app_context():
        enrolment = db.session.scalars(select(Enrolment).order_by(Enrolment.id.desc())).first()
        for day, pain in pains:
            db.session.add(CheckIn(
                enrolment_id=enrolment.id, day_count=day, answers={"pain_score": str(pain)},
                assessment={"title": "Self care"}, disposition="self_care", pain_score=pain,
                protocol_id="vertebral-augmentation", protocol_version="1.0",
                protocol_sha256="0" * 64))
        db.session.commit()


def test_a_nurse_enrols_and_the_patient_opens_the_link_on_a_phone(
    page: Page, browser: Browser, accounts: str, live_server: Any, axe: Check  # noqa: F811
) -> None:
    sign_in(page, accounts, "nora")
    page.get_by_role("link", name="Enrol for follow-up").click()
    page.get_by_role("button", name="Enrol and print the sheet").click()
    expect(page.get_by_role("alert")).to_contain_text("Patient's name: This field is required.")
    assert_no_violations(page, axe)
    page.fill("#patient_name", "Harriet Quimby")
    page.fill("#date_of_birth", "1941-05-11")
    page.fill("#record_number", "MRN-4471")
    page.check("input[name=procedure_type][value=kyphoplasty]")
    page.fill("#procedure_date", (date.today() - timedelta(days=3)).isoformat())
    page.fill("#phone", "555 0100")
    page.check("#consent")
    page.fill("#consent_note", "Agreed in person at discharge.")
    page.get_by_role("button", name="Enrol and print the sheet").click()
    expect(page.get_by_role("heading", name="Your daily recovery check-in")).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    assert_no_violations(page, axe)
    link = re.search(r"https://\S+/followup/[A-Za-z0-9_\-]+", page.content())
    assert link, "the sheet shows no link"

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(link.group(0))
    expect(phone.get_by_label("Your year of birth")).to_be_visible()
    assert_no_violations(phone, axe)
    phone.get_by_label("Your year of birth").fill("1942")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("alert")).to_contain_text("do not open a check-in")
    assert "Harriet" not in phone.content()
    assert_no_violations(phone, axe)
    phone.get_by_label("Your year of birth").fill("1941")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text("You have no check-ins yet.")).to_be_visible()
    assert_no_violations(phone, axe)

    _store_checkins(live_server, [(1, 6), (2, 4), (3, 3)])
    phone.reload()
    chart = phone.get_by_role("img", name=re.compile("day 1: 6; day 2: 4; day 3: 3"))
    expect(chart).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_no_violations(phone, axe)
    phone.context.close()
