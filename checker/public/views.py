"""The patient's self-check: the form at / and the result it leads to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from checker.public.forms import (
    DECIMAL_NUMBER,
    SWITCH_UNIT,
    UNIT_FIELD,
    CheckForm,
    form_class,
    hint_for,
)
from rules import AnswerError, Protocol, Question, assess, fill, load_protocol
from rules.answers import to_celsius
from rules.callback import grouped
from rules.model import TEMPERATURE, TEMPERATURE_UNITS

bp = Blueprint("public", __name__)

EMERGENCY = "emergency"
EMERGENCY_ACTION = "emergency"
# A help button never answers with an error: with no "yes", it says so and the check goes on.
NO_EMERGENCY_YET = (
    "None of these signs is answered yes, so go on with the questions below. If you do have "
    "one of them, choose Yes for it and press the button again."
)


def _new_form(protocol: Protocol) -> CheckForm:
    """The form for the loaded protocol and this clinic's settings.

    "Yes, I meant °C" posts the answers again with `switch_unit`: that one tap sets the unit,
    so the temperature is never changed without the patient saying so.
    """
    config = current_app.config
    cls = form_class(protocol, config["EMERGENCY_NUMBER"], config["DEFAULT_TEMPERATURE_UNIT"])
    switch = request.form.get(SWITCH_UNIT) if request.method == "POST" else None
    if switch in TEMPERATURE_UNITS:
        data = request.form.copy()
        data.setlist(UNIT_FIELD, [switch])
        return cls(formdata=data)
    return cls()


def _other_unit(form: CheckForm, question: Question) -> str | None:
    """The unit a refused temperature fits, when it fits the other one (38.5 °F, 101 °C)."""
    raw, unit = form[question.id].data, form[UNIT_FIELD].data
    if not raw or not DECIMAL_NUMBER.match(raw) or unit not in TEMPERATURE_UNITS:
        return None
    other = "C" if unit == "F" else "F"
    low, high = question.bounds
    return other if low <= to_celsius(float(raw.replace(",", ".")), other) <= high else None


def _assess(answers: dict[str, Any]) -> dict[str, Any]:
    """The assessment with the clinic's emergency number."""
    return assess(answers, emergency_number=current_app.config["EMERGENCY_NUMBER"])


def _emergency_so_far(answers: dict[str, Any]) -> dict[str, Any] | None:
    """The assessment if the answers given so far already mean an emergency."""
    try:
        result = _assess(answers)
    except AnswerError as exc:
        valid = {k: v for k, v in answers.items() if k not in exc.errors}
        result = _assess(valid)
    return result if result["disposition"] == EMERGENCY else None


def _emergency_if_repeated(form: CheckForm, answers: dict[str, Any]) -> dict[str, Any] | None:
    """The emergency, if any value of an answer sent twice would mean one on its own."""
    # A repeated answer is an error, but the more urgent reading wins: never under-triage.
    for question_id, value in form.repeated_readings():
        emergency = _emergency_so_far({**answers, question_id: value})
        if emergency is not None:
            return emergency
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    """Keep answers and results out of caches on a shared or borrowed device."""
    if request.method == "POST":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/", methods=["GET", "POST"])
def check() -> Any:
    """Show the questions; on submit, show the result or the answers that need fixing."""
    protocol = load_protocol()
    form = _new_form(protocol)
    if request.method == "GET":
        return _form_page(protocol, form)
    form.validate()  # the format of each answer; CSRF was checked before the view
    answers = form.answers()
    # An emergency answer ends the form at once, whatever else is missing or wrong.
    emergency = _emergency_so_far(answers) or _emergency_if_repeated(form, answers)
    if emergency is not None:
        return _result_page(protocol, emergency)
    if request.form.get("action") == EMERGENCY_ACTION:
        return _form_page(protocol, form, emergency_note=NO_EMERGENCY_YET)
    form.require_answers(answers)
    if form.errors or form.form_errors:
        return _form_page(protocol, form), 422
    try:
        result = _assess(answers)
    except AnswerError as exc:
        form.add_errors(exc.errors)
        for question in protocol.questions:
            if question.type == TEMPERATURE and question.id in exc.errors:
                form[question.id].suggested_unit = _other_unit(form, question)
        return _form_page(protocol, form), 422
    if not result["decided"]:
        # A patient's result must be decided; ask for whatever could still raise it.
        form.add_errors({q: "Please answer this question" for q in result["could_raise"]})
        return _form_page(protocol, form), 422
    return _result_page(protocol, result)


def _form_page(protocol: Protocol, form: CheckForm, emergency_note: str = "") -> str:
    """Render the questions, with any errors beside their fields and in a summary."""
    number = current_app.config["EMERGENCY_NUMBER"]
    if emergency_note:  # the patient is only moving on: answers so far are not errors yet
        for field in form:
            field.errors = []
        form.form_errors.clear()
    summary = form.error_summary()
    summary += [("questions", message) for message in form.form_errors]
    groups = [(group, fill(group.hint, number)) for group in protocol.groups]
    return render_template(
        "public/form.html",
        form=form,
        groups=groups,
        summary=summary,
        emergency_note=emergency_note,
        hint_for=hint_for,
    )


def _result_page(protocol: Protocol, result: dict[str, Any]) -> str:
    """Render what to do, why, the advice and when to call back."""
    disposition = protocol.disposition(result["disposition"])
    number = current_app.config["EMERGENCY_NUMBER"]
    return render_template(
        "public/result.html",
        result=result,
        call_back=[(fill(action, number), signs) for action, signs in grouped(protocol)]
        if result["call_back_if"]
        else [],
        disposition=disposition,
        headline=fill(disposition.headline, number),
        detail=fill(disposition.detail, number),
    )
