"""A field sent twice with two values: what the patient's check, a check-in and the console do.

Where one answer can be read two ways, the more urgent reading wins on every surface alike: a
surface that gives a result gives one at least as urgent as rules.assess gives for the more
urgent reading, or refuses (asks again); it never picks the calmer one.
"""

from __future__ import annotations

import re
from typing import Any

from checker.answer_form import NOT_MEASURED, UNIT, VALUE, YES, field_name, field_names
from checker.i18n import LANGUAGES
from rules import Question
from rules.answers import to_celsius
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO
from tests.conformance.checks import (
    EMERGENCY,
    SENT,
    check_short_code,
    disagree,
    expected,
    rank,
    same_result,
)
from tests.conformance.harness import PLAN, Harness, Patient
from tests.conformance.pages import Shown
from tests.conformance.space import (
    DOUBLING,
    PROTOCOL,
    as_read,
    asked,
    choice,
    domains,
    form_value,
)

MISSING, UNREADABLE = "missing", "unreadable"
_DECIMAL = re.compile(r"[0-9]{1,3}([.,][0-9]{1,2})?")
_WHOLE = re.compile(r"[0-9]{1,6}")
# Navigation fields of the check's form, beside the answers (the review page posts them).
NAVIGATION = {"step": ("review", "result"), "action": ("submit", "review"),
              "lang": ("en", "es"), "return_to": ("review", "")}


def question_of(name: str) -> Question:
    """The question whose field this is."""
    return next(q for q in PROTOCOL.questions if name in field_names(q))


def reading(question: Question, fields: dict[str, str]) -> Any:
    """What one value per field means, as docs/input.md says the forms read it."""
    if question.type == TEMPERATURE:
        value = fields.get(field_name(question, VALUE), "").strip()
        unit = fields.get(field_name(question, UNIT), "").strip()
        flag = bool(fields.get(field_name(question, NOT_MEASURED), ""))
        if not value:
            return None if flag else MISSING
        if flag or not _DECIMAL.fullmatch(value) or unit not in TEMPERATURE_UNITS:
            return UNREADABLE
        text = value.replace(",", ".")
        number: float | int = float(text) if "." in text else int(text)
        low, high = question.bounds
        return {"value": number, "unit": unit} if low <= to_celsius(number, unit) <= high \
            else UNREADABLE
    raw = fields.get(question.id, "").strip()
    if not raw:
        return MISSING
    if question.type == YES_NO:
        return raw == YES if raw in ("yes", "no") else UNREADABLE
    if question.type == CHOICE:
        return raw if raw in question.choice_ids else UNREADABLE
    low, high = question.bounds
    if question.type == INTEGER and _WHOLE.fullmatch(raw) and low <= int(raw) <= high:
        return int(raw)
    return UNREADABLE


def conflicting(gene: bytes, answers: dict[str, Any], name: str) -> tuple[str, str]:
    """The field's value as the answers post it, and another: a different answer or not one."""
    read = choice(gene, DOUBLING)
    if name in NAVIGATION:
        return NAVIGATION[name]
    question = question_of(name)
    domain = domains()[question.id]
    posted = form_value(question, answers[question.id]) if question.id in answers else {}
    if question.type == TEMPERATURE:
        readings_ = [v for v in domain.valid if v is not None]
        if read.chance(0.5):  # the most urgent reading
            readings_.sort(key=lambda v: rank(expected({**answers, question.id: v})["disposition"]))
            other = form_value(question, readings_[0])
        else:
            other = form_value(question, read.pick(readings_))
        other.setdefault(field_name(question, NOT_MEASURED), "1")
        mine = posted.get(name, "")
        theirs = other.get(name, "")
        if theirs == mine:
            theirs = "1" if name.endswith(NOT_MEASURED) and not mine else \
                next(u for u in TEMPERATURE_UNITS if u != mine) if name.endswith(UNIT) else ""
        return mine, theirs
    others = [v for v in domain.valid if v != answers.get(question.id)]
    if read.chance(0.25):
        return posted.get(name, ""), read.pick(domain.refused_fields)[name]
    if read.chance(0.5):  # the reading that would make the result most urgent
        others.sort(key=lambda v: rank(expected({**answers, question.id: v})["disposition"]))
        return posted.get(name, ""), form_value(question, others[0])[name]
    return posted.get(name, ""), form_value(question, read.pick(others))[name]


def readings(answers: dict[str, Any], name: str, values: tuple[str, str]) -> list[Any]:
    """Every valid reading of the question with each value the doubled field was sent."""
    question = question_of(name)
    posted = {k: v for k, v in form_value(question, answers[question.id]).items()} \
        if question.id in answers else {}
    found = []
    for value in values:
        combination = {**posted, name: value}
        read = reading(question, combination)
        if read not in (MISSING, UNREADABLE) and read not in found:
            found.append(read)
    return found


def candidates(answers: dict[str, Any], name: str, values: tuple[str, str],
               number: str) -> tuple[str, list[dict[str, Any]]]:
    """The more urgent reading's disposition, and every answer set a result may come from."""
    if name in NAVIGATION:
        read = as_read(PROTOCOL, answers)
        return expected(read, number=number)["disposition"], [read]
    question = question_of(name)
    without = {k: v for k, v in answers.items() if k != question.id}
    sets = [{**answers, question.id: r} for r in readings(answers, name, values)] or [without]
    sets = [as_read(PROTOCOL, s) for s in sets]
    urgent = min((expected(s, number=number)["disposition"] for s in sets), key=rank)
    return urgent, [*sets, as_read(PROTOCOL, without)]


def _pairs(answers: dict[str, Any], name: str, values: tuple[str, str],
           leave_out: str = "") -> list[tuple[str, str]]:
    """The answers as posted, with this field sent twice."""
    posted = {}
    for question in PROTOCOL.questions:
        if question.id in answers and question.id != leave_out:
            posted.update(form_value(question, answers[question.id]))
    pairs = [(k, v) for k, v in posted.items() if k != name]
    return pairs + [(name, values[0]), (name, values[1])]


def _held(shown: Shown, answers: dict[str, Any], name: str, values: tuple[str, str],
          number: str) -> dict[str, Any] | None:
    """Check the page: the emergency when the urgent reading is one, else asked again.

    An answer to a question not asked in its case is never read, whatever was sent. The
    answers the result was assessed from are returned (None when no result was shown).
    """
    question = None if name in NAVIGATION else question_of(name)
    urgent, sets = candidates(answers, name, values, number)
    given = (answers, name, values)
    if question is not None and question not in asked(PROTOCOL, answers):
        sets = [as_read(PROTOCOL, answers)]
        urgent = expected(sets[0], number=number)["disposition"]
    elif question is not None and urgent != EMERGENCY:
        if shown.disposition is not None:
            raise disagree(shown.surface, given, "asked again: no result", shown.summary())
        return None
    if shown.disposition is None:
        if question is None:  # a navigation field: another page, and no result on it
            return None
        raise disagree(shown.surface, given, f"a result: {urgent}", shown.summary())
    for source in sets:
        for language in LANGUAGES:
            try:
                same_result(shown, expected(source, language, number), given)
            except AssertionError:
                continue
            if shown.surface == "patient page":  # a check-in's result shows no code
                check_short_code(shown, source)
            return source
    raise disagree(shown.surface, given, f"the result of one of {sets}", shown.summary())


def check_page_twice(h: Harness, answers: dict[str, Any], name: str,
                     values: tuple[str, str]) -> None:
    """The anonymous check with one field sent twice."""
    pairs = _pairs(answers, name, values)
    if name not in ("step", "action"):
        pairs += [("step", "review"), ("action", "submit")]
    shown = h.post_check(pairs)
    _held(shown, answers, name, values, h.number)
    SENT["patient page, a field twice"] += 1


def check_checkin_twice(h: Harness, patient: Patient, answers: dict[str, Any], name: str,
                        values: tuple[str, str]) -> None:
    """A check-in with one field sent twice: what is stored is what was shown."""
    pairs = [(k, v) for k, v in _pairs(answers, name, values) if k != "days_since_procedure"]
    shown = h.checkin(patient, pairs)
    source = _held(shown, answers, name, values, h.number)
    stored = h.checkins([patient])[patient.enrolment_id]
    if source is None:
        if stored:
            raise disagree("stored check-in", (answers, name, values), "nothing stored",
                           [r.disposition for r in stored])
    else:
        got = [(r.disposition, r.answers, r.assessment) for r in stored]
        wanted = [(shown.disposition, source, expected(source, number=h.number))]
        if got != wanted:
            raise disagree("stored check-in", (answers, name, values), wanted, got)
    SENT["check-in, a field twice"] += 1


def check_console_twice(h: Harness, answers: dict[str, Any], caller: dict[str, str],
                        name: str, values: tuple[str, str], call: str) -> None:
    """The console with one answer sent twice: at least as urgent as its more urgent reading,
    the question marked wrong, and the call not saved."""
    pairs = _pairs(answers, name, values, leave_out="days_since_procedure")
    pairs += [*caller.items(), ("call", call)]
    question = question_of(name)
    urgent, _ = candidates(answers, name, values, h.number)
    shown, _ = h.console_post([*pairs, ("action", "update")], "console, an answer twice")
    got = (shown.disposition, question.id in shown.errors)
    if shown.disposition is None or rank(shown.disposition) > rank(urgent) or not got[1]:
        raise disagree(shown.surface, (answers, name, values),
                       f"at least {urgent}, and the question marked wrong", got)
    page, saved = h.console_post([*pairs, *PLAN.items(), ("action", "save")],
                                 "console, an answer twice")
    if saved is not None:
        raise disagree("saving the call", (answers, name, values), "not saved", saved)
    SENT["console, an answer twice"] += 1
