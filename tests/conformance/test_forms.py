"""Every field of every form sent twice with two valid values, in both orders: refused.

The fields come from the form classes and the console's own page; the coverage tests below
fail when a form or a field is added that no case sends twice.
"""

from __future__ import annotations

import re

import pytest
from wtforms import Form

from checker.answer_form import AnswerForm, answer_form_class
from tests.conformance.forms_registry import CASES, SEVERAL_VALUES, Case, form_fields_of
from tests.conformance.harness import Harness
from tests.conformance.pages import form_controls
from tests.conformance.space import PROTOCOL, complete_answers, form_fields
from tests.conformance.test_doubled import CONSOLE_FIELDS, PAGE_FIELDS

ORDERS = ("valid value first", "valid value last")
# Disagreements pending in files the harness's authors do not own, each named for its owner.
PENDING: dict[tuple[str, str, str], str] = {}
# Posted by buttons or by the CSRF protection: never an answer.
NOT_FIELDS = {"action", "csrf_token", "switch_lang"}


def _cases() -> list[object]:
    """One test per field of each form, in each order."""
    return [pytest.param(case, name, order, id=f"{case.form}-{name}-{order}",
                         marks=[pytest.mark.xfail(strict=True, reason=PENDING[key])]
                         if (key := (case.form, name, order)) in PENDING else [])
            for case in CASES for name in case.fields for order in ORDERS]


@pytest.mark.parametrize("case", CASES, ids=[c.form for c in CASES])
def test_each_form_takes_its_submission_when_every_field_is_sent_once(
    harness: Harness, case: Case,
) -> None:
    base = case.base(harness)
    assert not case.send(harness, base, list(base.items())), f"{case.form} refused {base}"


@pytest.mark.parametrize(("case", "name", "order"), _cases())
def test_a_field_sent_twice_with_two_valid_values_is_refused(
    harness: Harness, case: Case, name: str, order: str,
) -> None:
    base = case.base(harness)
    second = case.second(harness, name)
    assert second != base[name]
    values = (base[name], second) if order == ORDERS[0] else (second, base[name])
    pairs = [(k, v) for k, v in base.items() if k != name] + [(name, v) for v in values]
    assert case.send(harness, base, pairs), f"{case.form}: {name}={values} was taken"


def test_every_form_the_app_defines_and_each_of_its_fields_is_sent_twice(
    harness: Harness,
) -> None:
    defined = {}
    pending = list(Form.__subclasses__())
    while pending:
        form_class = pending.pop()
        pending += form_class.__subclasses__()
        if form_class.__module__.startswith("checker.") and not issubclass(form_class,
                                                                            AnswerForm):
            defined[form_class] = form_fields_of(form_class)
    covered: dict[type, list[str]] = {}
    for case in CASES:
        if case.form_class is not None:
            covered[case.form_class] = sorted({*covered.get(case.form_class, []), *case.fields})
    assert defined == covered


def test_every_answer_field_and_every_field_of_the_check_and_console_pages_is_covered(
    harness: Harness,
) -> None:
    answers = form_fields(PROTOCOL, complete_answers(bytes(1)))
    assert set(form_fields_of(answer_form_class(PROTOCOL))) <= set(PAGE_FIELDS)
    review = harness.post_check([*answers.items(), ("step", "review"), ("action", "review")])
    assert review.status == 200
    status, html = harness.call("/", "&".join(f"{k}={v}" for k, v in [
        *answers.items(), ("step", "review"), ("action", "review")]).encode(),
        "application/x-www-form-urlencoded")
    posted = {name for name, _ in form_controls(html, "check")[0]}
    buttons = set(re.findall(r'<button[^>]*name="([^"]+)"', html))
    assert posted - NOT_FIELDS <= set(PAGE_FIELDS), posted - set(PAGE_FIELDS)
    assert buttons <= NOT_FIELDS | set(PAGE_FIELDS)
    console = harness.nurse.get("/nurse/call").get_data(as_text=True)
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', console))
    sent = set(CONSOLE_FIELDS) | {name for case in CASES for name in case.fields}
    assert names - NOT_FIELDS - SEVERAL_VALUES <= sent, names - sent
    assert {"checkin", "code"} <= sent
