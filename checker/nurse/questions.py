"""The console's protocol questions: form values to answers, and the state of each question."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from checker.validators import repeated
from rules import AnswerError, Protocol, Question, assess

# The nurse never types the day count: it follows from the procedure date and the call date.
DAYS = "days_since_procedure"
NOT_MEASURED = "not_measured"
_INTEGER = re.compile(r"^[0-9]{1,4}$")
_NUMBER = re.compile(r"^[0-9]{1,3}([.,][0-9]{1,2})?$")
SENT_TWICE = "was sent more than once: choose one answer"


@dataclass
class Triage:
    """Answers read from the console form, their errors, and the engine's assessment."""

    answers: dict[str, Any]
    errors: dict[str, str]
    assessment: dict[str, Any]
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def decided(self) -> bool:
        """Whether the answers so far settle the disposition."""
        return bool(self.assessment["decided"])

    def status(self, question_id: str) -> str:
        """answered, needed (could still raise the disposition) or optional."""
        if question_id in self.answers:
            return "answered"
        if question_id in self.assessment["could_raise"]:
            return "needed"
        return "optional"


def asked_questions(protocol: Protocol) -> tuple[Question, ...]:
    """The questions the nurse asks, in the protocol's order of urgency."""
    return tuple(q for q in protocol.questions if q.id != DAYS)


def days_between(procedure: date | None, call: date) -> int | None:
    """Whole days from the procedure to the call, or None when the date is unknown or later."""
    if procedure is None or procedure > call:
        return None
    return (call - procedure).days


def _whole_number(question: Question) -> str:
    """The same wording the engine uses for an integer out of range."""
    low, high = int(question.minimum or 0), int(question.maximum or 0)
    return f"must be a whole number from {low} to {high}"


def field_names(question: Question) -> tuple[str, ...]:
    """The names the console posts for one question."""
    if question.type == "temperature":
        return tuple(f"{question.id}_{part}" for part in ("value", "unit", NOT_MEASURED))
    return (question.id,)


def _read(question: Question, form: Mapping[str, str], default_unit: str) -> tuple[Any, str]:
    """One answer from the form: (value or Ellipsis when not asked, error message)."""
    if any(repeated(form, name) for name in field_names(question)):
        # Neither value is taken: the nurse asks again rather than the console guessing.
        return ..., SENT_TWICE
    raw = (form.get(question.id) or "").strip()
    if question.type == "yes_no":
        if raw in ("yes", "no"):
            return raw == "yes", ""
        # Anything else but "not asked yet" is reported, never read as not asked.
        return ..., ("" if not raw else "must be yes or no")
    if question.type == "integer":
        if not raw:
            return ..., ""
        if not _INTEGER.match(raw):
            return ..., _whole_number(question)
        return int(raw), ""
    if question.type == "choice":
        return (raw, "") if raw else (..., "")
    # temperature: a value and unit, or ticked as not measured
    value = (form.get(f"{question.id}_value") or "").strip()
    if form.get(f"{question.id}_{NOT_MEASURED}"):
        if value:
            # A reading typed in must never vanish behind the tick: it could be a fever.
            return ..., "has a reading and 'not measured' ticked: keep one of them"
        return None, ""
    if not value:
        return ..., ""
    unit = form.get(f"{question.id}_unit") or ""
    if unit not in ("F", "C"):
        return ..., "needs its unit: choose °F or °C"
    if not _NUMBER.match(value):
        return ..., "must be a number such as 100.4 or 38.0"
    number = float(value.replace(",", "."))
    return {"value": int(number) if number.is_integer() else number, "unit": unit}, ""


def read_triage(
    form: Mapping[str, str],
    protocol: Protocol,
    *,
    days: int | None,
    default_unit: str,
    emergency_number: str,
) -> Triage:
    """Read the answers given so far and assess them; a bad answer is reported, not guessed."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in asked_questions(protocol):
        value, error = _read(question, form, default_unit)
        if error:
            errors[question.id] = error
        elif value is not ...:
            answers[question.id] = value
    if days is not None:
        answers[DAYS] = days
    try:
        assessment = assess(answers, protocol, emergency_number=emergency_number)
    except AnswerError as exc:
        errors.update(exc.errors)
        # Leave the bad answers out (not asked yet), so the disposition shown stays safe.
        answers = {k: v for k, v in answers.items() if k not in exc.errors}
        assessment = assess(answers, protocol, emergency_number=emergency_number)
    # A value sent twice is shown as not chosen, so no answer the nurse did not pick is kept.
    raw = {k: str(v) for k, v in form.items() if k != "csrf_token" and not repeated(form, k)}
    return Triage(answers=answers, errors=errors, assessment=assessment, raw=raw)


def is_lower(protocol: Protocol, final: str, engine: str) -> bool:
    """Whether the final disposition is less urgent than the engine's (False if unknown)."""
    # An unknown final disposition is refused by the close form; it must not fail here first.
    return final in protocol.rank and protocol.rank[final] > protocol.rank[engine]


def still_to_ask(protocol: Protocol, triage: Triage) -> list[str]:
    """The texts of the questions that could still raise the disposition."""
    return [
        "The procedure date (for the day count)" if q == DAYS else protocol.by_id[q].text
        for q in triage.assessment["could_raise"]
    ]
