"""Answer sets and hypothesis strategies built from the protocol's own questions.

A question added to the protocol is answered here without a change: the tests that are about
a rule name that rule's answers, and everything else comes from the protocol's domain.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from rules import Protocol, load_protocol
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Question
from rules.space import answer_json, domain

# What "calm" means for answers that are context, not symptoms: a day after the procedure,
# light everyday activity (the mildest in the domain would be day 0 and mostly resting).
CALM_CONTEXT: dict[str, Any] = {"days_since_procedure": 1, "activity": "light"}


def mildest(protocol: Protocol | None = None, **changes: Any) -> dict[str, Any]:
    """Every question asked answered with its mildest answer, then the changes applied.

    A question asked only under a condition (pain relief, asked when there is pain) is left
    out when its condition does not hold.
    """
    protocol = protocol or load_protocol()
    values = {q.id: domain(q)[0][0] for q in protocol.questions}
    values.update({k: v for k, v in CALM_CONTEXT.items() if k in values})
    answers = {q.id: answer_json(q, values[q.id]) for q in protocol.questions}
    answers.update(changes)
    for question in protocol.questions:
        guard = question.asked_when
        if guard is not None and question.id not in changes and guard.evaluate(answers) is False:
            answers.pop(question.id, None)
    return answers


def as_form(answers: dict[str, Any], protocol: Protocol | None = None) -> dict[str, str]:
    """Answers as the patient's form and the nurse console post them, in the protocol's order.

    A question's field is named by its id; a temperature posts `<id>_value` and `<id>_unit`,
    or `<id>_not_measured` when it was not taken. Yes/no is "yes" or "no".
    """
    protocol = protocol or load_protocol()
    fields: dict[str, str] = {}
    for question in protocol.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.type == TEMPERATURE and value is None:
            fields[f"{question.id}_not_measured"] = "1"
        elif question.type == TEMPERATURE:
            fields[f"{question.id}_value"] = str(value["value"])
            fields[f"{question.id}_unit"] = value["unit"]
        elif question.type == YES_NO:
            fields[question.id] = "yes" if value else "no"
        else:
            fields[question.id] = str(value)
    return fields


def fever_rule(protocol: Protocol | None = None) -> tuple[str, float]:
    """The rule that calls a temperature a fever, and its threshold in °C, from its condition."""
    protocol = protocol or load_protocol()
    [(rule, threshold)] = [
        (rule.id, atom.value)
        for rule in protocol.rules
        for conjunct in rule.when.disjuncts
        for atom in conjunct
        if atom.name == "temperature" and atom.op == ">="
    ]
    return rule, float(threshold)


def temperature_words(celsius: float, language: str = "en") -> str:
    """A threshold as the texts state it: "38.0 °C (100.4 °F)", "38,0 °C (100,4 °F)" in Spanish.

    The °F is the exact conversion rounded to one decimal, halves up.
    """
    tenth = Decimal("0.1")
    degrees = Decimal(str(celsius)).quantize(tenth)
    fahrenheit = (degrees * 9 / 5 + 32).quantize(tenth, rounding=ROUND_HALF_UP)
    words = f"{degrees} °C ({fahrenheit} °F)"
    return words.replace(".", ",") if language == "es" else words


def value_strategy(
    question: Question, temperatures: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """Every valid answer to one question."""
    if question.type == YES_NO:
        return st.booleans()
    if question.type == CHOICE:
        return st.sampled_from([c.id for c in question.choices])
    if question.type == INTEGER:
        low, high = question.bounds
        return st.integers(int(low), int(high))
    assert question.type == TEMPERATURE
    return temperatures


def value_strategies(
    temperatures: st.SearchStrategy[Any], protocol: Protocol | None = None
) -> dict[str, st.SearchStrategy[Any]]:
    """One strategy per question id of the protocol."""
    protocol = protocol or load_protocol()
    return {q.id: value_strategy(q, temperatures) for q in protocol.questions}


def guarded(protocol: Protocol | None = None) -> list[Question]:
    """The questions asked only under a condition, which an answer set may leave out."""
    protocol = protocol or load_protocol()
    return [q for q in protocol.questions if q.asked_when is not None]


# The tests' own full-size protocol (a copy of release 1.2.0 that never follows the releases):
# the machinery tests change this file on purpose, never the one the app serves.
OWN_PROTOCOL = Path(__file__).with_name("rules") / "own.toml"


def own_source() -> str:
    """The text of the tests' own full-size protocol."""
    return OWN_PROTOCOL.read_text(encoding="utf-8")


@cache
def own_protocol() -> Protocol:
    """The tests' own full-size protocol, loaded."""
    return load_protocol(OWN_PROTOCOL)


def served_source() -> str:
    """The text of the protocol file the app serves (the newest released version)."""
    from rules.loader import PROTOCOLS

    return (PROTOCOLS / f"{load_protocol().version}.toml").read_text(encoding="utf-8")


def next_version() -> str:
    """A version number after every released one: the served version's minor part plus one."""
    major, minor, *_ = (int(part) for part in load_protocol().version.split("."))
    return f"{major}.{minor + 1}.0"


def as_version(text: str, version: str) -> str:
    """A protocol file's text with its version line set to this version."""
    changed, count = re.subn(r'(?m)^version = "[0-9.]+"$', f'version = "{version}"', text, count=1)
    if count != 1:
        raise ValueError("the text has no version line")
    return changed
