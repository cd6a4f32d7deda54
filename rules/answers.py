"""Answer validation: exactly the policy's types and ranges, nothing coerced or guessed."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from rules.errors import AnswerError
from rules.messages import Message, message_of
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO, Protocol, Question

ANSWERS_FIELD = "answers"  # the error key for an answer set that is not an object at all
_TENTH = Decimal("0.1")
NOT_AN_OBJECT = Message("must be an object of answers keyed by question id")
NOT_A_QUESTION = Message("is not a question of this protocol")


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


Check = Callable[[Any], Any]


def _yes_no(question: Question) -> Check:
    """A check of a yes/no answer: a JSON boolean."""

    def check(value: Any) -> Any:
        if value is not True and value is not False:
            raise ValueError(Message("must be true (yes) or false (no)"))
        return value

    return check


def _integer(question: Question) -> Check:
    """A check of a whole number within the question's range."""
    low, high = (int(limit) for limit in question.bounds)
    message = Message("must be a whole number from %(low)s to %(high)s", low=low, high=high)

    def check(value: Any) -> Any:
        if type(value) is not int or not low <= value <= high:  # bool is not int here
            raise ValueError(message)
        return value

    return check


def _choice(question: Question) -> Check:
    """A check of a choice id."""
    allowed = question.choice_ids
    message = Message("must be one of: %(choices)s",
                      choices=", ".join(c.id for c in question.choices))

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(message)
        return value

    return check


def _temperature(question: Question) -> Check:
    """A check of a temperature object, giving °C rounded to one decimal, or None."""
    low, high = question.bounds
    shape = Message('must be null (not measured) or {"value": number, "unit": "C" or "F"}')
    out_of_range = Message(
        "must be from %(low)s to %(high)s °C (%(low_f)s to %(high_f)s °F)",
        low=float(low), high=float(high), low_f=to_fahrenheit(low), high_f=to_fahrenheit(high))

    def check(value: Any) -> Any:
        if value is None:
            return None  # not measured
        if not isinstance(value, dict) or value.keys() != {"value", "unit"}:
            raise ValueError(shape)
        if value["unit"] not in TEMPERATURE_UNITS:
            raise ValueError(Message('has an unknown unit: use "C" or "F"'))
        if not _is_number(value["value"]):
            raise ValueError(Message("must have a number as its value"))
        if abs(value["value"]) > 1000:  # far outside any body temperature in either unit
            raise ValueError(out_of_range)
        celsius = to_celsius(value["value"], value["unit"])
        if not low <= celsius <= high:
            raise ValueError(out_of_range)
        return celsius

    return check


_CHECKS: dict[str, Callable[[Question], Check]] = {
    YES_NO: _yes_no,
    INTEGER: _integer,
    CHOICE: _choice,
    TEMPERATURE: _temperature,
}


@lru_cache(maxsize=8)
def _checks(protocol: Protocol) -> dict[str, Check]:
    """One check per question id, built once per protocol."""
    return {q.id: _CHECKS[q.type](q) for q in protocol.questions}


def validate_answers(protocol: Protocol, answers: Any) -> dict[str, Any]:
    """The answers as the rules read them; raises AnswerError naming every bad field."""
    if not isinstance(answers, Mapping):
        raise AnswerError({ANSWERS_FIELD: NOT_AN_OBJECT})
    checks = _checks(protocol)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in answers.items():
        check = checks.get(key)
        if check is None:
            errors[str(key)] = NOT_A_QUESTION
            continue
        try:
            values[key] = check(value)
        except ValueError as exc:
            errors[key] = message_of(exc)
    if errors:
        raise AnswerError(errors)
    return values
