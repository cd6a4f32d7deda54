"""The protocol as an SDC Questionnaire (FHIR R4B), with the ranges and hints a renderer shows."""

from __future__ import annotations

import re
from typing import Any

from checker.api.fhir_common import (
    ENTRY_FORMAT,
    FHIR_VERSION,
    FHIR_VERSION_SYSTEM,
    HELP_SUFFIX,
    HINT_SUFFIX,
    ITEM_CONTROL,
    ITEM_CONTROL_SYSTEM,
    MAX_QUANTITY,
    MAX_VALUE,
    MIN_QUANTITY,
    MIN_VALUE,
    NOT_MEASURED_SUFFIX,
    ORDINAL_VALUE,
    SDC_PROFILE,
    UCUM,
    UNIT_LABELS,
    UNIT_OPTION,
    UNITS,
    canonical,
    choice_system,
)
from rules import Protocol, Question, fill
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

# The not-measured box is this module's own: the protocol's temperature is one answer, null
# when not measured, which a quantity item cannot carry.
NOT_MEASURED_TEXT = "The temperature was not measured."
ENABLE_VALUE = {YES_NO: "answerBoolean", INTEGER: "answerInteger", CHOICE: "answerCoding"}


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
    rows = []
    for atom in condition.disjuncts[0]:
        source = protocol.by_id[atom.name]
        if source.type not in ENABLE_VALUE:
            raise ValueError(f"{question.id}: enableWhen cannot test {source.type} answers")
        value: Any = atom.value
        if source.type == CHOICE:
            value = {"system": choice_system(protocol, source), "code": atom.value}
        rows.append({"question": atom.name, "operator": atom.op,
                     ENABLE_VALUE[source.type]: value})
    return {"enableWhen": rows, "enableBehavior": "all"}


def _help(link_id: str, text: str) -> dict[str, Any]:
    """A hint as a help display item, which SDC renderers show behind a help button."""
    control = {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}
    return {
        "linkId": link_id + HELP_SUFFIX,
        "type": "display",
        "text": text,
        "extension": [{"url": ITEM_CONTROL,
                       "valueCodeableConcept": {"coding": [control], "text": "Help-Button"}}],
    }


def _integer(question: Question) -> dict[str, Any]:
    """A whole-number item with its range, for the renderer to check and show."""
    low, high = (int(limit) for limit in question.bounds)
    return {
        "type": "integer",
        "extension": [
            {"url": MIN_VALUE, "valueInteger": low},
            {"url": MAX_VALUE, "valueInteger": high},
            {"url": ENTRY_FORMAT, "valueString": f"{low}–{high}"},
        ],
    }


def _choice(protocol: Protocol, question: Question, number: str) -> dict[str, Any]:
    """A choice item, its options from least to most severe, each with its severity."""
    ordered = sorted(question.choices, key=lambda choice: choice.severity)
    return {
        "type": "choice",
        "answerOption": [
            {
                "valueCoding": {"system": choice_system(protocol, question), "code": c.id,
                                "display": fill(c.text, number)},
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": c.severity}],
            }
            for c in ordered
        ],
    }


def _temperature(question: Question) -> dict[str, Any]:
    """A quantity item in °C or °F, enabled unless the not-measured box is ticked."""
    low, high = question.bounds
    return {
        "type": "quantity",
        "extension": [
            {"url": UNIT_OPTION, "valueCoding": {"system": UCUM, "code": code,
                                                 "display": UNIT_LABELS[code]}}
            for code in UNITS
        ] + [
            {"url": MIN_QUANTITY, "valueQuantity": {"value": low, "unit": UNIT_LABELS["Cel"],
                                                    "system": UCUM, "code": "Cel"}},
            {"url": MAX_QUANTITY, "valueQuantity": {"value": high, "unit": UNIT_LABELS["Cel"],
                                                    "system": UCUM, "code": "Cel"}},
        ],
        "enableWhen": [{"question": question.id + NOT_MEASURED_SUFFIX, "operator": "!=",
                        "answerBoolean": True}],
    }


def _items(protocol: Protocol, question: Question, number: str) -> list[dict[str, Any]]:
    """The Questionnaire items of one question (two for a temperature)."""
    item: dict[str, Any] = {"linkId": question.id, "text": fill(question.text, number),
                            "required": True}
    if question.type == YES_NO:
        item["type"] = "boolean"
    elif question.type == INTEGER:
        item.update(_integer(question))
    elif question.type == CHOICE:
        item.update(_choice(protocol, question, number))
    elif question.type == TEMPERATURE:
        item.update(_temperature(question))
    else:  # pragma: no cover - the loader admits no other type
        raise ValueError(f"unknown question type {question.type!r}")
    item.update(_enable_when(protocol, question))
    # The temperature's hint is about leaving the web form's field empty; here the
    # not-measured box says it.
    if question.hint and question.type != TEMPERATURE:
        item["item"] = [_help(question.id, fill(question.hint, number))]
    if question.type != TEMPERATURE:
        return [item]
    not_measured = {"linkId": question.id + NOT_MEASURED_SUFFIX, "type": "boolean",
                    "text": NOT_MEASURED_TEXT}
    return [item, not_measured]


def questionnaire(protocol: Protocol, number: str) -> dict[str, Any]:
    """The protocol's questions as an SDC Questionnaire, grouped as they are shown."""
    groups = []
    for group in protocol.groups:
        items = []
        if group.hint:
            items.append({"linkId": group.id + HINT_SUFFIX, "type": "display",
                          "text": fill(group.hint, number)})
        items += [row for q in protocol.questions_in(group.id)
                  for row in _items(protocol, q, number)]
        groups.append({"linkId": group.id, "type": "group", "text": fill(group.title, number),
                       "item": items})
    return {
        "resourceType": "Questionnaire",
        "id": protocol.id,
        "meta": {
            "profile": [SDC_PROFILE],
            "tag": [{"system": FHIR_VERSION_SYSTEM, "code": FHIR_VERSION,
                     "display": f"FHIR R4B ({FHIR_VERSION})"}],
        },
        "url": canonical(protocol),
        "version": protocol.version,
        "name": _name(protocol),
        "title": protocol.title,
        "status": "active",
        "language": protocol.language,
        "subjectType": ["Patient"],
        "item": groups,
    }
