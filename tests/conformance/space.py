"""Answer sets drawn from the protocol itself: its questions, choices, ranges and thresholds.

Nothing here names a question, a choice or a number of the clinic's protocol, so a question
added to the protocol is drawn, sent and checked with no change to the harness.

Each answer set is decoded from one string of bytes that hypothesis draws (a gene): one draw
per answer set keeps generation cheap enough for tens of thousands of sets. Its first part
gives the answers, the second which are left unanswered, and each of the rest one choice of how
the set is sent (its shape, language, nesting...). A byte of 0 always decodes to the calm
answer, "answered" or the first choice, so a failure made small (run.smallest) keeps only the
bytes that matter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from hypothesis import strategies as st

from checker.answer_form import NO, NOT_MEASURED, UNIT, VALUE, YES, field_name, field_names
from rules import AnswerError, Protocol, Question, load_protocol, validate_answers
from rules.answers import to_fahrenheit
from rules.conditions import Atom, Condition
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO

PROTOCOL = load_protocol()
# A whole-number question with no more answers than this is drawn from all of them.
SMALL_RANGE = 16
# How likely an answer is to be other than calm, chosen per answer set so every disposition
# is drawn often (all calm is self care; many unusual answers are mostly emergencies).
UNUSUAL = (0.0, 0.06, 0.15, 0.4)
RED_FLAG_DAMPING = 4
# How likely a question is left unanswered in a partial answer set.
UNASKED = (0.15, 0.4, 0.7, 0.95)
# Where each part of a gene starts: answers, then unanswered ones, then the choices of sending.
ANSWERS_SIZE = 2 * len(PROTOCOL.questions) + 8
CHOICES, CHOICE_SIZE = 8, 4
GENE_SIZE = 2 * ANSWERS_SIZE + CHOICES * CHOICE_SIZE
GENES = st.binary(min_size=GENE_SIZE, max_size=GENE_SIZE)
# The choices of sending, one part of the gene each.
SHAPE, WORDING, NESTING, SPOILING, DOUBLING, FHIR_TWICE, FHIR_REFUSED = range(7)


def genes(count: int) -> st.SearchStrategy[list[bytes]]:
    """A batch of answer-set genes, drawn in one example to keep hypothesis' cost per set low."""
    return st.lists(GENES, min_size=count, max_size=count)


def choice(gene: bytes, part: int) -> Reader:
    """The bytes of one choice of how an answer set is sent."""
    start = 2 * ANSWERS_SIZE + part * CHOICE_SIZE
    return Reader(gene[start:start + CHOICE_SIZE])


def atoms(condition: Condition | None) -> Iterator[Atom]:
    """Every comparison of a condition, those of its guards included."""
    if condition is None:
        return
    for conjunction in condition.disjuncts:
        for atom in conjunction:
            yield atom
            yield from atoms(atom.guard)


def thresholds(protocol: Protocol, question: Question) -> set[Decimal]:
    """Every number the protocol compares this question's answer with."""
    conditions = [r.when for r in protocol.rules] + [a.when for a in protocol.advice]
    conditions += [q.asked_when for q in protocol.questions if q.asked_when is not None]
    return {Decimal(repr(atom.value)) if isinstance(atom.value, float) else Decimal(atom.value)
            for condition in conditions for atom in atoms(condition)
            if atom.name == question.id and isinstance(atom.value, (int, float))
            and not isinstance(atom.value, bool)}


def _valid(protocol: Protocol, question: Question, value: Any) -> bool:
    """Whether the engine takes this value for this question."""
    try:
        validate_answers(protocol, {question.id: value})
    except AnswerError:
        return False
    return True


def _number(value: Decimal) -> float | int:
    """A decimal as JSON would carry it: an int when whole and written so, else a float."""
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 \
        else float(value)


@dataclass(frozen=True)
class Domain:
    """What one question can be answered with, read from the protocol."""

    question: Question
    calm: Any
    others: tuple[Any, ...]
    # JSON values the engine refuses, and posted fields the forms must refuse.
    refused: tuple[Any, ...]
    refused_fields: tuple[dict[str, str], ...]

    @property
    def valid(self) -> tuple[Any, ...]:
        """Every valid answer drawn, the calm one first."""
        return (self.calm, *self.others)


def _temperatures(protocol: Protocol, question: Question) -> tuple[list[Any], list[Any]]:
    """Readings near every limit the protocol sets, in both units, split into valid and not."""
    low, high = (Decimal(repr(limit)) for limit in question.bounds)
    limits = {low, high} | thresholds(protocol, question)
    steps = [Decimal(s) for s in ("-0.1", "-0.06", "-0.05", "-0.01", "0", "0.04", "0.05", "0.1")]
    readings: list[dict[str, Any]] = []
    for limit in sorted(limits):
        fahrenheit = Decimal(repr(to_fahrenheit(float(limit))))
        for step in steps:
            readings.append({"value": _number(limit + step), "unit": "C"})
            readings.append({"value": _number(fahrenheit + step), "unit": "F"})
    readings += [{"value": int(low) - 5, "unit": "C"}, {"value": int(high) + 5, "unit": "F"}]
    valid = [r for r in readings if _valid(protocol, question, r)]
    refused = [r for r in readings if not _valid(protocol, question, r)]
    return valid, refused


def _form_refusals(question: Question, refused: list[Any]) -> tuple[dict[str, str], ...]:
    """Posted fields that are not a clean answer to the question, however read."""
    if question.type == TEMPERATURE:
        value, unit, flag = (field_name(question, p) for p in (VALUE, UNIT, NOT_MEASURED))
        fields: list[dict[str, str]] = [
            {value: str(r["value"]), unit: r["unit"]} for r in refused
            if isinstance(r, dict) and r.get("unit") in TEMPERATURE_UNITS
            and isinstance(r.get("value"), (int, float))]
        some = "37.5"
        fields += [
            {value: "abc", unit: TEMPERATURE_UNITS[0]},
            {value: some.replace(".", ".."), unit: TEMPERATURE_UNITS[0]},
            {value: some + "55", unit: TEMPERATURE_UNITS[0]},  # three decimals
            {value: "\u0663\u0667", unit: TEMPERATURE_UNITS[0]},  # Arabic-Indic digits
            {value: "NaN", unit: TEMPERATURE_UNITS[0]},
            {value: some},  # no unit
            {value: some, unit: "K"},
            {value: some, unit: TEMPERATURE_UNITS[0].lower()},
            {value: some, unit: TEMPERATURE_UNITS[0], flag: "1"},  # a reading and "not taken"
        ]
        return tuple(fields)
    name = question.id
    if question.type == YES_NO:
        return tuple({name: text} for text in ("maybe", YES.upper(), "1", "true", NO + "."))
    if question.type == CHOICE:
        texts = {c.id.upper() for c in question.choices} | {"other", "0"}
        texts -= question.choice_ids
        return tuple({name: text} for text in sorted(texts))
    low, high = (int(limit) for limit in question.bounds)
    texts = (str(low - 1), str(high + 1), f"{low}.5", f"-{high}", "\u0663", "1e1", "+1", "0x1")
    return tuple({name: text} for text in texts)


@cache
def domains(protocol: Protocol = PROTOCOL) -> dict[str, Domain]:
    """Every question's domain, in the protocol's order."""
    made = {}
    for question in protocol.questions:
        refused: list[Any]
        if question.type == YES_NO:
            calm = not question.severe_answer
            others: list[Any] = [not calm]
            refused = ["yes", 1, 0, None, "true"]
        elif question.type == CHOICE:
            ordered = sorted(question.choices, key=lambda c: c.severity)
            calm, others = ordered[0].id, [c.id for c in ordered[1:]]
            refused = [calm.upper(), "", 1, None]
        elif question.type == INTEGER:
            low, high = (int(limit) for limit in question.bounds)
            if high - low + 1 <= SMALL_RANGE:
                values = set(range(low, high + 1))
            else:
                values = {low, high, (low + high) // 2}
                for limit in thresholds(protocol, question):
                    values |= {int(limit) - 1, int(limit), int(limit) + 1}
                values = {v for v in values if low <= v <= high}
            calm, others = low, sorted(values - {low})
            refused = [low - 1, high + 1, low + 0.5, str(low), True, None]
        else:
            others, refused = _temperatures(protocol, question)
            low = min(question.bounds)
            lowest = min(thresholds(protocol, question) or {Decimal(repr(max(question.bounds)))})
            calm = {"value": _number((Decimal(repr(low)) + lowest) / 2), "unit": "C"}
            others = [None, *others]
            refused += [{"value": 37, "unit": "K"}, {"value": "37", "unit": "C"},
                        {"value": 37}, 37, True]
        refused = [v for v in refused if not _valid(protocol, question, v)]
        made[question.id] = Domain(question, calm, tuple(others), tuple(refused),
                                   _form_refusals(question, refused))
    return made


class Reader:
    """The bytes of one gene, read in order; past the end every byte is 0."""

    def __init__(self, gene: bytes) -> None:
        """Read this gene."""
        self.gene = gene
        self.at = 0

    def byte(self) -> int:
        """The next byte."""
        value = self.gene[self.at] if self.at < len(self.gene) else 0
        self.at += 1
        return value

    def chance(self, probability: float) -> bool:
        """True with this probability; always False for a byte of 0."""
        return self.byte() >= 256 - round(256 * probability) if probability else False

    def pick(self, options: tuple[Any, ...] | list[Any]) -> Any:
        """One of the options; the first for a byte of 0."""
        return options[self.byte() % len(options)]


def asked(protocol: Protocol, answers: Mapping[str, Any]) -> list[Question]:
    """The questions asked given these answers (one asked only in some case may not be)."""
    return [q for q in protocol.questions
            if q.asked_when is None or q.asked_when.evaluate(answers) is not False]


def complete(protocol: Protocol, answers: Mapping[str, Any]) -> bool:
    """Whether every question asked given these answers is answered."""
    return all(q.id in answers for q in asked(protocol, answers))


def as_read(protocol: Protocol, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without those to questions not asked in their case (as the steps keep)."""
    kept = dict(answers)
    for question in protocol.questions:
        if question.asked_when is not None and question.asked_when.evaluate(kept) is False:
            kept.pop(question.id, None)
    return kept


@cache
def red_flags(protocol: Protocol = PROTOCOL) -> frozenset[str]:
    """The questions the most urgent disposition's rules read: any one of them decides."""
    top = protocol.dispositions[0].id
    return frozenset().union(*(r.when.names for r in protocol.rules if r.disposition == top))


def complete_answers(gene: bytes, protocol: Protocol = PROTOCOL) -> dict[str, Any]:
    """A complete, valid answer set (a question asked only in some case is given or not).

    Red flags are unusual a quarter as often as other answers, so that the less urgent
    dispositions, each of which needs every red flag calm, come up about as often.
    """
    read = Reader(gene[:ANSWERS_SIZE])
    unusual = UNUSUAL[read.byte() % len(UNUSUAL)]
    flags = red_flags(protocol)
    answers: dict[str, Any] = {}
    for question_id, domain in domains(protocol).items():
        chance = unusual / RED_FLAG_DAMPING if question_id in flags else unusual
        value = read.pick(domain.others) if read.chance(chance) and domain.others \
            else domain.calm
        answers[question_id] = value
    for question in protocol.questions:  # answered anyway, as a form may: ignored by the rules
        if question.asked_when is not None and question.asked_when.evaluate(answers) is False:
            if read.chance(0.5):
                del answers[question.id]
    return answers


def partial_answers(gene: bytes, protocol: Protocol = PROTOCOL) -> dict[str, Any]:
    """A valid answer set with questions left unanswered, as a call under way has."""
    answers = complete_answers(gene, protocol)
    read = Reader(gene[ANSWERS_SIZE:2 * ANSWERS_SIZE])
    unasked = UNASKED[read.byte() % len(UNASKED)]
    return {k: v for k, v in answers.items() if not read.chance(unasked)}


def refused_answers(gene: bytes, protocol: Protocol = PROTOCOL) -> tuple[dict[str, Any],
                                                                         dict[str, Any]]:
    """A valid answer set, and the same with one to three answers the engine must refuse."""
    read = choice(gene, SPOILING)
    valid = (partial_answers if read.chance(0.5) else complete_answers)(gene, protocol)
    spoiled = dict(valid)
    for _ in range(1 + read.byte() % 3):
        domain = read.pick(list(domains(protocol).values()))
        spoiled[domain.question.id] = read.pick(domain.refused)
    return valid, spoiled


def refused_fields(gene: bytes, protocol: Protocol = PROTOCOL) -> tuple[
        dict[str, Any], dict[str, str], set[str]]:
    """Valid answers, posted fields with one to three answers no form may read, and which."""
    read = choice(gene, SPOILING)
    valid = (partial_answers if read.chance(0.5) else complete_answers)(gene, protocol)
    fields = form_fields(protocol, valid)
    spoiled: set[str] = set()
    for _ in range(1 + read.byte() % 3):
        domain = read.pick(list(domains(protocol).values()))
        for name in field_names(domain.question):
            fields.pop(name, None)
        fields.update(read.pick(domain.refused_fields))
        spoiled.add(domain.question.id)
    return {k: v for k, v in valid.items() if k not in spoiled}, fields, spoiled


def form_value(question: Question, value: Any, *, comma: bool = False) -> dict[str, str]:
    """One answer as the patient's steps and the console post it."""
    if question.type == TEMPERATURE:
        if value is None:
            return {field_name(question, NOT_MEASURED): "1"}
        number = str(value["value"])
        return {field_name(question, VALUE): number.replace(".", ",") if comma else number,
                field_name(question, UNIT): value["unit"]}
    if question.type == YES_NO:
        return {question.id: YES if value else NO}
    return {question.id: str(value)}


def form_fields(protocol: Protocol, answers: Mapping[str, Any], *,
                comma: bool = False) -> dict[str, str]:
    """Answers as posted fields, in the protocol's order."""
    fields: dict[str, str] = {}
    for question in protocol.questions:
        if question.id in answers:
            fields.update(form_value(question, answers[question.id], comma=comma))
    return fields


def answer_field_names(protocol: Protocol = PROTOCOL) -> list[str]:
    """Every field the answer forms post, read from the protocol's questions."""
    return [name for question in protocol.questions for name in field_names(question)]
