"""The call console: caller details, questions in order of urgency, closing and saving."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.wrappers import Response

from checker.clock import clinic_zone, local, utcnow
from checker.extensions import db
from checker.followup import handoff
from checker.followup.handoff import CHECKIN, CODE, Start
from checker.form_fields import SelectChoice
from checker.idle import SIGNED_OUT_AS
from checker.nurse import bp, plan
from checker.nurse.auth import SignInRefused, sign_in_again
from checker.nurse.forms import SAME_AS_ENGINE, CallForm, CloseForm
from checker.nurse.models import Encounter
from checker.nurse.note import NoteFacts, build_note
from checker.nurse.questions import (
    Triage,
    asked_questions,
    days_between,
    is_lower,
    read_triage,
    still_to_ask,
)
from checker.nurse.second_factor import SignInAgainForm
from checker.wording import disposition_label
from rules import Protocol, fill, load_protocol
from rules.words import condition_words

log = logging.getLogger(__name__)
OUTAGE = (
    "The call could not be saved because the record system is unavailable. Nothing on this "
    "screen is lost: copy the note below into the hospital record, and try saving again later."
)
NO_TOKEN = (
    "This call was not saved: its form had no valid call number, so saving it could record the "
    "same call twice. Every answer is kept below; check them and press Save the call again."
)
SIGNED_OUT = (
    "You were signed out after a time without activity, so the call is not saved yet. Every "
    "answer is kept: sign in again here and the call is saved once."
)
NOT_SIGNED_IN = "You are not signed in. Sign in here to carry on; every answer is kept."
MISSING_SIGN_IN = "Enter your username and password to sign in again."
BAD_FINAL = "Choose one of the dispositions in the list."
NO_ANSWERS = "No answers yet"
NO_ANSWERS_HEADLINE = "ask the questions, most urgent first; the disposition follows the answers."
DATE_HINT = "Type the date as YYYY-MM-DD, for example 1941-05-11."
DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Field names of the console's own sign-in block: sign_in-username, sign_in-password and
# sign_in-code (for an account with a second factor).
SIGN_IN_PREFIX = "sign_in"
NAMED_TWICE = ("This call was not filled in: the {what} was sent more than once, so its answers "
               "could be either's. Open the call again from the {where}.")
CODE_IN_ADDRESS = ("Short code: type it into the short code box below (it is sent with the form, "
                   "never in the page's address). Nothing was filled in.")
WHERE = {CHECKIN: "worklist", CODE: "short code the patient reads out"}
WHAT = {CHECKIN: "check-in", CODE: "short code"}
# The caller's details the call cannot be saved without, in the order the console shows them.
CALLER_FIELDS = ("patient_name", "date_of_birth", "callback_number", "caller", "procedure_type",
                 "procedure_date")
CLOSE_FIELD = "final_disposition"
# Pages that show a problem first: the script focuses the problem, so no field takes the focus.
PROBLEMS = ("tried_to_save", "token_problem", "sign_in", "outage")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="nurse-call")


def fresh_call() -> tuple[str, datetime]:
    """A new call's one-time token and start time."""
    return uuid.uuid4().hex, utcnow()


def sign_call(call: tuple[str, datetime]) -> str:
    """The token and start time, signed so the form cannot forge either."""
    return _serializer().dumps({"token": call[0], "started": call[1].isoformat()})


def read_call(value: str | None) -> tuple[str, datetime] | None:
    """The token and start time of a call form, or None if it was tampered with."""
    try:
        data = _serializer().loads(value or "")
        return str(data["token"]), datetime.fromisoformat(data["started"]).astimezone(UTC)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None


def _local_date(moment: datetime) -> date:
    """The calendar date of a moment where the clinic is (CLINIC_TIMEZONE)."""
    return local(moment, clinic_zone(current_app.config)).date()


def _read(
    protocol: Protocol, start: Start | None = None,
) -> tuple[CallForm, CloseForm, Triage, tuple[str, datetime] | None]:
    """Read the whole console form and assess it; the call is None if its token was not valid.

    A new call may start from answers the patient gave already (a check-in or a short code).
    """
    # A form without a valid token (or a new call) gets a fresh one and keeps its answers; so
    # does one with two, which could otherwise save the same call twice under either.
    tokens = request.form.getlist("call")
    posted = read_call(tokens[0]) if len(tokens) == 1 else None
    call = posted or fresh_call()
    form = CallForm(call_date=_local_date(call[1]), data=start.caller if start else None)
    form.call.data = sign_call(call)
    config = current_app.config
    triage = read_triage(
        start.fields if start and start.fields is not None else request.form,
        protocol,
        days=days_between(form.procedure_date.data, _local_date(call[1])),
        emergency_number=config["EMERGENCY_NUMBER"],
    )
    close = CloseForm()
    _close_choices(close, protocol, triage)
    return form, close, triage, posted


def shown_disposition(protocol: Protocol, triage: Triage) -> dict[str, str]:
    """What the panel and the close menu both say about the disposition, so they agree."""
    if not any(q.id in triage.answers for q in asked_questions(protocol)):
        # Before any answer the engine's floor (self care) would read as a verdict.
        return {"label": NO_ANSWERS, "headline": NO_ANSWERS_HEADLINE, "shown_class": "none"}
    disposition = protocol.disposition(triage.assessment["disposition"])
    return {
        "label": disposition_label(disposition.id),
        "headline": fill(disposition.headline, current_app.config["EMERGENCY_NUMBER"]),
        "shown_class": disposition.tone or disposition.id,  # how it looks is protocol data
    }


def same_as_protocol(shown: dict[str, str]) -> str:
    """The text of the close menu's first option."""
    return f"As the protocol says: {shown['label']}"


def sent_twice(fields: Any) -> str:
    """The one-value field of a call's hand-off sent more than once, if any ("" if none)."""
    return next((name for name in (CHECKIN, CODE) if len(fields.getlist(name)) > 1), "")


def _close_choices(close: CloseForm, protocol: Protocol, triage: Triage) -> None:
    """Dispositions to choose from, and the advice the protocol gives for these answers."""
    close.final_disposition.choices = [
        SelectChoice(SAME_AS_ENGINE, same_as_protocol(shown_disposition(protocol, triage)))
    ] + [SelectChoice(d.id, disposition_label(d.id)) for d in protocol.dispositions]
    close.advice_given.choices = [
        SelectChoice(a["id"], a["text"]) for a in triage.assessment["advice"]
    ]
    close.action_taken.choices = plan.actions(current_app.config["EMERGENCY_NUMBER"])


def first_to_answer(form: CallForm, triage: Triage, protocol: Protocol) -> str:
    """The name of the first field the nurse still has to answer: a caller's detail the call
    cannot be saved without, else the first open question, else the close menu."""
    for name in CALLER_FIELDS:
        if not form[name].data:
            return name
    skipped = not_asked(protocol, triage)
    for q in asked_questions(protocol):
        if q.id not in triage.answers and q.id not in skipped:
            return q.id
    return CLOSE_FIELD


def not_asked(protocol: Protocol, triage: Triage) -> list[str]:
    """The questions whose condition the answers so far rule out: none is asked."""
    return [q.id for q in asked_questions(protocol)
            if q.asked_when is not None and q.asked_when.evaluate(triage.answers) is False]


def conditions_in_words(protocol: Protocol) -> dict[str, str]:
    """Each conditional question's condition, in the protocol's words, by question id."""
    return {q.id: condition_words(q.asked_when, protocol.by_id)
            for q in asked_questions(protocol) if q.asked_when is not None}


def _render(form: CallForm, close: CloseForm, triage: Triage, protocol: Protocol,
            **extra: Any) -> str:
    """The console page."""
    if request.form and not sent_twice(request.form):
        extra.setdefault("start", handoff.carried(request.form))
    extra.setdefault("start", None)  # a check-in named twice is carried on as neither
    problem = any(extra.get(name) for name in PROBLEMS) or (
        extra["start"] is not None and extra["start"].problem)
    extra.setdefault("focus", "" if problem else first_to_answer(form, triage, protocol))
    return render_template(
        "nurse/console.html",
        form=form,
        close=close,
        triage=triage,
        questions=asked_questions(protocol),
        protocol=protocol,
        still_to_ask=still_to_ask(protocol, triage),
        default_unit=current_app.config["DEFAULT_TEMPERATURE_UNIT"],
        date_hint=DATE_HINT,
        call_back_hint=plan.call_back_hint(utcnow(), clinic_zone(current_app.config)),
        date_pattern=DATE_PATTERN,
        conditions=conditions_in_words(protocol),
        not_asked=not_asked(protocol, triage),
        **shown_disposition(protocol, triage),
        **extra,
    )


@bp.route("/")
@login_required
def home() -> str:
    """The console's start page: start a call or find one."""
    return render_template("nurse/home.html")


@bp.route("/call", methods=["GET"])
@login_required
def console() -> str | tuple[str, int]:
    """A new call: empty, or filled in from a check-in or the patient's short code."""
    protocol = load_protocol()
    fields = request.form if request.method == "POST" else request.args
    twice = sent_twice(fields)
    if twice:  # neither is taken: the nurse opens the call again
        start = Start(problem=NAMED_TWICE.format(what=WHAT[twice], where=WHERE[twice]))
    elif request.method == "GET" and CODE in request.args:
        # A short code holds the patient's answers: never in an address, where logs keep it.
        start = Start(problem=CODE_IN_ADDRESS)
    else:
        start = handoff.start_from(fields, protocol)
    form, close, triage, _ = _read(protocol, start)
    page = _render(form, close, triage, protocol, start=start)
    return (page, 400) if start.problem else page


@bp.route("/call/code", methods=["POST"])
@login_required
def console_from_code() -> str | tuple[str, int] | Response:
    """A new call filled in from the patient's short code (posted: it holds their answers)."""
    return console()


@bp.route("/call/assess", methods=["POST"])
@login_required
def assess_call() -> Response:
    """The current assessment as JSON, for the console's live update."""
    protocol = load_protocol()
    form, close, triage, _ = _read(protocol)
    context = {"triage": triage, "protocol": protocol, "close": close}
    shown = shown_disposition(protocol, triage)
    return jsonify(
        assessment=triage.assessment,
        status={q.id: triage.status(q.id) for q in asked_questions(protocol)},
        not_asked=not_asked(protocol, triage),
        errors=triage.errors,
        same_as_protocol=same_as_protocol(shown),
        disposition=render_template("nurse/_disposition.html", **shown),
        panel=render_template(
            "nurse/_assessment.html", **context, **shown,
            still_to_ask=still_to_ask(protocol, triage),
        ),
        advice=render_template("nurse/_advice.html", **context),
    )


def _sign_in_block() -> tuple[SignInAgainForm, SignInRefused | None]:
    """Sign in from the console's own block; the refusal to show if that did not happen."""
    sign_in = SignInAgainForm(prefix=SIGN_IN_PREFIX, meta={"csrf": False})
    if not sign_in.username.data:
        sign_in.username.data = session.get(SIGNED_OUT_AS, "")
    if sign_in.password.name not in request.form:
        message = SIGNED_OUT if g.get("signed_out_idle") else NOT_SIGNED_IN
        return sign_in, SignInRefused(message, 401)
    if not sign_in.validate():
        return sign_in, SignInRefused(MISSING_SIGN_IN, 401)
    try:
        sign_in_again(sign_in.username.data, sign_in.password.data or "",
                      sign_in.code.data or "")
    except SignInRefused as refused:
        return sign_in, refused
    return sign_in, None


@bp.route("/call", methods=["POST"])
def save_call() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Update the assessment, or close the call and save the encounter once."""
    protocol = load_protocol()
    if not current_user.is_authenticated:
        signed_out = _signed_out_page(protocol)
        if signed_out is not None:
            return signed_out
    form, close, triage, call = _read(protocol)
    if request.form.get("action") != "save":
        return _render(form, close, triage, protocol)
    # A fresh token here would let the same call be saved twice: the nurse saves again.
    problem = NO_TOKEN if call is None else _link_problem()
    if call is None or problem is not None:
        return _render(form, close, triage, protocol, token_problem=problem), 400
    final = _closing_disposition(protocol, form, close, triage)
    if final is None:
        return _render(form, close, triage, protocol, tried_to_save=True)
    token, started = call
    facts = _note_facts(form, close, triage, final, started)
    return _save_once(protocol, form, close, triage, facts, token)


def _signed_out_page(protocol: Protocol) -> tuple[str, int, dict[str, str]] | None:
    """Signed out (after idling, say): the call itself with a sign-in block, unless signing in
    from that block has just worked."""
    sign_in, refused = _sign_in_block()
    if refused is None:
        return None
    form, close, triage, _ = _read(protocol)
    headers = {"Retry-After": "60"} if refused.status == 429 else {}
    page = _render(form, close, triage, protocol, sign_in=sign_in,
                   sign_in_message=refused.message,
                   resume_action=request.form.get("action") or "update")
    return page, refused.status, headers


def _link_problem() -> str | None:
    """Why the call cannot be linked to the check-in or code it was opened from, if it cannot."""
    twice = sent_twice(request.form)
    if twice:
        # Linked to either check-in, the call could say it answered the wrong one.
        return NAMED_TWICE.format(what=WHAT[twice], where=WHERE[twice])
    if not handoff.reference_ok(request.form):
        # A check-in number typed into the form, or one opened by someone else: link nothing.
        return handoff.BAD_REFERENCE
    return None


def _closing_disposition(
    protocol: Protocol, form: CallForm, close: CloseForm, triage: Triage
) -> str | None:
    """The final disposition when the call can be closed; None when it cannot, with the reasons
    marked on the forms."""
    valid = form.validate() & close.validate()
    engine = triage.assessment["disposition"]
    final = close.final_disposition.data or engine
    if final not in protocol.rank:
        close.final_disposition.errors = [BAD_FINAL]
        valid, final = False, engine
    valid &= _decided(protocol, close, triage)
    valid &= _override_explained(protocol, close, final, engine)
    return final if valid and not triage.errors else None


def _decided(protocol: Protocol, close: CloseForm, triage: Triage) -> bool:
    """Whether the call is decided; if not, the questions still to ask are marked."""
    if triage.decided:
        return True
    close.final_disposition.errors = list(close.final_disposition.errors) + [
        "This call is not decided yet, so it cannot be closed. Still to ask: "
        + "; ".join(still_to_ask(protocol, triage))
    ]
    return False


def _override_explained(protocol: Protocol, close: CloseForm, final: str, engine: str) -> bool:
    """Whether a final disposition less urgent than the protocol's has a reason; marked if not."""
    if not is_lower(protocol, final, engine) or (close.override_reason.data or "").strip():
        return True
    close.override_reason.errors = list(close.override_reason.errors) + [
        "Give a reason for choosing a less urgent disposition than the protocol's."
    ]
    return False


def _note_facts(
    form: CallForm, close: CloseForm, triage: Triage, final: str, started: datetime
) -> NoteFacts:
    """What the note and the encounter record of a call closed now say."""
    return NoteFacts(
        nurse=current_user.username, started_at=started, ended_at=utcnow(),
        patient_name=(form.patient_name.data or "").strip(), date_of_birth=form.date_of_birth.data,
        record_number=(form.record_number.data or "").strip(),
        callback_number=(form.callback_number.data or "").strip(), caller=form.caller.data,
        procedure_type=form.procedure_type.data, procedure_date=form.procedure_date.data,
        answers=triage.answers, assessment=triage.assessment, final_disposition=final,
        override_reason=(close.override_reason.data or "").strip(),
        advice_given=list(close.advice_given.data or []), notes=close.notes.data or "",
        # The check-in the call was opened from, when this nurse's console signed it.
        checkin_id=handoff.referenced(request.form.get(CHECKIN)),
        from_code=handoff.began_from_code(request.form),
        action_taken=close.action_taken.data or "", agreement=close.agreement.data or "",
        # A reason is kept only for a caller who did not agree (its box may hold an old one).
        disagreement_reason=(close.disagreement_reason.data or "").strip()
        if close.agreement.data == plan.DISAGREED else "",
        call_back_signs_given=close.call_back_signs.data == plan.YES,
        nurse_call_back_at=close.call_back_at,
        emergency_number=current_app.config["EMERGENCY_NUMBER"],
    )


def _saved_encounter(token: str) -> int | None:
    """The id of the encounter already saved from this call's form, if any."""
    return db.session.scalar(select(Encounter.id).filter_by(submit_token=token))


def _save_once(
    protocol: Protocol, form: CallForm, close: CloseForm, triage: Triage, facts: NoteFacts,
    token: str,
) -> Response | tuple[str, int]:
    """Save the encounter unless this call was saved already, and show the saved record; on a
    database outage, the call again with its note to copy."""
    note = build_note(facts, protocol, clinic_zone(current_app.config))
    try:
        existing = _saved_encounter(token)
        if existing is not None:
            flash("This call was already saved; here is the saved record.")
            return redirect(url_for("nurse.encounter", encounter_id=existing))
        encounter = _encounter(facts, token, note, protocol)
        db.session.add(encounter)
        handoff.link(encounter, request.form)
        db.session.commit()
    except IntegrityError:
        # The same form arrived twice at once: the first insert won, so show that one.
        db.session.rollback()
        existing = _saved_encounter(token)
        if existing is None:
            raise
        return redirect(url_for("nurse.encounter", encounter_id=existing))
    except DBAPIError:
        db.session.rollback()
        log.error("saving a call failed: the database is unavailable")
        return _render(form, close, triage, protocol, outage=OUTAGE, note=note), 503
    log.info("encounter %s saved by nurse %s", encounter.id, current_user.id)
    flash("The call is saved.")
    return redirect(url_for("nurse.encounter", encounter_id=encounter.id))


def _encounter(facts: NoteFacts, token: str, note: str, protocol: Protocol) -> Encounter:
    """The encounter row for a closed call."""
    identity = facts.assessment["protocol"]
    return Encounter(
        submit_token=token, nurse_id=current_user.id, started_at=facts.started_at,
        ended_at=facts.ended_at, patient_name=facts.patient_name,
        date_of_birth=facts.date_of_birth, record_number=facts.record_number,
        callback_number=facts.callback_number, caller=facts.caller,
        procedure_type=facts.procedure_type, procedure_date=facts.procedure_date,
        answers=dict(facts.answers), assessment=dict(facts.assessment),
        protocol_id=identity["id"], protocol_version=identity["version"],
        protocol_sha256=identity["sha256"], engine_disposition=facts.assessment["disposition"],
        final_disposition=facts.final_disposition, override_reason=facts.override_reason,
        advice_given=list(facts.advice_given), notes=facts.notes, note=note,
        action_taken=facts.action_taken, agreement=facts.agreement,
        disagreement_reason=facts.disagreement_reason or None,
        call_back_signs_given=facts.call_back_signs_given,
        nurse_call_back_at=facts.nurse_call_back_at,
    )
