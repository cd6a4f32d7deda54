"""Keys a nurse presses for a fever call from an opened check-in, counted in Chromium."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rules import load_protocol
from rules.shortcode import encode
from tests.browser.test_nurse_console import (  # noqa: F401  (the accounts fixture)
    KeyCounter,
    accounts,
    assert_no_violations,
    close_the_call,
    sign_in,
)
from tests.followup.conftest import enrol
from tests.followup.test_worklist import FEVER, add_checkin
from tests.nurse.conftest import CALM_ANSWERS
from tests.protocol_data import mildest

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]
SCREEN = {"width": 1366, "height": 768}
MAX_KEYS = 15
# With a short code: the code (16 characters), the caller's details, the close; no answer.
# 66 before the call's plan, whose agreement and call-back signs take 2 keys more.
MAX_CODE_KEYS = 68


class Keys(KeyCounter):
    """Counts typed text too, one key a character."""

    def type(self, text: str) -> None:
        """Type the text, a key for each character."""
        self.page.keyboard.type(text)
        self.count += len(text)


def _fever_checkin(live_server: Any, name: str) -> int:
    """A patient three days after the procedure whose check-in has a fever (38.6 °C)."""
    app = live_server.app
    enrolment_id, _ = enrol(app, by="nora", patient_name=name,
                            procedure_date=date.today() - timedelta(days=3))
    calm = {k: (v == "yes" if v in ("yes", "no") else v) for k, v in CALM_ANSWERS.items()
            if "temperature" not in k}
    return add_checkin(app, enrolment_id, "call_doctor_now",
                       {**calm, **FEVER, "pain_score": 4}, hours_ago=1)


def test_a_fever_call_from_an_opened_check_in_is_saved_in_at_most_15_keys(
    browser: Any, accounts: str, live_server: Any, axe: Check  # noqa: F811
) -> None:
    checkin_id = _fever_checkin(live_server, "Kiki Keys")
    context = browser.new_context(viewport=SCREEN)
    try:
        page = context.new_page()
        sign_in(page, accounts, "nora")
        page.goto(f"{accounts}/nurse/call?checkin={checkin_id}")
        expect(page.locator(".handoff")).to_contain_text("Filled in from the patient's check-in")
        expect(page.locator("#shown-disposition strong")).to_have_text("CALL DOCTOR NOW")
        # Every answer and the caller's details came with the check-in: the focus is on the
        # close menu, whose first option is the protocol's disposition.
        assert page.evaluate("document.activeElement.id") == "final_disposition"
        assert_no_violations(page, axe)

        expect(page.locator("input[name=action_taken][value=told]")).to_be_checked()
        expect(page.locator("input[name=agreement]:checked")).to_have_count(0)
        expect(page.locator("#disagreement_reason")).to_be_hidden()

        keys = KeyCounter(page)
        close_the_call(keys)
        expect(page.get_by_text("The call is saved.")).to_be_visible()
        note = page.locator("#note")
        expect(note).to_have_value(re.compile(r"CALL DOCTOR NOW"))
        expect(note).to_have_value(re.compile(r"Kiki Keys"))
        # The note reads as SBAR, its plan saying what was done, agreed and told.
        text = note.input_value()
        parts = ["SITUATION", "BACKGROUND", "ASSESSMENT", "RECOMMENDATION AND PLAN"]
        assert [line for line in text.split("\n") if line in parts] == parts
        assert "\nDISPOSITION: CALL DOCTOR NOW\n" in text
        assert "\nACTION: advised as above; caller agreed.\nCall back: EMERGENCY if " in text
        assert len(text) <= 1200, len(text)
        print(f"fever call from an opened check-in: {keys.count} keys")
        assert keys.count <= MAX_KEYS

        # The saved call uses the screen's width, and the whole note shows without scrolling.
        main = page.locator("main").bounding_box()
        note = page.locator("#note")
        box = note.bounding_box()
        assert main and box
        assert main["width"] >= SCREEN["width"] - 60, main
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
        assert note.evaluate("e => e.scrollHeight <= e.clientHeight"), "the note scrolls"
        details = page.locator(".saved-summary").bounding_box()
        assert details and box["x"] >= details["x"] + details["width"]  # side by side
        assert_no_violations(page, axe)
    finally:
        context.close()


def test_a_short_code_fills_the_answers_so_the_nurse_types_only_the_callers_details(
    browser: Any, accounts: str  # noqa: F811
) -> None:
    protocol = load_protocol()
    code = encode(protocol, mildest(protocol, temperature={"value": 38.6, "unit": "C"}))
    procedure = (date.today() - timedelta(days=3)).isoformat()
    context = browser.new_context(viewport=SCREEN)
    try:
        page = context.new_page()
        sign_in(page, accounts, "nora")
        page.goto(f"{accounts}/nurse/call")
        assert page.evaluate("document.activeElement.id") == "patient_name"
        keys = Keys(page)
        keys.press("Shift+Tab", "Shift+Tab")  # from the name up to the short code box
        assert page.evaluate("document.activeElement.id") == "code"
        keys.type(code.replace(" ", ""))
        with page.expect_navigation():
            keys.press("Enter")
        expect(page.locator(".handoff")).to_contain_text("Filled in from the patient's short code")
        expect(page.locator("#shown-disposition strong")).to_have_text("CALL DOCTOR NOW")
        coded = keys.count
        # The code carries the answers, not the caller's details: the focus is on the name.
        assert page.evaluate("document.activeElement.id") == "patient_name"
        keys.type("Ann Lee")
        keys.press("Enter")
        keys.type("1950-01-02")
        keys.press("Enter")  # the record number is optional: on to the callback number
        assert page.evaluate("document.activeElement.id") == "callback_number"
        keys.type("5550199")
        keys.press("Enter")
        keys.press("Space")  # the patient is calling
        keys.press("Enter")
        keys.press("Space")  # vertebroplasty
        keys.press("Enter")
        keys.type(procedure)
        details = keys.count - coded
        keys.press("Enter")  # every answer came with the code: on to the close
        assert page.evaluate("document.activeElement.id") == "final_disposition"
        page.wait_for_load_state("networkidle")
        before_close = keys.count
        close_the_call(keys)
        expect(page.get_by_text("The call is saved.")).to_be_visible()
        expect(page.locator("#note")).to_have_value(re.compile(r"CALL DOCTOR NOW"))
        print(f"fever call from a short code: {keys.count} keys ({coded} for the code, "
              f"{details} for the caller's details, {keys.count - before_close + 1} to close)")
        assert keys.count <= MAX_CODE_KEYS
    finally:
        context.close()
