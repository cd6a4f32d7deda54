"""The JSON API: the same assessment as `python -m rules assess`, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _untyped_gettext
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from checker.api.fhir import FHIR_JSON, ResponseError, questionnaire, read_response
from checker.api.openapi import document
from checker.extensions import csrf, limiter
from checker.i18n import browser_language
from rules import AnswerError, Protocol, assess, load_protocol
from rules.jsonio import loads_strict
from rules.messages import Message
from rules.model import INTEGER
from rules.translations import in_language

# Flask-Babel's own annotation of gettext; mypy cannot read it (the package has no py.typed).
gettext: Callable[..., str] = _untyped_gettext

NOT_JSON = _l(
    "Send the answers as JSON, with the header Content-Type: application/json (or a FHIR "
    "QuestionnaireResponse as application/fhir+json)."
)
NOT_UTF8 = _l("Send the answers as UTF-8 JSON: the only charset accepted is utf-8.")
UTF8 = ("utf-8", "utf8")

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API sets no cookies, so a forged cross-site request has nothing to ride on.
csrf.exempt(bp)


@limiter.request_filter
def _unlimited() -> bool:
    """The API has no rate limit, so its requests skip the limiter's bookkeeping."""
    return request.blueprint == bp.name


def _errors(status: int, errors: Mapping[str, str | LazyString],
            language: str = "en") -> tuple[Response, int]:
    """An error response with one message per field, in the language asked for; a lazy text
    (NOT_JSON) is translated here, into that language."""
    if language != "en":
        with force_locale(language):
            errors = {key: said(message) for key, message in errors.items()}
    response = jsonify({"errors": {key: str(message) for key, message in errors.items()}})
    response.headers["Content-Language"] = language
    return response, status


def said(message: str | LazyString) -> str:
    """A message in the current language: an answer's problem with its numbers written the
    language's way, or one of the API's own texts; anything else (JSON syntax) as it is."""
    if isinstance(message, Message):
        values = {k: format_decimal(v, "0.0") if isinstance(v, float) else v
                  for k, v in message.values.items()}
        return gettext(message.template, **values)
    return str(message)


def _whole_numbers(answers: Any, protocol: Protocol) -> Any:
    """Integer answers written with a decimal point (8.0) as the whole numbers they are."""
    # JSON has one number type, and the OpenAPI schema's "integer" admits 8.0, so the API
    # reads it as 8: schema-valid means accepted. 8.5, "8" and true stay errors.
    if not isinstance(answers, dict) or float not in {type(v) for v in answers.values()}:
        return answers  # no decimal point anywhere: nothing to read, nothing copied
    integers = {q.id for q in protocol.questions if q.type == INTEGER}
    return {
        key: int(value) if key in integers and isinstance(value, float) and value.is_integer()
        else value
        for key, value in answers.items()
    }


@bp.post("/assessments")
def create_assessment() -> Response | tuple[Response, int]:
    """Assess one answer set sent as JSON; nothing is stored."""
    language = browser_language()
    if request.mimetype not in ("application/json", FHIR_JSON):
        return _errors(415, {"body": NOT_JSON}, language)
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF8:
        return _errors(415, {"body": NOT_UTF8}, language)
    try:
        answers = loads_strict(request.get_data())
    except ValueError as exc:
        return _errors(400, {"body": str(exc)})
    number = current_app.config["EMERGENCY_NUMBER"]
    protocol = in_language(load_protocol(), language)
    if request.mimetype == FHIR_JSON:
        try:
            answers = read_response(answers, protocol)
        except ResponseError as exc:
            return _errors(422, exc.errors)
    try:
        result = assess(_whole_numbers(answers, protocol), protocol, emergency_number=number)
    except AnswerError as exc:
        return _errors(422, exc.errors, language)
    response = jsonify(result)
    response.headers["Content-Language"] = language  # which language the texts are in
    return response


@bp.get("/questionnaire")
def fhir_questionnaire() -> Response:
    """The protocol's questions as a FHIR R4 Questionnaire, for other systems to fill in."""
    body = jsonify(questionnaire(load_protocol(), current_app.config["EMERGENCY_NUMBER"]))
    body.mimetype = FHIR_JSON
    return body


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(document(load_protocol(), current_app.config["MAX_CONTENT_LENGTH"]))
