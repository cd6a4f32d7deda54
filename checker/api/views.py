"""The JSON API: the same assessment as `python -m rules assess`, over HTTP."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from checker.api.openapi import document
from checker.extensions import csrf
from rules import AnswerError, assess, load_protocol
from rules.jsonio import loads_strict

NOT_JSON = "Send the answers as JSON, with the header Content-Type: application/json."

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API sets no cookies, so a forged cross-site request has nothing to ride on.
csrf.exempt(bp)


def _errors(status: int, errors: dict[str, str]) -> tuple[Any, int]:
    """An error response with one message per field."""
    return jsonify({"errors": errors}), status


@bp.post("/assessments")
def create_assessment() -> tuple[Any, int]:
    """Assess one answer set sent as JSON; nothing is stored."""
    if request.mimetype != "application/json":
        return _errors(415, {"body": NOT_JSON})
    try:
        answers = loads_strict(request.get_data())
    except ValueError as exc:
        return _errors(400, {"body": str(exc)})
    number = current_app.config["EMERGENCY_NUMBER"]
    try:
        result = assess(answers, load_protocol(), emergency_number=number)
    except AnswerError as exc:
        return _errors(422, exc.errors)
    return jsonify(result), 200


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document(load_protocol()))
