"""The OpenAPI 3.1 document, built from the protocol so it always matches the answers."""

from __future__ import annotations

from typing import Any

from rules import Protocol, Question
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

REF = "#/components/schemas/"


def _answer_schema(question: Question) -> dict[str, Any]:
    """The JSON schema of one answer."""
    schema: dict[str, Any]
    if question.type == YES_NO:
        schema = {"type": "boolean"}
    elif question.type == INTEGER:
        low, high = int(question.minimum), int(question.maximum)
        schema = {"type": "integer", "minimum": low, "maximum": high}
    elif question.type == CHOICE:
        schema = {"type": "string", "enum": [c.id for c in question.choices]}
    elif question.type == TEMPERATURE:
        schema = {
            "description": (
                f"null when not measured. Must be {question.minimum} to {question.maximum} °C "
                "after conversion from °F."
            ),
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["value", "unit"],
                    "additionalProperties": False,
                    "properties": {
                        "value": {"type": "number"},
                        "unit": {"type": "string", "enum": ["C", "F"]},
                    },
                },
            ],
        }
    else:  # pragma: no cover - the loader admits no other type
        raise ValueError(f"unknown question type {question.type!r}")
    description = question.text
    if question.asked_when is not None:
        description += f" (asked only when {question.asked_when.text})"
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


def document(protocol: Protocol) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
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
                        "content": {"application/json": {"schema": {"$ref": REF + "Answers"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The assessment",
                            "content": {
                                "application/json": {"schema": {"$ref": REF + "Assessment"}}
                            },
                        },
                        "400": _error("The body is not valid JSON"),
                        "413": _error("The body is too large"),
                        "415": _error("The body is not JSON"),
                        "422": _error("One or more answers are not valid"),
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
