"""Finding saved calls, reading one (always audited), addenda and the audit log."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from checker.extensions import db
from checker.nurse import bp
from checker.nurse.forms import CALLERS, PROCEDURES, AddendumForm, labels
from checker.nurse.models import Addendum, AuditEvent, Encounter
from checker.nurse.note import answer_text, disposition_label
from rules import load_protocol

log = logging.getLogger(__name__)
PER_PAGE = 20


SEARCH = "nurse_search"
FIELDS = ("name", "record", "date")


def _search(query: Select[tuple[Encounter]]) -> tuple[Select[tuple[Encounter]], dict[str, str]]:
    """Filter encounters by the search box: name, record number and call date (UTC)."""
    kept = session.get(SEARCH) or {}
    terms = {k: str(kept.get(k) or "").strip() for k in FIELDS}
    if terms["name"]:
        query = query.where(Encounter.patient_name.ilike(f"%{_escape(terms['name'])}%",
                                                         escape="\\"))
    if terms["record"]:
        query = query.where(Encounter.record_number == terms["record"])
    if terms["date"]:
        try:
            day = date.fromisoformat(terms["date"])
        except ValueError:
            terms["date_error"] = "Enter the date as year-month-day, for example 2025-03-14."
        else:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            query = query.where(Encounter.started_at >= start,
                                Encounter.started_at < start + timedelta(days=1))
    return query, terms


def _escape(text: str) -> str:
    """Make % and _ in a search match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/encounters/search", methods=["POST"])
@login_required
def search() -> Response:
    """Remember the search terms and show the list; names stay out of URLs and access logs."""
    session[SEARCH] = {k: (request.form.get(k) or "").strip()[:200] for k in FIELDS}
    return redirect(url_for("nurse.encounters"))


@bp.route("/encounters")
@login_required
def encounters() -> str:
    """Saved calls, newest first, searchable and paginated."""
    query, terms = _search(select(Encounter))
    query = query.order_by(Encounter.started_at.desc(), Encounter.id.desc())
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("nurse/encounters.html", page=page, terms=terms,
                           label=disposition_label)


def _audited(encounter_id: int, action: str) -> Encounter:
    """Load an encounter and record who looked at it; no record, no view."""
    encounter = db.get_or_404(Encounter, encounter_id)
    db.session.add(AuditEvent(nurse_id=current_user.id, action=action, encounter_id=encounter.id))
    db.session.commit()
    log.info("nurse %s: %s of encounter %s", current_user.id, action, encounter.id)
    return encounter


@bp.route("/encounters/<int:encounter_id>")
@login_required
def encounter(encounter_id: int) -> str:
    """One saved call, with its note and addenda."""
    record = _audited(encounter_id, "view")
    protocol = load_protocol()
    answers = [
        (q.text, answer_text(q, record.answers[q.id]) if q.id in record.answers else "Not asked")
        for q in protocol.questions
    ]
    return render_template(
        "nurse/encounter.html", encounter=record, answers=answers, form=AddendumForm(),
        label=disposition_label, callers=labels(CALLERS), procedures=labels(PROCEDURES),
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
    return render_template("nurse/print.html", encounter=record)


@bp.route("/encounters/<int:encounter_id>/addenda", methods=["POST"])
@login_required
def add_addendum(encounter_id: int) -> Response:
    """Add a correction to a saved call; the call itself never changes."""
    record = db.get_or_404(Encounter, encounter_id)
    form = AddendumForm()
    if not form.validate_on_submit():
        flash("The addendum was not saved: write what to add or correct.")
        return redirect(url_for("nurse.encounter", encounter_id=record.id))
    db.session.add(Addendum(encounter_id=record.id, nurse_id=current_user.id,
                            text=form.text.data.strip()))
    db.session.commit()
    log.info("nurse %s added an addendum to encounter %s", current_user.id, record.id)
    flash("The addendum is saved.")
    return redirect(url_for("nurse.encounter", encounter_id=record.id))


@bp.route("/audit")
@login_required
def audit() -> str:
    """Who viewed which encounter and when (administrators only)."""
    if not current_user.is_admin:
        abort(403)
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("nurse/audit.html", page=page)
