"""Starting a call from what the patient already answered: a check-in, or a short code.

The console opens filled in and says where the answers came from and which protocol version
assessed them; the nurse confirms or changes each answer on the phone. A call saved from a
check-in is linked to it (a row of its own: the saved call itself is never changed), and only
when it was opened from it: the console carries the check-in as a reference signed for the
nurse who opened it, so a number typed into the form links nothing. The same save marks the
check-in reviewed (a review row whose note names the call), so it leaves the worklist. Each
link and review is audited.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import MultiDict

from checker import audit as audit_log
from checker.answer_form import as_fields
from checker.clock import clinic_time
from checker.extensions import db
from checker.followup.models import CallLink, CheckIn, Enrolment, Review
from checker.followup.worklist import aware
from checker.wording import disposition_label
from rules import Protocol
from rules.shortcode import CodeError, decode

CHECKIN = "checkin"
CODE = "code"
# The console form's mark of a call filled in from a short code (the code itself is not kept).
BEGAN = "began"
CODE_PROBLEM = ("Short code: this code does not check out. Ask the patient to read it again, "
                "slowly, one group at a time.")
PATIENT = "patient"


BAD_REFERENCE = ("The check-in this call began from could not be confirmed. Open the call "
                 "again from the worklist; the answers here are kept.")


def _signer() -> URLSafeSerializer:
    """Signs the check-in a console was opened from, for the nurse who opened it."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="call-from-checkin")


def reference(checkin_id: int) -> str:
    """The console form's reference to the check-in it was opened from."""
    return str(_signer().dumps({"checkin": checkin_id, "nurse": current_user.id}))


def referenced(value: Any) -> int | None:
    """The check-in a posted reference names, if this nurse's console signed it."""
    try:
        data = _signer().loads(str(value or ""))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("nurse") != current_user.id:
        return None
    checkin_id = data.get("checkin")
    return checkin_id if isinstance(checkin_id, int) else None


def reference_ok(form: Mapping[str, str]) -> bool:
    """Whether a posted console names no check-in, or one it was really opened from."""
    value = form.get(CHECKIN)
    return not value or referenced(value) is not None


@dataclass(frozen=True)
class Start:
    """Where a call's answers came from, if not from an empty console."""

    fields: MultiDict[str, str] | None = None
    caller: dict[str, Any] = field(default_factory=dict)
    banner: str = ""
    checkin_id: int | None = None
    problem: str = ""
    # Filled in from the patient's short code: the note says how the call was reached.
    from_code: bool = False

    @property
    def checkin_reference(self) -> str:
        """The signed reference the console's form carries for its check-in."""
        return reference(self.checkin_id) if self.checkin_id is not None else ""


def _checkin(value: Any) -> CheckIn | None:
    """The check-in a console form or address names, if it exists."""
    text = str(value or "")
    return db.session.get(CheckIn, int(text)) if text.isdigit() and len(text) < 12 else None


def _banner(checkin: CheckIn) -> str:
    """What the console says about a check-in it was filled in from."""
    return (f"Filled in from the patient's check-in of {clinic_time(aware(checkin.submitted_at))}"
            f" (day {checkin.day_count}), which protocol {checkin.protocol_id} "
            f"{checkin.protocol_version} (sha256 {checkin.protocol_sha256[:12]}) assessed as "
            f"{disposition_label(checkin.disposition)}. Confirm or change each answer with "
            f"the caller.")


def _asked(protocol: Protocol, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers without the day count: the console's own, from the date the nurse confirms."""
    return {k: v for k, v in answers.items() if k not in protocol.by_id
            or not protocol.by_id[k].context}


def start_from(args: Mapping[str, str], protocol: Protocol) -> Start:
    """The answers a new call starts with: from a check-in, a short code, or none."""
    checkin = _checkin(args.get(CHECKIN))
    if checkin is not None:
        enrolment = db.session.get(Enrolment, checkin.enrolment_id)
        if enrolment is None:  # a foreign key holds it; a missing one is a broken database
            raise LookupError(f"check-in {checkin.id} has no enrolment")
        audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                         action="followup-handoff", shown_ids=[enrolment.id])
        db.session.commit()
        answers = _asked(protocol, checkin.answers)
        caller = {"patient_name": enrolment.patient_name,
                  "date_of_birth": enrolment.date_of_birth,
                  "record_number": enrolment.record_number, "callback_number": enrolment.phone,
                  "caller": PATIENT, "procedure_type": enrolment.procedure_type,
                  "procedure_date": enrolment.procedure_date}
        return Start(as_fields(protocol, answers), caller, _banner(checkin), checkin.id)
    code = (args.get(CODE) or "").strip()
    if not code:
        return Start()
    try:
        coded_by, answers = decode(code)
    except CodeError:
        return Start(problem=CODE_PROBLEM)
    answers = _asked(protocol, answers)
    banner = (f"Filled in from the patient's short code {code.upper()} (answers to protocol "
              f"{coded_by.id} {coded_by.version}). Confirm or change each answer with the "
              f"caller.")
    return Start(as_fields(protocol, answers), banner=banner, from_code=True)


def began_from_code(form: Mapping[str, str]) -> bool:
    """Whether a posted console form says its answers were filled in from a short code."""
    return form.get(BEGAN) == CODE


def carried(form: Mapping[str, str]) -> Start:
    """On a posted console form: the check-in it began from, still named.

    While the record system is down the call must still show every answer and its note, so
    the check-in is then named by its number alone.
    """
    checkin_id = referenced(form.get(CHECKIN))
    if checkin_id is None:
        return Start(from_code=began_from_code(form))
    try:
        checkin = _checkin(checkin_id)
    except DBAPIError:
        db.session.rollback()
        return Start(banner=f"Began from the patient's check-in {checkin_id}.",
                     checkin_id=checkin_id)
    return Start(banner=_banner(checkin), checkin_id=checkin.id) if checkin else Start()


class SavedCall(typing.Protocol):
    """A call being saved, as its link needs it: the id it has once flushed."""

    id: int


def reviewed_by_call(encounter_id: int) -> str:
    """The review note a call saved from a check-in leaves on it."""
    return f"Called: see saved call #{encounter_id}."


def link(encounter: SavedCall, form: Mapping[str, str]) -> None:
    """Link a call being saved to the check-in it began from, and mark that check-in reviewed
    by the nurse saving the call, so it leaves the worklist; the caller commits (the call, its
    link and the review are saved together or not at all)."""
    checkin = _checkin(referenced(form.get(CHECKIN)))
    if checkin is None:
        return
    db.session.flush()  # the encounter's id
    db.session.add(CallLink(enrolment_id=checkin.enrolment_id, checkin_id=checkin.id,
                            encounter_id=encounter.id))
    db.session.add(Review(enrolment_id=checkin.enrolment_id, checkin_id=checkin.id,
                          nurse_id=current_user.id, nurse_name=current_user.username,
                          note=reviewed_by_call(encounter.id)))
    for action in ("followup-link", "followup-review"):
        audit_log.append(db.session, nurse_id=current_user.id,
                         nurse_name=current_user.username, action=action,
                         encounter_id=encounter.id, shown_ids=[checkin.enrolment_id])
