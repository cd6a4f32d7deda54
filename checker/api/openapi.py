"""The OpenAPI 3.1 document, built from the protocol so it always matches the answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rules import Protocol, Question
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO

REF = "#/components/schemas/"
HALF_TENTH = Decimal("0.05")


def accepted_range(question: Question, unit: str) -> tuple[Decimal, Decimal]:
    """The readings the API accepts in a unit: [lowest, first refused above) before rounding."""
    # A reading is converted to °C and rounded half up to one decimal, then checked against
    # the question's range; so in °C anything from 0.05 below the minimum is accepted, up to
    # (not including) 0.05 above the maximum.
    low = Decimal(str(question.minimum)) - HALF_TENTH
    high = Decimal(str(question.maximum)) + HALF_TENTH
    if unit == "F":
        low, high = low * 9 / 5 + 32, high * 9 / 5 + 32
    return low, high


def _temperature_schema(question: Question) -> dict[str, Any]:
    """null, or a reading in °C or °F within the range the API accepts in that unit."""
    readings = []
    for unit in TEMPERATURE_UNITS:
        low, high = accepted_range(question, unit)
        readings.append({
            "type": "object",
            "required": ["value", "unit"],
            "additionalProperties": False,
            "properties": {
                "value": {"type": "number", "minimum": float(low),
                          "exclusiveMaximum": float(high)},
                "unit": {"const": unit},
            },
        })
    c_low, c_high = accepted_range(question, "C")
    f_low, f_high = accepted_range(question, "F")
    return {
        "description": (
            f"null when not measured. The reading is converted to °C and rounded half up to "
            f"one decimal, which must be {question.minimum:.1f} to {question.maximum:.1f} °C: "
            f"so from {c_low} up to (not including) {c_high} °C, or from {f_low} up to "
            f"(not including) {f_high} °F."
        ),
        "oneOf": [{"type": "null"}, *readings],
    }


def _answer_schema(question: Question) -> dict[str, Any]:
    """The JSON schema of one answer."""
    schema: dict[str, Any]
    if question.type == YES_NO:
        schema = {"type": "boolean"}
    elif question.type == INTEGER:
        low, high = (int(limit) for limit in question.bounds)
        schema = {
            "type": "integer", "minimum": low, "maximum": high,
            "description": "A whole number (8 or 8.0; not 8.5, \"8\" or true).",
        }
    elif question.type == CHOICE:
        schema = {"type": "string", "enum": [c.id for c in question.choices]}
    elif question.type == TEMPERATURE:
        schema = _temperature_schema(question)
    else:  # pragma: no cover - the loader admits no other type
        raise ValueError(f"unknown question type {question.type!r}")
    description = question.text
    if question.asked_when is not None:
        description += f" (asked only when {question.asked_when.text})"
    if "description" in schema:
        description += " " + schema.pop("description")
    return {"description": description, **schema}


def _schemas(protocol: Protocol) -> dict[str, Any]:
    """The request and response schemas."""
    answers = {
        "type": "object",
        "description": "Answers keyed by question id. A missing key means not asked yet.",
        "additionalProperties": False,
        "properties": {q.id: _answer_schema(q) for q in protocol.questions},
    }
    text_list = {"type": "array", "items": {"type": "string"}}
    assessment = {
        "type": "object",
        "required": [
            "disposition", "decided", "reasons", "advice", "call_back_if", "could_raise",
            "protocol",
        ],
        "additionalProperties": False,
        "properties": {
            "disposition": {"type": "string", "enum": [d.id for d in protocol.dispositions]},
            "decided": {"type": "boolean"},
            "reasons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["rule", "text", "answers"],
                    "additionalProperties": False,
                    "properties": {
                        "rule": {"type": "string"},
                        "text": {"type": "string"},
                        "answers": {"$ref": REF + "Answers"},
                    },
                },
            },
            "advice": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text"],
                    "additionalProperties": False,
                    "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
                },
            },
            "call_back_if": text_list,
            "could_raise": {
                "type": "array",
                "items": {"type": "string", "enum": [q.id for q in protocol.questions]},
            },
            "protocol": {
                "type": "object",
                "required": ["id", "version", "sha256"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "version": {"type": "string"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            },
        },
    }
    errors = {
        "type": "object",
        "required": ["errors"],
        "additionalProperties": False,
        "properties": {
            "errors": {
                "type": "object",
                "description": "One plain message per bad field (or 'body' / 'request').",
                "minProperties": 1,
                "additionalProperties": {"type": "string"},
            }
        },
    }
    return {"Answers": answers, "Assessment": assessment, "Errors": errors}


def _error(description: str) -> dict[str, Any]:
    """A response carrying the Errors schema."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF + "Errors"}}},
    }


def document(protocol: Protocol, max_bytes: int) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, for bodies of at most max_bytes."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Recovery Check API",
            "version": "1.0.0",
            "summary": "Aftercare triage after vertebroplasty or kyphoplasty.",
            "description": (
                "Assesses one set of answers with the protocol "
                f"{protocol.id} {protocol.version}. Nothing is stored. This is not a "
                "diagnosis and does not replace a doctor."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "paths": {
            "/api/v1/assessments": {
                "post": {
                    "operationId": "createAssessment",
                    "summary": "Assess a set of answers",
                    "requestBody": {
                        "required": True,
                        "description": (
                            f"UTF-8 JSON only, at most {max_bytes} bytes (also when sent "
                            "chunked). "
                            "A Content-Type charset other than utf-8 gets 415; UTF-16, UTF-32 "
                            "or a byte order mark gets 400. A key given twice, NaN and "
                            "Infinity get 400. Yes/no answers are true or false and choices "
                            "their ids: nothing else is read as them. The same answers may "
                            "also be sent as a FHIR R4B QuestionnaireResponse to the "
                            "Questionnaire of GET /api/v1/questionnaire, with Content-Type "
                            "application/fhir+json; its items are checked by linkId and a "
                            "malformed one gets 422 naming the item."
                        ),
                        "content": {"application/json": {"schema": {"$ref": REF + "Answers"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The assessment",
                            "content": {
                                "application/json": {"schema": {"$ref": REF + "Assessment"}}
                            },
                        },
                        "400": _error("The body is not valid UTF-8 JSON"),
                        "411": _error("A chunked body the server could not read to its end"),
                        "413": _error(f"The body is over {max_bytes} bytes"),
                        "415": _error("The body is not sent as application/json in UTF-8"),
                        "422": _error("One or more answers are not valid"),
                    },
                }
            },
            "/api/v1/questionnaire": {
                "get": {
                    "operationId": "getQuestionnaire",
                    "summary": "The protocol as a FHIR R4B Questionnaire (SDC)",
                    "responses": {
                        "200": {
                            "description": (
                                "The Questionnaire, with the protocol's version; answer "
                                "options run from least to most severe"
                            ),
                            "content": {"application/fhir+json": {"schema": {
                                "type": "object",
                                "required": ["resourceType", "version", "item"],
                                "properties": {"resourceType": {"const": "Questionnaire"}},
                            }}},
                        }
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": _schemas(protocol)},
    }
