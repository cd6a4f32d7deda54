"""The nurse's side of follow-up: enrolling a patient and printing their sheet."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, abort, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from checker.extensions import db
from checker.followup.forms import EnrolForm
from checker.followup.models import Enrolment, new_token, token_hash
from checker.nurse import _idle_timeout
from checker.nurse import audit as audit_log

bp = Blueprint("followup", __name__, url_prefix="/nurse/followup")
bp.before_request(_idle_timeout)
# The new patient's token lives only in the enrolling nurse's session until the sheet is printed.
SHEET_TOKENS = "followup_sheet_tokens"


def qr_svg(link: str) -> str:
    """The link as an SVG QR code, made here so no outside service sees it."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="svg", scale=4, xmldecl=False,
                                     svgns=True, title="QR code of the check-in link")
    return buffer.getvalue().decode("utf-8")


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol() -> str | Response | tuple[str, int]:
    """The enrolment form; on success the patient's sheet."""
    form = EnrolForm()
    if not form.validate_on_submit():
        return render_template("nurse/followup_enrol.html", form=form), (
            400 if form.is_submitted() else 200)
    token = new_token()
    enrolment = Enrolment(
        token_hash=token_hash(token), nurse_id=current_user.id,
        nurse_name=current_user.username, patient_name=form.patient_name.data.strip(),
        date_of_birth=form.date_of_birth.data, record_number=form.record_number.data.strip(),
        procedure_type=form.procedure_type.data, procedure_date=form.procedure_date.data,
        phone=form.phone.data.strip(), email=(form.email.data or "").strip(),
        language=form.language.data, follow_days=form.follow_days.data,
        consent_note=form.consent_note.data.strip())
    db.session.add(enrolment)
    db.session.flush()
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action="followup-enrol", shown_ids=[enrolment.id])
    db.session.commit()
    tokens = dict(session.get(SHEET_TOKENS) or {})
    tokens[str(enrolment.id)] = token
    session[SHEET_TOKENS] = tokens
    return Response(status=303, headers={
        "Location": url_for("followup.sheet", enrolment=enrolment.id)})


@bp.route("/sheet")
@login_required
def sheet() -> str:
    """The printable sheet: the link as text and QR code, and the clinic's numbers."""
    enrolment_id = request.args.get("enrolment", type=int) or 0
    token = (session.get(SHEET_TOKENS) or {}).get(str(enrolment_id))
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or token is None:
        # Only the hash is stored: a lost sheet means ending this link and enrolling again.
        abort(404)
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action="followup-sheet", shown_ids=[enrolment.id])
    db.session.commit()
    link = url_for("followup_patient.open_link", token=token, _external=True)
    return render_template("nurse/followup_sheet.html", enrolment=enrolment, link=link,
                           qr=qr_svg(link))
