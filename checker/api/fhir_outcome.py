"""A refused QuestionnaireResponse answered as a FHIR OperationOutcome, one issue per item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, current_app

from checker.api.fhir_common import FHIR_JSON

# Errors about the response itself rather than one of its items, and where each is.
RESOURCE_FIELDS = {"status": "QuestionnaireResponse.status",
                   "questionnaire": "QuestionnaireResponse.questionnaire"}
NOT_AN_ITEM = ("body", "request", "answers")


def _expression(key: str) -> list[str]:
    """Where the error is, as FHIRPath: the response's own field or the items with the linkId."""
    if key in RESOURCE_FIELDS:
        return [RESOURCE_FIELDS[key]]
    if key in NOT_AN_ITEM:
        return []
    quoted = key.replace("\\", "\\\\").replace("'", "\\'")
    return [f"QuestionnaireResponse.descendants().where(linkId = '{quoted}')"]


def operation_outcome(errors: Mapping[str, str],
                      codes: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An OperationOutcome with one error issue per field or linkId, each naming it."""
    issues = []
    for key, message in errors.items():
        issue: dict[str, Any] = {
            "severity": "error",
            "code": (codes or {}).get(key, "invalid"),
            "details": {"text": f"{key}: {message}"},
            "diagnostics": key,
        }
        expression = _expression(key)
        if expression:
            issue["expression"] = expression
        issues.append(issue)
    return {"resourceType": "OperationOutcome", "issue": issues}


def as_operation_outcome(response: Response, codes: Mapping[str, str]) -> Response:
    """A refusal of a FHIR request, {"errors": {…}}, rewritten as an OperationOutcome."""
    if not 400 <= response.status_code < 500 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, dict) or not errors:
        return response
    response.set_data(current_app.json.dumps(operation_outcome(errors, codes)))
    response.mimetype = FHIR_JSON
    return response
