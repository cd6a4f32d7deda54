"""The nurse's side of follow-up: enrolling a patient, their sheet (shown once) and new codes.

A sheet's code exists only in the answer that shows the sheet: it is never written to the
session, the database (only its sha256) or a log. A lost sheet gets a new code, which voids
the old one.
"""

from __future__ import annotations

import io

import segno
from babel.dates import format_date
from flask import Blueprint, abort, flash, render_template, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from checker import audit as audit_log
from checker.extensions import db
from checker.followup.checkin import clinic_today
from checker.followup.forms import EnrolForm, NewCodeForm
from checker.followup.models import (
    Enrolment,
    EnrolmentEnd,
    LinkCode,
    new_code,
    shown_code,
    token_hash,
)
from checker.followup.patient import is_open
from checker.idle import sign_out_when_idle

bp = Blueprint("followup", __name__, url_prefix="/nurse/followup")
bp.before_request(sign_out_when_idle)
# Earlier versions kept new patients' link tokens here until the sheet was printed.
SHEET_TOKENS = "followup_sheet_tokens"
# Forms already acted on (their random form_key, no secret) and the enrolment each one made,
# so the browser sending the sheet's form again shows no second code and enrols nobody twice.
DONE_FORMS = "followup_done_forms"
DONE_FORMS_KEPT = 20


def forget_sheet_tokens() -> None:
    """Drop link tokens an earlier version left in a nurse's session."""
    if SHEET_TOKENS in session:
        session.pop(SHEET_TOKENS)


def qr_svg(link: str) -> str:
    """The link as an SVG QR code, made here so no outside service sees it."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=4, xmldecl=False,
                                     svgns=True, title="QR code of the check-in page")
    return buffer.getvalue().decode("utf-8")


def _done(form_key: str) -> int | None:
    """The enrolment a form already made or gave a new code, if it was sent before."""
    return (session.get(DONE_FORMS) or {}).get(form_key)


def _mark_done(form_key: str, enrolment_id: int) -> None:
    """Remember that this form has been acted on."""
    done = dict(session.get(DONE_FORMS) or {})
    done[form_key] = enrolment_id
    session[DONE_FORMS] = dict(list(done.items())[-DONE_FORMS_KEPT:])


def _sent_again(enrolment_id: int) -> Response:
    """A form sent again: no second enrolment or code; the patient's page says what to do."""
    flash("That form was already sent: its sheet was shown once and is not shown again. If the "
          "sheet was not printed, issue a new code below.")
    return Response(status=303, headers={
        "Location": url_for("followup.patient", enrolment_id=enrolment_id)})


def _sheet(enrolment: Enrolment, code: str) -> str:
    """The printable sheet, the only place the code ever appears; its showing is audited."""
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action="followup-sheet", shown_ids=[enrolment.id])
    db.session.commit()
    address = url_for("followup_patient.open_link", _external=True)
    grouped = shown_code(code)
    # The sheet is the patient's: in their language, whatever the console's.
    with force_locale(enrolment.language):
        # The code goes after "#": browsers never send that part, so no server or log sees it.
        return render_template(
            "nurse/followup_sheet.html", enrolment=enrolment, address=address, code=grouped,
            qr=qr_svg(f"{address}#{grouped}"), procedure=procedure_name(enrolment.procedure_type),
            procedure_date=format_date(enrolment.procedure_date, "full",
                                       locale=enrolment.language))


def procedure_name(procedure: str) -> str:
    """The procedure as the sheet names it, in the language in force."""
    names = {"kyphoplasty": _("kyphoplasty"), "vertebroplasty": _("vertebroplasty")}
    return names.get(procedure, procedure)


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol() -> str | Response | tuple[str, int]:
    """The enrolment form; on success the patient's sheet, shown this once."""
    form = EnrolForm()
    if not form.validate_on_submit():
        return render_template("nurse/followup_enrol.html", form=form), (
            400 if form.is_submitted() else 200)
    key = form.form_key.data or ""  # a fresh key by default: never empty
    already = _done(key)
    if already is not None:
        return _sent_again(already)
    code = new_code()
    enrolment = Enrolment(
        token_hash=token_hash(code), nurse_id=current_user.id,
        nurse_name=current_user.username, patient_name=(form.patient_name.data or "").strip(),
        date_of_birth=form.date_of_birth.data,
        record_number=(form.record_number.data or "").strip(),
        procedure_type=form.procedure_type.data, procedure_date=form.procedure_date.data,
        phone=(form.phone.data or "").strip(), email=(form.email.data or "").strip(),
        language=form.language.data, follow_days=form.follow_days.data,
        consent_note=(form.consent_note.data or "").strip())
    db.session.add(enrolment)
    db.session.flush()
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action="followup-enrol", shown_ids=[enrolment.id])
    _mark_done(key, enrolment.id)
    return _sheet(enrolment, code)


def can_have_new_code(enrolment: Enrolment) -> bool:
    """A new code only for a follow-up still running: not ended, days not over."""
    return is_open(enrolment, clinic_today())


@bp.route("/patients/<int:enrolment_id>/code", methods=["POST"])
@login_required
def new_code_sheet(enrolment_id: int) -> str | Response:
    """Issue a new code for a running follow-up and show its sheet once; the old code is void."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    form = NewCodeForm()
    if not form.validate_on_submit():
        abort(400)
    key = form.form_key.data or ""  # a fresh key by default: never empty
    already = _done(key)
    if already is not None:
        return _sent_again(already)
    if not can_have_new_code(enrolment):
        ended = db.session.scalar(select(EnrolmentEnd.id).filter_by(enrolment_id=enrolment.id))
        flash("This follow-up has ended: no new code was issued." if ended is not None
              else "This follow-up's days are over: no new code was issued.")
        return Response(status=303, headers={
            "Location": url_for("followup.patient", enrolment_id=enrolment.id)})
    code = new_code()
    db.session.add(LinkCode(enrolment_id=enrolment.id, code_hash=token_hash(code),
                            nurse_id=current_user.id, nurse_name=current_user.username))
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action="followup-code", shown_ids=[enrolment.id])
    _mark_done(key, enrolment.id)
    return _sheet(enrolment, code)
