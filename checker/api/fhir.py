"""The protocol as a FHIR R4 Questionnaire (SDC), and answers read from a QuestionnaireResponse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rules import Protocol, Question, fill
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

FHIR_JSON = "application/fhir+json"
SDC_PROFILE = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MIN_QUANTITY = "http://hl7.org/fhir/StructureDefinition/minQuantity"
MAX_QUANTITY = "http://hl7.org/fhir/StructureDefinition/maxQuantity"
UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
UCUM = "http://unitsofmeasure.org"
# UCUM codes of the two temperature units, and the unit each stands for in the answers.
UNITS = {"Cel": "C", "[degF]": "F"}
UNIT_LABELS = {"Cel": "°C", "[degF]": "°F"}
# A separate yes/no item says "not measured", because a quantity cannot carry that answer.
NOT_MEASURED_SUFFIX = "_not_measured"
# A response still being filled in is read as a partial answer set, like the JSON API's.
STATUSES = ("in-progress", "completed", "amended")
# The value[x] element a response must use for each item type.
VALUE_ELEMENT = {
    YES_NO: "valueBoolean",
    INTEGER: "valueInteger",
    CHOICE: "valueCoding",
    TEMPERATURE: "valueQuantity",
}


class ResponseError(ValueError):
    """A QuestionnaireResponse that cannot be read as answers; errors are keyed by item."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def canonical(protocol: Protocol) -> str:
    """The Questionnaire's canonical URL (a URN: nothing is fetched from it)."""
    return f"urn:recovery-check:questionnaire:{protocol.id}"


def _choice_system(protocol: Protocol, question: Question) -> str:
    """The code system of one question's choices."""
    return f"{canonical(protocol)}:{question.id}"


def _name(protocol: Protocol) -> str:
    """A computer-friendly name, as FHIR asks for: letters and digits, starting upper case."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", protocol.id) if part)


def _enable_when(protocol: Protocol, question: Question) -> dict[str, Any]:
    """enableWhen for a question asked only in some cases (a conjunction of comparisons)."""
    condition = question.asked_when
    if condition is None:
        return {}
    if len(condition.disjuncts) != 1:
        raise ValueError(f"{question.id}: only an 'and' of comparisons fits enableWhen")
    by_id = protocol.by_id
    rows = []
    for atom in condition.disjuncts[0]:
        source = by_id[atom.name]
        value_type = {YES_NO: "answerBoolean", INTEGER: "answerInteger", CHOICE: "answerCoding"}
        if source.type not in value_type:
            raise ValueError(f"{question.id}: enableWhen cannot test {source.type} answers")
        value: Any = atom.value
        if source.type == CHOICE:
            value = {"system": _choice_system(protocol, source), "code": atom.value}
        rows.append({"question": atom.name, "operator": atom.op,
                     value_type[source.type]: value})
    return {"enableWhen": rows, "enableBehavior": "all"}


def _item(protocol: Protocol, question: Question, number: str) -> list[dict[str, Any]]:
    """The Questionnaire items of one question (two for a temperature)."""
    item: dict[str, Any] = {"linkId": question.id, "text": fill(question.text, number)}
    if question.type == YES_NO:
        item["type"] = "boolean"
    elif question.type == INTEGER:
        item["type"] = "integer"
        item["extension"] = [
            {"url": MIN_VALUE, "valueInteger": int(question.minimum)},
            {"url": MAX_VALUE, "valueInteger": int(question.maximum)},
        ]
    elif question.type == CHOICE:
        item["type"] = "choice"
        # Least to most severe, each with its severity, so the order is explicit.
        ordered = sorted(question.choices, key=lambda choice: choice.severity)
        item["answerOption"] = [
            {
                "valueCoding": {"system": _choice_system(protocol, question), "code": c.id,
                                "display": fill(c.text, number)},
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": c.severity}],
            }
            for c in ordered
        ]
    elif question.type == TEMPERATURE:
        item["type"] = "quantity"
        item["extension"] = [
            {"url": UNIT_OPTION, "valueCoding": {"system": UCUM, "code": code,
                                                 "display": UNIT_LABELS[code]}}
            for code in UNITS
        ] + [
            {"url": MIN_QUANTITY, "valueQuantity": {"value": question.minimum,
                                                    "system": UCUM, "code": "Cel"}},
            {"url": MAX_QUANTITY, "valueQuantity": {"value": question.maximum,
                                                    "system": UCUM, "code": "Cel"}},
        ]
        not_measured = {
            "linkId": question.id + NOT_MEASURED_SUFFIX,
            "type": "boolean",
            "text": "The temperature was not measured.",
        }
        return [item, not_measured]
    else:  # pragma: no cover - the loader admits no other type
        raise ValueError(f"unknown question type {question.type!r}")
    item.update(_enable_when(protocol, question))
    return [item]


def questionnaire(protocol: Protocol, number: str) -> dict[str, Any]:
    """The protocol's questions as a FHIR R4 Questionnaire, grouped as they are shown."""
    groups = []
    for group in protocol.groups:
        items = [row for q in protocol.questions_in(group.id) for row in _item(protocol, q, number)]
        groups.append({"linkId": group.id, "type": "group", "text": fill(group.title, number),
                       "item": items})
    return {
        "resourceType": "Questionnaire",
        "id": protocol.id,
        "meta": {"profile": [SDC_PROFILE]},
        "url": canonical(protocol),
        "version": protocol.version,
        "name": _name(protocol),
        "title": protocol.title,
        "status": "active",
        "language": protocol.language,
        "subjectType": ["Patient"],
        "item": groups,
    }


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every answered item of a response, groups flattened."""
    for item in items:
        if item.get("item"):
            yield from _items(item["item"])
        if item.get("answer"):
            yield item


def _answer_value(question: Question, answer: dict[str, Any]) -> Any:
    """One FHIR answer as the rules read it."""
    element = VALUE_ELEMENT[question.type]
    if element not in answer:
        raise ResponseError({question.id: f"answer with {element}"})
    value = answer[element]
    if question.type == CHOICE:
        return value.get("code")
    if question.type == TEMPERATURE:
        code = value.get("code")
        if code not in UNITS or value.get("system", UCUM) != UCUM:
            raise ResponseError({question.id: "give the unit as UCUM code Cel or [degF]"})
        return {"value": value.get("value"), "unit": UNITS[code]}
    return value


def read_response(body: Any, protocol: Protocol) -> dict[str, Any]:
    """The answers in a QuestionnaireResponse to this protocol's Questionnaire."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from pydantic import ValidationError

    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError({"body": "send a FHIR QuestionnaireResponse"})
    try:
        QuestionnaireResponse.model_validate(body)
    except ValidationError as exc:
        # Pydantic's messages name the element; they never echo the value back.
        where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()[:5])
        # from None: pydantic's own exception carries the input values.
        raise ResponseError(
            {"body": f"not a valid FHIR R4 QuestionnaireResponse ({where})"}
        ) from None
    if body.get("status") not in STATUSES:
        raise ResponseError({"status": "must be " + ", ".join(STATUSES)})
    wanted = canonical(protocol)
    if body.get("questionnaire") not in (wanted, f"{wanted}|{protocol.version}"):
        raise ResponseError({"questionnaire": f"must be {wanted}|{protocol.version}"})
    by_id = protocol.by_id
    temperatures = {q.id + NOT_MEASURED_SUFFIX: q.id for q in protocol.questions
                    if q.type == TEMPERATURE}
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for item in _items(body.get("item", [])):
        link = item["linkId"]
        if link in answers or link in errors:
            errors[link] = "this item is answered twice"
            continue
        if len(item["answer"]) != 1:
            errors[link] = "give exactly one answer"
            continue
        if link in temperatures:
            if item["answer"][0].get("valueBoolean") is True:
                answers[link] = True
            continue
        question = by_id.get(link)
        if question is None:
            errors[link] = "not an item of this questionnaire"
            continue
        try:
            answers[link] = _answer_value(question, item["answer"][0])
        except ResponseError as exc:
            errors.update(exc.errors)
    for flag, question_id in temperatures.items():
        if answers.pop(flag, False):
            if question_id in answers:
                errors[question_id] = "a temperature cannot be both given and not measured"
            else:
                answers[question_id] = None
    if errors:
        raise ResponseError(errors)
    return answers
