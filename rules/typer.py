"""Typing a condition's comparisons against the protocol's questions and answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from rules import conditions
from rules.conditions import Atom, Condition, ConditionSyntaxError, RawAtom
from rules.errors import (
    BadOperatorError,
    ImpossibleValueError,
    ProtocolError,
    SchemaError,
    UnknownQuestionError,
)
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Question
from rules.reader import YES_NO_WORDS, Reader

DISPOSITION = "disposition"  # advice conditions may read the disposition like an answer
DECIDED = "decided"  # ... and whether the result is decided (yes/no), like a yes/no answer
RESULT_NAMES = frozenset({DISPOSITION, DECIDED})


def _number(text: str) -> Decimal | None:
    """A plain decimal literal, or None."""
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _satisfiable(op: str, value: Decimal, values: list[Decimal]) -> bool:
    """Whether some allowed value meets the comparison."""
    return any(conditions.OPERATORS[op](v, value) for v in values)


# Refuses one comparison with an error of the given kind and the problem after its text.
Reject = Callable[[type[ProtocolError], str], NoReturn]


def _equality_only(raw: RawAtom, reject: Reject, what: str) -> None:
    """Refuse any operator but = and != for what is compared."""
    if raw.op not in ("=", "!="):
        reject(BadOperatorError, f"use = or != with {what}")


def _yes_no(raw: RawAtom, reject: Reject, problem: str) -> bool:
    """The value yes or no as True or False; anything else is refused with the problem."""
    if raw.value not in YES_NO_WORDS:
        reject(ImpossibleValueError, problem)
    return YES_NO_WORDS[raw.value]


def _choice(question: Question, raw: RawAtom, reject: Reject) -> str:
    """One of a choice question's own choice ids."""
    _equality_only(raw, reject, "a choice")
    if raw.value is None or question.choice(raw.value) is None:
        ids = ", ".join(c.id for c in question.choices)
        reject(ImpossibleValueError, f"the choices are {ids}")
    return raw.value


def _whole_number(question: Question, number: Decimal, reject: Reject) -> tuple[int, list[Decimal]]:
    """A whole-number answer, and every answer the question allows."""
    if number != number.to_integral_value():
        reject(ImpossibleValueError, "answers are whole numbers")
    first, last = (int(limit) for limit in question.bounds)
    return int(number), [Decimal(v) for v in range(first, last + 1)]


def _temperature(
    question: Question, op: str, number: Decimal, reject: Reject
) -> tuple[float, list[Decimal]]:
    """A temperature threshold (°C, one decimal), and every temperature the question allows."""
    if op in ("=", "!="):
        reject(BadOperatorError, "compare a temperature with >, >=, < or <=")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -1:
        reject(ImpossibleValueError, "use one decimal (°C)")
    low, high = (Decimal(str(limit)) for limit in question.bounds)
    allowed = [low + Decimal("0.1") * i for i in range(int((high - low) * 10) + 1)]
    return float(number), allowed


def _numeric(question: Question, raw: RawAtom, reject: Reject) -> Any:
    """A whole number or a temperature that some allowed answer can meet."""
    number = _number(raw.value or "")
    if number is None:
        reject(ImpossibleValueError, f"{raw.value!r} is not a number")
    typed: Any
    if question.type == INTEGER:
        typed, allowed = _whole_number(question, number, reject)
    else:
        typed, allowed = _temperature(question, raw.op, number, reject)
    if not _satisfiable(raw.op, number, allowed):
        reject(
            ImpossibleValueError,
            f"no answer from {question.minimum} to {question.maximum} can meet it",
        )
    return typed


def _answer_value(question: Question, raw: RawAtom, reject: Reject) -> Any:
    """The value an answer is compared with, typed for the question's kind of answer."""
    if raw.op == conditions.NOT_MEASURED:
        if question.type != TEMPERATURE:
            reject(BadOperatorError, "only a temperature can be unmeasured")
        return None
    if question.type == YES_NO:
        _equality_only(raw, reject, "a yes/no question")
        return _yes_no(raw, reject, "the answer is yes or no")
    if question.type == CHOICE:
        return _choice(question, raw, reject)
    return _numeric(question, raw, reject)


class ConditionTyper:
    """Types raw condition atoms against the protocol's questions."""

    def __init__(
        self, reader: Reader, questions: dict[str, Question], dispositions: list[str]
    ) -> None:
        self.reader = reader
        self.questions = questions
        self.dispositions = dispositions

    def condition(self, text: Any, item: str, field: str, allow_disposition: bool) -> Condition:
        """Parse and type one condition."""
        if not isinstance(text, str):
            self.reader.fail(SchemaError, item, field, "must be a condition written as text")
        try:
            raw = conditions.parse(text)
        except ConditionSyntaxError as exc:
            self.reader.fail(BadOperatorError, item, field, str(exc))
        disjuncts = tuple(
            tuple(self.atom(a, item, field, allow_disposition) for a in conj) for conj in raw
        )
        return Condition(text.strip(), disjuncts)

    def atom(self, raw: RawAtom, item: str, field: str, allow_disposition: bool) -> Atom:
        """Type one comparison, rejecting unknown names, bad operators and impossible values."""
        shown = f"{raw.name} {raw.op}" + ("" if raw.value is None else f" {raw.value}")

        def reject(kind: type[ProtocolError], problem: str) -> NoReturn:
            self.reader.fail(kind, item, field, f"{shown}: {problem}")

        if allow_disposition and raw.name in RESULT_NAMES:
            return Atom(raw.name, raw.op, self._result_value(raw, reject), shown)
        question = self.questions.get(raw.name)
        if question is None:
            reject(UnknownQuestionError, f"no question '{raw.name}'")
        value = _answer_value(question, raw, reject)
        return Atom(raw.name, raw.op, value, shown, question.asked_when)

    def _result_value(self, raw: RawAtom, reject: Reject) -> Any:
        """The value an advice condition compares the result with: a disposition, or decided."""
        if raw.name == DISPOSITION:
            _equality_only(raw, reject, "the disposition")
            if raw.value not in self.dispositions:
                reject(ImpossibleValueError, "no such disposition")
            return raw.value
        _equality_only(raw, reject, "decided")
        return _yes_no(raw, reject, "decided is yes or no")
