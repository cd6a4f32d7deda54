"""Answers read from a QuestionnaireResponse, wherever its items are nested, checked in full.

A response is read into the JSON API's answer set, so both give the same assessment. Every
item is found: in groups at any depth and under another item's answer. A completed response
must answer every question that is enabled; one in progress is assessed as partial answers.
An item answered more than once is refused, unless one of its readings on its own means an
emergency: then, as on the patient's form, the more urgent reading wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checker.api.fhir_common import (
    COMPLETE,
    NOT_MEASURED_SUFFIX,
    STATUSES,
    UCUM,
    UNIT_SPELLINGS,
    UNITS,
    VALUE_ELEMENT,
    ResponseError,
    canonical,
    choice_system,
)
from rules import AnswerError, Protocol, Question, validate_answers
from rules.engine import evaluate
from rules.model import CHOICE, INTEGER, TEMPERATURE

TWICE = "is answered more than once: give one answer"
BOTH = "a temperature cannot be both given and not measured"
NOT_AN_ITEM = "is not an item of this questionnaire"
MISSING = "is required in a completed response, and not answered"
COMPARATOR = "valueQuantity has a comparator: send the measured value itself, without one"
_END = object()
_UNREADABLE = object()  # an unticked not-measured box beside a ticked one: no reading at all


def _items(items: Any) -> Iterator[dict[str, Any]]:
    """Every item of a response in document order: in groups and under answers, any depth."""
    stack = [iter(items if isinstance(items, list) else [])]
    while stack:  # a loop, not recursion: nesting as deep as the body allows is read
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            continue
        if not isinstance(item, dict):
            continue
        yield item
        stack.append(iter(item.get("item") or []))
        for answer in reversed(item.get("answer") or []):
            if isinstance(answer, dict) and answer.get("item"):
                stack.append(iter(answer["item"]))


def _coding(protocol: Protocol, question: Question, coding: Any) -> Any:
    """A choice's code, once its system is the one the Questionnaire declares."""
    system = choice_system(protocol, question)
    if not isinstance(coding, dict) or coding.get("system") != system:
        raise ResponseError({question.id: f"valueCoding must have the system {system}"},
                            {question.id: "code-invalid"})
    return coding.get("code")


def _quantity(question: Question, quantity: Any) -> dict[str, Any]:
    """A temperature reading: a plain value in UCUM Cel or [degF], nothing approximate."""
    fail = question.id
    if not isinstance(quantity, dict):
        raise ResponseError({fail: "valueQuantity must be a Quantity"}, {fail: "structure"})
    if "comparator" in quantity:
        raise ResponseError({fail: COMPARATOR}, {fail: "value"})
    code = quantity.get("code")
    if quantity.get("system") != UCUM or code not in UNITS:
        raise ResponseError(
            {fail: f"valueQuantity must have the system {UCUM} and the code Cel or [degF]"},
            {fail: "code-invalid"})
    unit = quantity.get("unit")
    others = set().union(*(spellings for c, spellings in UNIT_SPELLINGS.items() if c != code))
    if isinstance(unit, str) and unit.strip().lower() in others:
        raise ResponseError({fail: f"valueQuantity's unit text contradicts its code {code}"},
                            {fail: "value"})
    if "value" not in quantity:
        raise ResponseError({fail: "valueQuantity must have a value"}, {fail: "required"})
    return {"value": quantity["value"], "unit": UNITS[code]}


def _reading(protocol: Protocol, question: Question, answer: Any) -> Any:
    """One FHIR answer as the rules read it; the rules check its type and range."""
    element = VALUE_ELEMENT[question.type]
    if not isinstance(answer, dict) or element not in answer:
        raise ResponseError({question.id: f"answer with {element}"}, {question.id: "structure"})
    value = answer[element]
    if question.type == CHOICE:
        return _coding(protocol, question, value)
    if question.type == TEMPERATURE:
        return _quantity(question, value)
    if question.type == INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)  # as the JSON API reads 8.0: a whole number, schema-valid
    return value


def _check_resource(body: Any, protocol: Protocol) -> None:
    """Refuse anything but a valid QuestionnaireResponse to this Questionnaire's version."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from pydantic import ValidationError

    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError({"body": "send a FHIR QuestionnaireResponse"}, {"body": "structure"})
    try:
        QuestionnaireResponse.model_validate(body)
    except ValidationError as exc:
        # Pydantic's messages name the element; they never echo the value back.
        where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:5])
        # from None: pydantic's own exception carries the input values.
        raise ResponseError(
            {"body": f"not a valid FHIR R4B QuestionnaireResponse ({where})"},
            {"body": "structure"},
        ) from None
    if body.get("status") not in STATUSES:
        raise ResponseError({"status": "must be " + ", ".join(STATUSES)},
                            {"status": "not-supported"})
    wanted = canonical(protocol)
    if body.get("questionnaire") not in (wanted, f"{wanted}|{protocol.version}"):
        raise ResponseError({"questionnaire": f"must be {wanted}|{protocol.version}"},
                            {"questionnaire": "not-supported"})


def _ticked(answer: Any) -> bool:
    """One answer of a not-measured box: whether it is ticked."""
    value = answer.get("valueBoolean") if isinstance(answer, dict) else None
    if type(value) is not bool:
        raise ResponseError({"": "answer with valueBoolean"}, {"": "structure"})
    return value


def _not_measured(answers: list[Any]) -> list[Any]:
    """A not-measured box's answers as readings of the temperature: None where ticked."""
    ticks = [_ticked(answer) for answer in answers]
    if len(ticks) == 1:
        return [None] if ticks[0] else []  # unticked: the reading is given, or missing
    return [None if tick else _UNREADABLE for tick in ticks]  # answered twice


def _readings(body: dict[str, Any], protocol: Protocol) -> tuple[dict[str, list[Any]],
                                                                   ResponseError]:
    """Every reading of every question, in document order, and the items that cannot be read."""
    flags = {q.id + NOT_MEASURED_SUFFIX: q.id for q in protocol.questions
             if q.type == TEMPERATURE}
    given: dict[str, list[Any]] = {}
    for item in _items(body.get("item")):
        if item.get("answer"):
            given.setdefault(item["linkId"], []).extend(item["answer"])
    readings: dict[str, list[Any]] = {}
    problems = ResponseError({})
    for link, answers in given.items():
        question = protocol.by_id.get(flags.get(link, link))
        try:
            if question is None:
                raise ResponseError({link: NOT_AN_ITEM}, {link: "not-found"})
            if link in flags:
                values = _not_measured(answers)
            else:
                values = [_reading(protocol, question, answer) for answer in answers]
        except ResponseError as exc:
            # A not-measured box's own errors are raised unnamed: they are named here.
            problems.errors.update({key or link: m for key, m in exc.errors.items()})
            problems.codes.update({key or link: c for key, c in exc.codes.items()})
            continue
        readings.setdefault(question.id, []).extend(values)
    return readings, problems


def _invalid(protocol: Protocol, answers: dict[str, Any]) -> dict[str, str]:
    """What the rules say is wrong with each answer, as the JSON API would say it."""
    try:
        validate_answers(protocol, answers)
    except AnswerError as exc:
        return dict(exc.errors)
    return {}


def _emergency(protocol: Protocol, answers: dict[str, Any]) -> bool:
    """Whether valid answers surely give the most urgent disposition."""
    top = protocol.dispositions[0].id
    return bool(evaluate(protocol, validate_answers(protocol, answers))["disposition"].id == top)


def _urgent_reading(protocol: Protocol, answers: dict[str, Any],
                    repeated: dict[str, list[Any]]) -> dict[str, Any] | None:
    """The answers with the first repeated reading that on its own means an emergency."""
    for question in protocol.questions:
        for value in repeated.get(question.id, ()):
            candidate = {**answers, question.id: value}
            if not _invalid(protocol, candidate) and _emergency(protocol, candidate):
                return candidate
    return None


def _missing(protocol: Protocol, answers: dict[str, Any], skip: set[str]) -> dict[str, str]:
    """The enabled questions a completed response leaves unanswered."""
    valid = {k: v for k, v in answers.items() if k not in skip}
    if _emergency(protocol, valid):
        return {}  # an emergency answer decides at once, as it ends the patient's form
    values = validate_answers(protocol, valid)
    return {
        q.id: MISSING
        for q in protocol.questions
        if q.id not in answers and q.id not in skip
        and (q.asked_when is None or q.asked_when.evaluate(values) is True)
    }


def read_answers(body: Any, protocol: Protocol) -> dict[str, Any]:
    """The answers in a QuestionnaireResponse to this protocol's Questionnaire."""
    _check_resource(body, protocol)
    readings, problems = _readings(body, protocol)
    answers = {qid: values[0] for qid, values in readings.items() if len(values) == 1}
    repeated = {qid: values for qid, values in readings.items() if len(values) > 1}
    invalid = _invalid(protocol, answers)
    if repeated and not problems.errors and not invalid:
        urgent = _urgent_reading(protocol, answers, repeated)
        if urgent is not None:
            return urgent
    for qid, values in repeated.items():
        both = None in values and any(v is not None and v is not _UNREADABLE for v in values)
        problems.errors[qid], problems.codes[qid] = (BOTH if both else TWICE), "duplicate"
    if body["status"] in COMPLETE:
        for qid in _missing(protocol, answers, set(invalid) | set(problems.errors)):
            problems.errors[qid], problems.codes[qid] = MISSING, "required"
    if not problems.errors:
        return answers  # the rules name any answer out of range, in the client's language
    for qid, message in invalid.items():
        problems.errors.setdefault(qid, message)
    raise ResponseError(problems.errors, problems.codes)
