"""FHIR for the API: the protocol as an SDC Questionnaire, answers from a QuestionnaireResponse.

The resources are FHIR R4B (4.3.0), as fhir.resources validates them; Questionnaire and
QuestionnaireResponse are unchanged from R4 (4.0.1), so an R4 system reads them as well.
"""

from __future__ import annotations

from typing import Any

from flask import after_this_request, has_request_context

from checker.api.fhir_common import (
    FHIR_JSON,
    FHIR_VERSION,
    NOT_MEASURED_SUFFIX,
    ResponseError,
    canonical,
    choice_system,
)
from checker.api.fhir_outcome import as_operation_outcome, operation_outcome
from checker.api.fhir_questionnaire import questionnaire
from checker.api.fhir_response import read_answers
from rules import Protocol

__all__ = [
    "FHIR_JSON",
    "FHIR_VERSION",
    "NOT_MEASURED_SUFFIX",
    "ResponseError",
    "canonical",
    "choice_system",
    "operation_outcome",
    "questionnaire",
    "read_answers",
    "read_response",
]


def read_response(body: Any, protocol: Protocol) -> dict[str, Any]:
    """The answers in a QuestionnaireResponse; in a request, a refusal is an OperationOutcome."""
    if not has_request_context():
        return read_answers(body, protocol)
    codes: dict[str, str] = {}
    # The view answers a refusal as {"errors": {...}}, whether this reader or the rules refuse;
    # a FHIR client is answered the same errors as a FHIR OperationOutcome.
    after_this_request(lambda response: as_operation_outcome(response, codes))
    try:
        return read_answers(body, protocol)
    except ResponseError as exc:
        codes.update(exc.codes)
        raise
