"""A protocol's answers and dispositions in a clinician's words, for notes, records and lists."""

from __future__ import annotations

from typing import Any

from rules import Question
from rules.answers import to_celsius
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO


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
