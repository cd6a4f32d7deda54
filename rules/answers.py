"""Answer validation: exactly the policy's types and ranges, nothing coerced or guessed."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from rules.errors import AnswerError
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO, Protocol, Question

ANSWERS_FIELD = "answers"  # the error key for an answer set that is not an object at all
_TENTH = Decimal("0.1")


def to_celsius(value: float | int, unit: str) -> float:
    """Degrees in °C rounded to one decimal, half up (towards the more urgent answer)."""
    degrees = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if unit == "F":
        degrees = (degrees - 32) * 5 / 9
    return float(degrees.quantize(_TENTH, rounding=ROUND_HALF_UP))


def to_fahrenheit(celsius: float) -> float:
    """Degrees in °F rounded to one decimal, for showing a limit in both units."""
    degrees = Decimal(repr(celsius)) * 9 / 5 + 32
    return float(degrees.quantize(_TENTH, rounding=ROUND_HALF_UP))


def _is_number(value: Any) -> bool:
    """A JSON number: int or finite float, never a boolean."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _yes_no(question: Question, value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("must be true (yes) or false (no)")
    return value


def _integer(question: Question, value: Any) -> Any:
    low, high = int(question.minimum), int(question.maximum)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return value


def _choice(question: Question, value: Any) -> Any:
    if not isinstance(value, str) or question.choice(value) is None:
        raise ValueError(f"must be one of: {', '.join(c.id for c in question.choices)}")
    return value


def _temperature(question: Question, value: Any) -> Any:
    if value is None:
        return None  # not measured
    low, high = question.minimum, question.maximum
    shape = 'must be null (not measured) or {"value": number, "unit": "C" or "F"}'
    if not isinstance(value, dict) or set(value) != {"value", "unit"}:
        raise ValueError(shape)
    if value["unit"] not in TEMPERATURE_UNITS:
        raise ValueError('has an unknown unit: use "C" or "F"')
    if not _is_number(value["value"]):
        raise ValueError("must have a number as its value")
    celsius = to_celsius(value["value"], value["unit"])
    if not low <= celsius <= high:
        raise ValueError(
            f"must be from {low:.1f} to {high:.1f} °C "
            f"({to_fahrenheit(low):.1f} to {to_fahrenheit(high):.1f} °F)"
        )
    return celsius


_CHECKS: dict[str, Callable[[Question, Any], Any]] = {
    YES_NO: _yes_no,
    INTEGER: _integer,
    CHOICE: _choice,
    TEMPERATURE: _temperature,
}


def validate_answers(protocol: Protocol, answers: Any) -> dict[str, Any]:
    """The answers as the rules read them; raises AnswerError naming every bad field."""
    if not isinstance(answers, Mapping):
        raise AnswerError({ANSWERS_FIELD: "must be an object of answers keyed by question id"})
    questions = protocol.by_id
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            errors[str(key)] = "is not a question of this protocol"
            continue
        try:
            values[key] = _CHECKS[question.type](question, value)
        except ValueError as exc:
            errors[key] = str(exc)
    if errors:
        raise AnswerError(errors)
    return values
