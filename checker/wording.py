"""A protocol's answers and dispositions in a clinician's words, for notes, records and lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rules import Question
from rules.answers import to_celsius
from rules.conditions import NOT_MEASURED, Atom
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Rule
from rules.placeholders import shown


def disposition_label(disposition_id: str) -> str:
    """A disposition id as it reads in a note: CALL DOCTOR TODAY."""
    return disposition_id.replace("_", " ").upper()


def answer_text(question: Question, value: Any) -> str:
    """One answer in words."""
    if question.type == YES_NO:
        return "Yes" if value else "No"
    if question.type == CHOICE:
        choice = question.choice(value)
        return choice.text if choice else str(value)
    if question.type == TEMPERATURE:
        if value is None:
            return "Not measured"
        shown = f"{value['value']} °{value['unit']}"
        if value["unit"] == "F":
            shown += f" ({to_celsius(value['value'], 'F'):.1f} °C)"
        return shown
    if question.maximum is not None:
        return f"{value} (of {int(question.maximum)})"
    return str(value)


def finding(question: Question) -> str:
    """What a question asks about, in a clinician's words: the protocol's note, or its text."""
    return question.note or question.text


def finding_value(question: Question, value: Any) -> str:
    """One answer in a clinician's words: yes, none, 2/10, 100.4 °F (38.0 °C)."""
    if question.type == YES_NO:
        return "yes" if value else "no"
    if question.type == CHOICE:
        return str(value).replace("_", " ")
    if question.type == INTEGER and question.maximum is not None:
        return f"{value}/{int(question.maximum)}"
    return answer_text(question, value)


# How a rule compares a number, in a note: "{value}" is the threshold.
COMPARED = {"=": "{value}", "!=": "not {value}", ">=": "{value} or more",
            "<=": "{value} or less", ">": "over {value}", "<": "under {value}"}


def atom_finding(atom: Atom, questions: Mapping[str, Question], day_count: str | None) -> str:
    """One comparison of a rule in a clinician's words: "pain trend: not better"."""
    question = questions[atom.name]
    subject = "day" if atom.name == day_count else finding(question)
    if atom.op == NOT_MEASURED:
        return f"{subject}: not measured"
    if question.type in (YES_NO, CHOICE):
        value = finding_value(question, atom.value)
        return f"{subject}: {value if atom.op == '=' else 'not ' + value}"
    return f"{subject} {COMPARED[atom.op].format(value=shown(question, atom.value, 'en'))}"


def rule_finding(rule: Rule, questions: Mapping[str, Question], day_count: str | None) -> str:
    """What a rule tests, in a clinician's words: "temperature 38.0 °C (100.4 °F) or more"."""
    return " or ".join(
        " and ".join(atom_finding(atom, questions, day_count) for atom in atoms)
        for atoms in rule.when.disjuncts
    )
