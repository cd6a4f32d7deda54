"""Finding saved calls, reading one (always audited), addenda and the audit log."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Mapping
from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import Select, select
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response as BaseResponse  # what redirect() returns

from checker import audit as audit_log
from checker.audit import AuditEvent
from checker.clock import clinic_time, day_bounds
from checker.extensions import db
from checker.followup.models import CallLink
from checker.form_fields import PROCEDURES, labels
from checker.nurse import bp, plan
from checker.nurse.forms import CALLERS, AddendumForm
from checker.nurse.models import Addendum, Encounter, Nurse, SignInEvent
from checker.nurse.search import Page, name_has, page_of, record_key
from checker.wording import answer_text, disposition_label
from rules import Protocol, find_release, load_protocol

log = logging.getLogger(__name__)
PER_PAGE = 20

# Where search terms were once kept in the signed (readable) cookie; removed when seen.
OLD_SEARCH_KEY = "nurse_search"
FIELDS = ("name", "record", "date")
FIELD_LABELS = {"name": "Patient's name", "record": "Record number",
                "date": "Date of the call"}
# Left out of record numbers on both sides of a search: "mrn 4471" finds MRN-4471.
RECORD_SEPARATORS = (" ", "-")
MAX_TERM = 200
# Control characters (NUL among them: PostgreSQL cannot take it in a query) and lone surrogates.
_UNSEARCHABLE = frozenset({"Cc", "Cs"})
ADDENDUM_OUTAGE = (
    "The addendum could not be saved because the record system is unavailable. Nothing you "
    "wrote is lost: it is in the box below. Copy it somewhere safe, or add it again in a minute."
)


def _read_terms(form: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The posted search terms, and a message for each field that cannot be searched for."""
    terms = {k: (form.get(k) or "").strip()[:MAX_TERM] for k in FIELDS}
    errors: dict[str, str] = {}
    for key, value in terms.items():
        bad = next((n for n, c in enumerate(value, 1)
                    if unicodedata.category(c) in _UNSEARCHABLE), None)
        if bad is not None:
            errors[key] = (f"{FIELD_LABELS[key]} contains a control character (character "
                           f"{bad}) that cannot be searched for. Type it again without it.")
    if terms["date"] and "date" not in errors:
        try:
            date.fromisoformat(terms["date"])
        except ValueError:
            errors["date"] = (f"{FIELD_LABELS['date']}: enter the date as year-month-day, "
                              "for example 2025-03-14.")
    return terms, errors


def _filtered(query: Select[Encounter], terms: Mapping[str, str]) -> Select[Encounter]:
    """Encounters matching every term: each word of the name, the record number, the day."""
    # "Jones, Mary" finds Mary Jones: every word must appear somewhere in the name.
    words = terms["name"].replace(",", " ").split()
    if words:
        query = query.where(name_has(*words))
    if terms["record"]:
        wanted = terms["record"].lower()
        for separator in RECORD_SEPARATORS:
            wanted = wanted.replace(separator, "")
        query = query.where(record_key(Encounter.record_number) == wanted)
    if terms["date"]:
        start, end = day_bounds(date.fromisoformat(terms["date"]))
        query = query.where(Encounter.started_at >= start, Encounter.started_at < end)
    return query


def _page_number(value: str | None) -> int:
    """A page number from a form or the address; anything else is the first page."""
    return int(value) if value and value.isdigit() and 0 < int(value) < 10**6 else 1


def _shown(terms: Mapping[str, str], page_number: int) -> str:
    """One page of matching encounters, newest first, audited by the ids it shows.

    Drawn before the audit event is committed: the commit expires the signed-in nurse the page
    names, who would be read again in a transaction of its own.
    """
    query = _filtered(select(Encounter), terms)
    query = query.order_by(Encounter.started_at.desc(), Encounter.id.desc())
    page = page_of(query, page_number, PER_PAGE)
    drawn = _list_page(page, terms, {})
    action = "search" if any(terms.values()) else "list"
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action=action, shown_ids=[e.id for e in page.items])
    db.session.commit()
    return drawn


def _list_page(page: Page | None, terms: Mapping[str, str],
               errors: Mapping[str, str]) -> str:
    """The saved calls page: the search box, any messages about it, and the calls shown."""
    return render_template("nurse/encounters.html", page=page, terms=terms, errors=errors,
                           label=disposition_label, when=clinic_time)


@bp.route("/encounters/search", methods=["POST"])
@login_required
def search() -> str | tuple[str, int]:
    """Matching calls, answered at once: the terms go into no address, cookie or log."""
    terms, errors = _read_terms(request.form)
    if errors:
        return _list_page(None, terms, errors), 400
    return _shown(terms, _page_number(request.form.get("page")))


@bp.route("/encounters")
@login_required
def encounters() -> str:
    """Every saved call, newest first, paginated; a search is a POST to `search`."""
    session.pop(OLD_SEARCH_KEY, None)
    terms = dict.fromkeys(FIELDS, "")
    return _shown(terms, _page_number(request.args.get("page")))


def _audited(encounter_id: int, action: str) -> Encounter:
    """Load an encounter and record who looked at it; no record, no view."""
    encounter = db.get_or_404(Encounter, encounter_id)
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action=action, encounter_id=encounter.id)
    db.session.commit()
    log.info("nurse %s: %s of encounter %s", current_user.id, action, encounter.id)
    return encounter


def protocol_of(record: Encounter) -> Protocol | None:
    """The exact protocol version that assessed a saved call, if this installation keeps it."""
    return find_release(record.protocol_version, record.protocol_sha256)


def tone(protocol: Protocol, disposition_id: str) -> str:
    """How a disposition looks, as the protocol says; its id when the protocol does not."""
    if disposition_id in protocol.rank:
        return protocol.disposition(disposition_id).tone or disposition_id
    return disposition_id


@bp.route("/encounters/<int:encounter_id>")
@login_required
def encounter(encounter_id: int) -> str:
    """One saved call, with its note and addenda, worded by the protocol that assessed it."""
    record = _audited(encounter_id, "view")
    kept = protocol_of(record)
    protocol = kept or load_protocol()
    answers = [
        (q.text, answer_text(q, record.answers[q.id]) if q.id in record.answers else "Not asked")
        for q in protocol.questions
    ]
    return render_template(
        "nurse/encounter.html", encounter=record, answers=answers, form=AddendumForm(),
        wording=protocol, kept=kept is not None,
        final_tone=tone(protocol, record.final_disposition),
        label=disposition_label, callers=labels(CALLERS), procedures=labels(PROCEDURES),
        when=clinic_time,
        began=db.session.scalar(select(CallLink).filter_by(encounter_id=record.id)),
        plan_rows=plan.saved_rows(
            record.action_taken, record.agreement, record.disagreement_reason,
            record.call_back_signs_given,
            clinic_time(record.nurse_call_back_at) if record.nurse_call_back_at else None,
            current_app.config["EMERGENCY_NUMBER"]),
    )


@bp.route("/encounters/<int:encounter_id>/note.txt")
@login_required
def note(encounter_id: int) -> Response:
    """The note alone, as plain text."""
    record = _audited(encounter_id, "note")
    return Response(record.note, mimetype="text/plain")


@bp.route("/encounters/<int:encounter_id>/print")
@login_required
def print_view(encounter_id: int) -> str:
    """The note laid out for printing."""
    record = _audited(encounter_id, "print")
    return render_template("nurse/print.html", encounter=record, when=clinic_time)


def _addendum_not_saved(encounter_id: int, form: AddendumForm, status: int,
                        outage: str = "") -> tuple[str, int]:
    """The typed addendum back in its box, with why it was not saved: nothing is lost."""
    return render_template("nurse/addendum.html", encounter_id=encounter_id, form=form,
                           outage=outage), status


@bp.route("/encounters/<int:encounter_id>/addenda", methods=["POST"])
@login_required
def add_addendum(encounter_id: int) -> BaseResponse | tuple[str, int]:
    """Add a correction to a saved call; the call itself never changes."""
    form = AddendumForm()
    if not form.validate_on_submit():
        return _addendum_not_saved(encounter_id, form, 400)
    try:
        record = db.get_or_404(Encounter, encounter_id)
        db.session.add(Addendum(encounter_id=record.id, nurse_id=current_user.id,
                                nurse_name=current_user.username,
                                text=(form.text.data or "").strip()))
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        # The class only: the error's text can carry the addendum as an SQL parameter.
        log.error("saving an addendum to encounter %s failed: %s", encounter_id,
                  type(error).__name__)
        return _addendum_not_saved(encounter_id, form, 503, ADDENDUM_OUTAGE)
    log.info("nurse %s added an addendum to encounter %s", current_user.id, record.id)
    flash("The addendum is saved.")
    return redirect(url_for("nurse.encounter", encounter_id=record.id))


# Sign-ins through the identity provider listed on the audit page (the newest).
SIGN_INS_SHOWN = 50


@bp.route("/audit")
@login_required
def audit() -> str:
    """Who saw which encounters and when (administrators only)."""
    if not current_user.is_admin:
        abort(403)
    query = select(AuditEvent).order_by(AuditEvent.id.desc())  # the chain's own order
    page = db.paginate(query, per_page=50, error_out=False)
    # Single sign-on's own record (checker/nurse/identities.py): the newest, on the first page.
    sign_ins = [] if page.page > 1 else list(db.session.execute(
        select(SignInEvent, Nurse.username).outerjoin(Nurse, Nurse.id == SignInEvent.nurse_id)
        .order_by(SignInEvent.id.desc()).limit(SIGN_INS_SHOWN)))
    return render_template("nurse/audit.html", page=page, when=clinic_time, sign_ins=sign_ins,
                           sign_ins_shown=SIGN_INS_SHOWN)
