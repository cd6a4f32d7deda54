"""Typing a condition's comparisons against the protocol's questions and answers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from rules import conditions
from rules.conditions import Atom, Condition, ConditionSyntaxError, RawAtom
from rules.errors import BadOperatorError, ImpossibleValueError, SchemaError, UnknownQuestionError
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
        fail = self.reader.fail
        shown = f"{raw.name} {raw.op}" + ("" if raw.value is None else f" {raw.value}")
        if raw.name == DISPOSITION and allow_disposition:
            if raw.op not in ("=", "!="):
                fail(BadOperatorError, item, field, f"{shown}: use = or != with the disposition")
            if raw.value not in self.dispositions:
                fail(ImpossibleValueError, item, field, f"{shown}: no such disposition")
            return Atom(raw.name, raw.op, raw.value, shown)
        if raw.name == DECIDED and allow_disposition:
            if raw.op not in ("=", "!="):
                fail(BadOperatorError, item, field, f"{shown}: use = or != with decided")
            if raw.value not in YES_NO_WORDS:
                fail(ImpossibleValueError, item, field, f"{shown}: decided is yes or no")
            return Atom(raw.name, raw.op, YES_NO_WORDS[raw.value], shown)
        question = self.questions.get(raw.name)
        if question is None:
            fail(UnknownQuestionError, item, field, f"{shown}: no question '{raw.name}'")
        equality = raw.op in ("=", "!=")
        if raw.op == conditions.NOT_MEASURED:
            if question.type != TEMPERATURE:
                fail(
                    BadOperatorError, item, field, f"{shown}: only a temperature can be unmeasured"
                )
            value: Any = None
        elif question.type == YES_NO:
            if not equality:
                fail(BadOperatorError, item, field, f"{shown}: use = or != with a yes/no question")
            if raw.value not in YES_NO_WORDS:
                fail(ImpossibleValueError, item, field, f"{shown}: the answer is yes or no")
            value = YES_NO_WORDS[raw.value]
        elif question.type == CHOICE:
            if not equality:
                fail(BadOperatorError, item, field, f"{shown}: use = or != with a choice")
            if raw.value is None or question.choice(raw.value) is None:
                ids = ", ".join(c.id for c in question.choices)
                fail(ImpossibleValueError, item, field, f"{shown}: the choices are {ids}")
            value = raw.value
        else:
            value = self._numeric(question, raw, shown, item, field)
        guard = question.asked_when
        return Atom(raw.name, raw.op, value, shown, guard)

    def _numeric(self, question: Question, raw: RawAtom, shown: str, item: str, field: str) -> Any:
        """Type a comparison with a whole number or a temperature."""
        fail = self.reader.fail
        number = _number(raw.value or "")
        if number is None:
            fail(ImpossibleValueError, item, field, f"{shown}: {raw.value!r} is not a number")
        if question.type == INTEGER:
            if number != number.to_integral_value():
                fail(ImpossibleValueError, item, field, f"{shown}: answers are whole numbers")
            first, last = (int(limit) for limit in question.bounds)
            allowed = [Decimal(v) for v in range(first, last + 1)]
            typed: Any = int(number)
        else:
            if raw.op in ("=", "!="):
                fail(
                    BadOperatorError,
                    item,
                    field,
                    f"{shown}: compare a temperature with >, >=, < or <=",
                )
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -1:
                fail(ImpossibleValueError, item, field, f"{shown}: use one decimal (°C)")
            low, high = (Decimal(str(limit)) for limit in question.bounds)
            allowed = [low + Decimal("0.1") * i for i in range(int((high - low) * 10) + 1)]
            typed = float(number)
        if not _satisfiable(raw.op, number, allowed):
            fail(
                ImpossibleValueError,
                item,
                field,
                f"{shown}: no answer from {question.minimum} to {question.maximum} can meet it",
            )
        return typed
