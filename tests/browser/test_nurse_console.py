"""The nurse console in Chromium: a whole call by keyboard, the record, the audit log, axe-core."""

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import flask_migrate
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from checker.extensions import db, limiter
from checker.nurse.models import Nurse

pytestmark = pytest.mark.browser

Check = Callable[[Page], list[dict[str, Any]]]
PASSWORD = "a long and secret passphrase"
MAX_TABS = 250


@pytest.fixture(scope="module")
def accounts(live_server: Any) -> str:
    """Bring the live server's schema up to date and create a nurse and an administrator."""
    with live_server.app.app_context():
        flask_migrate.upgrade()
        for username, admin in (("nora", False), ("ada", True)):
            if db.session.scalar(select(Nurse).filter_by(username=username)) is None:
                nurse = Nurse(username=username, is_admin=admin)
                nurse.set_password(PASSWORD)
                db.session.add(nurse)
        db.session.commit()
    return live_server.url


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching the selector has the focus."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page: Page, selector: str, text: str) -> None:
    """Tab to a field and type into it."""
    tab_to(page, selector)
    page.keyboard.type(text)


def choose(page: Page, name: str, value: str) -> None:
    """Tab into a radio group and move with the arrow keys to the wanted answer."""
    tab_to(page, f'input[type=radio][name="{name}"]')
    for _ in range(12):
        if page.evaluate("n => document.querySelector(`input[name='${n}']:checked`)?.value",
                         name) == value:
            return
        page.keyboard.press("ArrowUp")
    raise AssertionError(f"could not choose {value} for {name}")


def type_date(page: Page, selector: str, day: date) -> None:
    """Type a date as text, YYYY-MM-DD, as its hint asks."""
    tab_to(page, selector)
    page.keyboard.type(day.isoformat())
    assert page.eval_on_selector(selector, "e => e.value") == day.isoformat()


def activate(page: Page) -> None:
    """Press Enter on the focused link or button and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def sign_in(page: Page, base: str, username: str) -> None:
    """Sign in by keyboard."""
    page.goto(f"{base}/nurse/login")
    type_into(page, "#username", username)
    type_into(page, "#password", PASSWORD)
    activate(page)
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def assert_no_violations(page: Page, axe: Check) -> None:
    """axe-core finds nothing on the page as it is now."""
    violations = axe(page)
    assert violations == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_a_nurse_completes_a_call_by_keyboard_and_finds_it_again(
    page: Page, accounts: str, axe: Check
) -> None:
    base = accounts
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{base}/nurse/login")
    assert_no_violations(page, axe)
    sign_in(page, base, "nora")
    tab_to(page, "a.button-primary")
    activate(page)
    expect(page.get_by_role("heading", name="Telephone triage call")).to_be_visible()
    assert_no_violations(page, axe)

    type_into(page, "#patient_name", "Wilhelmina Keyboard")
    type_date(page, "#date_of_birth", date(1944, 2, 29))
    type_into(page, "#record_number", "KB-2024")
    type_into(page, "#callback_number", "555 0142")
    choose(page, "caller", "family")
    choose(page, "procedure_type", "kyphoplasty")
    type_date(page, "#procedure_date", date.today() - timedelta(days=4))
    for name in ("chest_symptoms", "leg_weakness", "bladder_bowel", "fainted"):
        choose(page, name, "no")
    choose(page, "bleeding", "none")
    choose(page, "numbness_tingling", "no")
    tab_to(page, "#temperature-not-measured")
    page.keyboard.press("Space")
    choose(page, "drainage", "no")
    choose(page, "headache", "none")
    type_into(page, "#pain_score-input", "3")
    choose(page, "pain_relieved", "yes")
    choose(page, "activity", "light")
    choose(page, "pain_trend", "better")
    choose(page, "swelling", "none")
    choose(page, "redness", "none")
    choose(page, "feels_feverish", "no")
    choose(page, "new_back_pain", "yes")
    tab_to(page, 'button[value="update"]')
    activate(page)
    expect(page.locator("#shown-disposition")).to_contain_text("CALL DOCTOR TODAY")
    expect(page.locator("#assessment")).to_contain_text("Decided")
    assert_no_violations(page, axe)

    # Lowering the disposition needs a written reason.
    tab_to(page, "#final_disposition")
    page.keyboard.type("SELF CARE")
    assert page.eval_on_selector("#final_disposition", "e => e.value") == "self_care"
    tab_to(page, "input[name=advice_given]")
    page.keyboard.press("Space")
    tab_to(page, 'button[value="save"]')
    activate(page)
    expect(page.locator(".error-summary")).to_contain_text("Give a reason")
    assert_no_violations(page, axe)
    type_into(page, "#override_reason", "Old fracture pain, reviewed by the surgeon today.")
    choose(page, "agreement", "agreed")
    choose(page, "call_back_signs", "yes")
    tab_to(page, 'button[value="save"]')
    activate(page)
    expect(page.get_by_text("The call is saved.")).to_be_visible()
    note = page.locator("#note")
    expect(note).to_have_value(
        re.compile(r"DISPOSITION: SELF CARE\nChanged by the nurse: "
                                 r"lowered from CALL DOCTOR TODAY\."))
    assert_no_violations(page, axe)
    tab_to(page, "button.copy-button")
    page.keyboard.press("Enter")
    expect(page.locator("[data-copy-status=note]")).to_have_text("The note is copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Wilhelmina Keyboard" in copied

    # Find the call again from the list.
    tab_to(page, 'a[href$="/nurse/encounters"]')
    activate(page)
    type_into(page, "#search-name", "wilhelmina")
    activate(page)
    expect(page.locator("table.records")).to_contain_text("Wilhelmina Keyboard")
    assert_no_violations(page, axe)
    tab_to(page, 'table.records a[href*="/nurse/encounters/"]')
    activate(page)
    expect(page.get_by_role("heading", name="Saved call: Wilhelmina Keyboard")).to_be_visible()

    # The administrator sees that nora opened it.
    tab_to(page, ".logout button")
    activate(page)
    sign_in(page, base, "ada")
    tab_to(page, 'a[href$="/nurse/audit"]')
    activate(page)
    rows = page.locator("table.records tbody tr")
    expect(rows.filter(has_text="nora").filter(has_text="Opened the call").first).to_be_visible()
    assert_no_violations(page, axe)


def test_the_console_updates_the_disposition_live_with_the_script(
    page: Page, accounts: str
) -> None:
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/call")
    expect(page.locator("#assessment")).to_contain_text("Not decided yet")
    choose(page, "chest_symptoms", "yes")
    expect(page.locator("#shown-disposition")).to_contain_text("EMERGENCY")
    expect(page.locator('[data-status-for="fainted"]')).to_have_text("Optional")


class KeyCounter:
    """Presses keys on a page and counts every one."""

    def __init__(self, page: Page) -> None:
        """Count the keys pressed on this page from zero."""
        self.page = page
        self.count = 0

    def press(self, *keys: str) -> None:
        """Press each key once."""
        for key in keys:
            self.page.keyboard.press(key)
            self.count += 1

    def tab_to(self, selector: str) -> None:
        """Press Tab until the element matching the selector has the focus."""
        for _ in range(MAX_TABS):
            if self.page.evaluate(
                    "s => document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.press("Tab")
        raise AssertionError(f"Tab never reached {selector}")


def close_the_call(keys: KeyCounter) -> None:
    """From the close menu: tick the first advice, say the caller agreed and was told when to
    call back (the action taken, the disposition told, is chosen already), and save."""
    page = keys.page
    keys.tab_to("input[name=advice_given]")
    keys.press("Space")  # the first advice read to the caller
    keys.tab_to("input[name=agreement]")  # past the action taken, chosen already
    keys.press("a")  # agreed: on to the call-back signs
    assert page.evaluate("document.activeElement.name") == "call_back_signs"
    keys.press("y")  # told when to call back: the call-back time is optional, so on to Save
    assert page.evaluate("document.activeElement.value") == "save"
    expect(page.locator("#shown-disposition")).to_be_in_viewport()
    with page.expect_navigation():
        keys.press("Enter")


# The fever call: 38.5 °C and every other answer calm. Each step is the keys of one answer and
# the disposition the panel must show after it.
FEVER_CALL = [
    (["n"], "SELF CARE"),  # chest symptoms
    (["n"], "SELF CARE"),  # leg weakness
    (["n"], "SELF CARE"),  # bladder or bowel
    (["n"], "SELF CARE"),  # fainted
    (["n"], "SELF CARE"),  # bleeding: No
    (["n"], "SELF CARE"),  # numbness or tingling
    (["3", "8", ".", "5", "c", "Enter"], "CALL DOCTOR NOW"),  # temperature, unit °C
    (["n"], "CALL DOCTOR NOW"),  # drainage
    (["n"], "CALL DOCTOR NOW"),  # headache: No
    (["2", "Enter"], "CALL DOCTOR NOW"),  # pain score
    (["y"], "CALL DOCTOR NOW"),  # pain relieved
    (["l"], "CALL DOCTOR NOW"),  # activity: light
    (["b"], "CALL DOCTOR NOW"),  # pain trend: better
    (["n"], "CALL DOCTOR NOW"),  # swelling: No
    (["n"], "CALL DOCTOR NOW"),  # redness: No
    (["n"], "CALL DOCTOR NOW"),  # feels feverish
    (["n"], "CALL DOCTOR NOW"),  # new back pain
    (["n"], "CALL DOCTOR NOW"),  # osteoporosis
    (["n"], "CALL DOCTOR NOW"),  # blood thinner
]
MAX_FEVER_KEYS = 40


def assert_panel_agrees(page: Page, label: str) -> None:
    """The panel shows the disposition in view, and the close menu's first option agrees."""
    shown = page.locator("#shown-disposition strong")
    expect(shown).to_have_text(label)
    expect(page.locator('#final_disposition option[value=""]')).to_have_text(
        f"As the protocol says: {label}")
    expect(page.locator("#shown-disposition")).to_be_in_viewport()


def test_a_fever_call_takes_at_most_40_keys_with_the_disposition_always_in_view(
    browser: Any, accounts: str, axe: Check
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, accounts, "nora")
        page.goto(f"{accounts}/nurse/call")
        assert_panel_agrees(page, "No answers yet")
        assert_no_violations(page, axe)
        # The caller's details are not counted.
        page.fill("#patient_name", "Florence Fever")
        page.fill("#date_of_birth", "1950-01-02")
        page.fill("#callback_number", "555 0199")
        page.check("#caller-0")
        page.check("#procedure_type-0")
        page.fill("#procedure_date", (date.today() - timedelta(days=3)).isoformat())
        page.focus("#procedure_date")

        keys = KeyCounter(page)
        keys.press("Tab")
        assert page.evaluate("document.activeElement.name") == "chest_symptoms"
        for step, label in FEVER_CALL:
            keys.press(*step)
            assert_panel_agrees(page, label)
        # After the last open question the focus is on the close.
        assert page.evaluate("document.activeElement.id") == "final_disposition"
        page.wait_for_load_state("networkidle")  # the last live update has been drawn
        close_the_call(keys)
        expect(page.get_by_text("The call is saved.")).to_be_visible()
        expect(page.locator("#note")).to_have_value(re.compile(r"DISPOSITION: CALL DOCTOR NOW\n"))
        print(f"fever call: {keys.count} keys after the caller's details")
        assert keys.count <= MAX_FEVER_KEYS
    finally:
        context.close()


def test_alt_s_jumps_to_the_close_and_a_refused_save_focuses_the_problem(
    page: Page, accounts: str, axe: Check
) -> None:
    sign_in(page, accounts, "nora")
    page.goto(f"{accounts}/nurse/call")
    page.focus("#chest_symptoms-yes")
    page.keyboard.press("Alt+s")
    assert page.evaluate("document.activeElement.id") == "final_disposition"
    tab_to(page, 'button[value="save"]')
    activate(page)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    expect(page.locator("#error-summary")).to_contain_text("Patient's name")
    assert_no_violations(page, axe)


def focused(page: Page, what: str) -> str:
    """An attribute of the element that has the focus: its id, name or value."""
    return str(page.evaluate(f"document.activeElement.{what}"))


def test_the_plan_by_keyboard_at_320_px_with_200_percent_text(
    browser: Any, accounts: str, live_server: Any, axe: Check
) -> None:
    """Enter in each field of the plan moves on and never posts the form; a letter picks."""
    with live_server.app.app_context():
        limiter.reset()  # this module signs in more than the sign-in limit allows a minute
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  bypass_csp=True)  # only so add_style_tag can enlarge the text
    try:
        page = context.new_page()
        sign_in(page, accounts, "nora")
        page.goto(f"{accounts}/nurse/call")
        page.add_style_tag(content="html { font-size: 200% !important; }")
        page.evaluate("window.stayed = true")  # gone if any key posts the form
        reason = page.locator("#disagreement_reason")
        expect(reason).to_be_hidden()
        page.focus("input[name=action_taken]:checked")
        page.keyboard.press("c")  # two actions begin with C: the first is chosen, focus stays
        assert page.eval_on_selector("input[name=action_taken]:checked", "e => e.value") == \
            "connected"
        page.keyboard.press("Enter")  # on to the first plan field still to answer
        assert focused(page, "name") == "agreement"
        page.keyboard.press("d")  # did not agree: the reason shows, and is asked next
        expect(reason).to_be_visible()
        assert focused(page, "id") == "disagreement_reason"
        page.keyboard.press("Enter")  # left empty for now: on to the call-back signs
        assert focused(page, "name") == "call_back_signs"
        page.keyboard.press("Enter")  # not answered yet; the call-back time is optional: Save
        assert focused(page, "value") == "save"
        reason.focus()
        page.keyboard.type("Wants to wait for her son.")
        page.keyboard.press("Enter")
        assert focused(page, "name") == "call_back_signs"
        page.keyboard.press("n")  # not told when to call back: to Save
        assert focused(page, "value") == "save"
        page.focus("#nurse_call_back_at")
        page.keyboard.type("16:30")
        page.keyboard.press("Enter")
        assert focused(page, "value") == "save"
        assert page.evaluate("window.stayed") is True

        # Every control of the plan fits the phone's width with the text doubled.
        plan = page.locator("#plan")
        plan.scroll_into_view_if_needed()
        assert plan.evaluate("e => e.scrollWidth <= e.clientWidth"), "the plan scrolls sideways"
        parts = page.locator("#plan label, #plan legend, #plan input, #plan .hint")
        for n in range(parts.count()):
            box = parts.nth(n).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 321, \
                parts.nth(n).evaluate("e => e.outerHTML")
        assert_no_violations(page, axe)

        page.focus("input[name=agreement]:checked")
        page.keyboard.press("a")  # agreed after all: the reason is asked no more
        expect(reason).to_be_hidden()
        assert focused(page, "value") == "save"
    finally:
        context.close()


def test_below_1024_pixels_the_panel_stacks_under_the_questions(
    browser: Any, accounts: str
) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    try:
        page = context.new_page()
        sign_in(page, accounts, "nora")
        page.goto(f"{accounts}/nurse/call")
        questions = page.locator(".desk-questions").bounding_box()
        panel = page.locator(".desk-panel").bounding_box()
        assert questions and panel
        assert panel["y"] >= questions["y"] + questions["height"]
        assert page.evaluate("getComputedStyle(document.querySelector('.desk-panel')).position"
                             ) == "static"
    finally:
        context.close()


def test_the_reports_and_a_console_error_page_pass_axe(
    page: Page, accounts: str, axe: Check
) -> None:
    sign_in(page, accounts, "ada")
    page.goto(f"{accounts}/nurse/reports")
    expect(page.get_by_role("heading", name="Reports")).to_be_visible()
    assert_no_violations(page, axe)
    page.goto(f"{accounts}/nurse/encounters/999999")
    expect(page.get_by_role("navigation", name="Nurse console")).to_be_visible()
    assert_no_violations(page, axe)


def test_no_nurse_page_opens_without_signing_in(page: Page, accounts: str) -> None:
    for path in ("/nurse/", "/nurse/call", "/nurse/encounters", "/nurse/audit",
                 "/nurse/encounters/1"):
        page.goto(f"{accounts}{path}")
        expect(page.get_by_role("heading", name="Nurse sign-in")).to_be_visible()
