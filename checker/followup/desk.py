"""The nurse's follow-up desk: the worklist, one patient's check-ins, reviews and ending."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from checker import audit as audit_log
from checker.clock import clinic_time, clinic_zone, local, utcnow
from checker.extensions import db
from checker.followup.chart import charted_top, pain_chart
from checker.followup.forms import EndForm, NewCodeForm, ReviewForm
from checker.followup.models import CallLink, CheckIn, Enrolment, EnrolmentEnd, Review
from checker.followup.monitoring import parse_hours
from checker.followup.views import bp, can_have_new_code
from checker.followup.worklist import (
    PAGE_SIZE,
    REVIEW_OVERDUE_MINUTES,
    Deadline,
    Place,
    alerts,
    aware,
    elapsed,
    timeline,
    worklist,
)
from checker.wording import disposition_label
from rules import load_protocol

# How often, in seconds, the worklist asks for fresh rows when script is on.
REFRESH_SECONDS = 30
ROWS_ONLY = "rows"


def _audit(action: str, enrolment_ids: list[int]) -> None:
    """Record who saw or wrote which follow-up records; the caller commits."""
    audit_log.append(db.session, nurse_id=current_user.id, nurse_name=current_user.username,
                     action=action, shown_ids=enrolment_ids)


def watch_status(now: datetime) -> str:
    """Whether anyone watches check-ins now, as the worklist says it."""
    hours = parse_hours(current_app.config.get("MONITORING_HOURS") or "")
    if hours is None:
        return ("Monitoring hours are not set (MONITORING_HOURS): patients are told that nobody "
                "watches check-ins as they arrive.")
    moment = local(now, clinic_zone(current_app.config))
    if hours.watching(moment):
        return (f"Monitoring hours {hours.describe()}: check-ins are watched now, until "
                f"{hours.until(moment):%H:%M}. Patients with an urgent result are told the care "
                f"team is alerted.")
    return (f"Monitoring hours {hours.describe()}: not watched now. Patients are told nobody "
            f"sees a check-in until {hours.next_start(moment):%A %H:%M}.")


def review_deadline() -> Deadline:
    """When an unreviewed alert is overdue, from REVIEW_OVERDUE_MINUTES and MONITORING_HOURS."""
    config = current_app.config
    minutes = int(config.get("REVIEW_OVERDUE_MINUTES") or REVIEW_OVERDUE_MINUTES)
    return Deadline(timedelta(minutes=minutes), parse_hours(config.get("MONITORING_HOURS") or ""),
                    clinic_zone(config))


def _status(updated: str, overdue: int) -> str:
    """The line above the list: when it was read, and who has an alert overdue (on any page)."""
    if not overdue:
        return f"Updated {updated}."
    who = "1 patient" if overdue == 1 else f"{overdue} patients"
    return f"Updated {updated}. {who} with an overdue alert."


def _edge(name: str) -> Place | None:
    """A page's edge from the address, or None."""
    return Place.parse(request.args.get(name, ""))


def changed_mark(now: datetime) -> str:
    """What the rows depend on, read in one cheap statement: the newest enrolment, end,
    check-in and review (append-only, so a new one is a change), and the minute, since waits,
    the overdue flags and the missed flags move with the clock."""
    newest = db.session.execute(select(
        select(func.max(Enrolment.id)).scalar_subquery(),
        select(func.max(EnrolmentEnd.id)).scalar_subquery(),
        select(func.max(CheckIn.id)).scalar_subquery(),
        select(func.max(Review.id)).scalar_subquery())).one()
    return "-".join(str(n or 0) for n in newest) + f"-{now:%Y%m%d%H%M}"


@bp.route("")
@login_required
def worklist_page() -> Any:
    """One page of the enrolled patients, the ones who need a person first.

    The page's script asks for its rows again (`part=rows`) with the mark they were read at
    (`since`); when nothing they show can have changed the answer is 204 and no rows.
    """
    protocol = load_protocol()
    now = utcnow()
    rows_only = request.args.get("part") == ROWS_ONLY
    mark = changed_mark(now)
    if rows_only and request.args.get("since") == mark:
        return "", 204, {"Cache-Control": "no-store"}
    deadline = review_deadline()
    page = worklist(protocol, local(now, deadline.zone).date(), now, deadline,
                    after=_edge("after"), before=_edge("before"), size=PAGE_SIZE)
    updated = clinic_time(now, "%H:%M")
    context = {"page": page, "page_size": PAGE_SIZE, "patients": page.patients, "when": clinic_time,
               "label": disposition_label, "updated": updated, "mark": mark,
               "status": _status(updated, page.overdue), "elapsed": elapsed,
               "overdue_rule": deadline.describe()}
    headers = {"Cache-Control": "no-store"}
    if rows_only:  # the page's script asks for the rows alone
        html = render_template("nurse/_followup_rows.html", **context)
    else:
        refresh = current_app.config.get("WORKLIST_REFRESH_SECONDS", REFRESH_SECONDS)
        html = render_template("nurse/followup_worklist.html", refresh=refresh,
                               watch=watch_status(now), **context)
    # Rendered first, then audited: the audit's commit would expire the rows the template read.
    _audit("followup-worklist", [p.enrolment.id for p in page.patients])
    db.session.commit()
    return html, 200, headers


def _enrolment(enrolment_id: int) -> Enrolment:
    """An enrolment, or 404."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    return enrolment


def _patient_page(enrolment: Enrolment, review: ReviewForm | None = None,
                  reviewing: int | None = None, end: EndForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    """One patient's follow-up: details, chart, check-ins newest first, reviews and calls."""
    protocol = load_protocol()
    checkins = list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment.id)))
    reviews: dict[int, list[Review]] = {}
    for row in db.session.scalars(select(Review).filter_by(enrolment_id=enrolment.id)
                                  .order_by(Review.at)):
        reviews.setdefault(row.checkin_id, []).append(row)
    calls: dict[int, list[int]] = {}
    for link in db.session.scalars(select(CallLink).filter_by(enrolment_id=enrolment.id)):
        calls.setdefault(link.checkin_id, []).append(link.encounter_id)
    ended = db.session.scalar(select(EnrolmentEnd).filter_by(enrolment_id=enrolment.id))
    # The console's patient page with a form to issue a new code (followup/desk_patient.html).
    page = render_template(
        "followup/desk_patient.html", enrolment=enrolment, ended=ended,
        new_code=NewCodeForm(formdata=None) if can_have_new_code(enrolment) else None,
        timeline=timeline(checkins, protocol), reviews=reviews, calls=calls,
        chart=pain_chart([(c.day_count, c.pain_score) for c in checkins],
                         charted_top(protocol)),
        review=review or ReviewForm(formdata=None), reviewing=reviewing,
        end=end or EndForm(formdata=None), when=clinic_time, label=disposition_label,
        alert=lambda c: alerts(protocol, c.disposition))
    return page, status


@bp.route("/patients/<int:enrolment_id>")
@login_required
def patient(enrolment_id: int) -> tuple[str, int]:
    """One patient's follow-up, audited like a saved call."""
    enrolment = _enrolment(enrolment_id)
    _audit("followup-view", [enrolment.id])
    db.session.commit()
    return _patient_page(enrolment)


@bp.route("/checkins/<int:checkin_id>/review", methods=["POST"])
@login_required
def review(checkin_id: int) -> Response | tuple[str, int]:
    """Mark a check-in reviewed, with what was done; added, never changed."""
    checkin = db.session.get(CheckIn, checkin_id)
    if checkin is None:
        abort(404)
    enrolment = _enrolment(checkin.enrolment_id)
    form = ReviewForm()
    if not form.validate():
        _audit("followup-view", [enrolment.id])
        db.session.commit()
        return _patient_page(enrolment, review=form, reviewing=checkin.id, status=400)
    db.session.add(Review(enrolment_id=enrolment.id, checkin_id=checkin.id,
                          nurse_id=current_user.id, nurse_name=current_user.username,
                          note=(form.note.data or "").strip()))
    _audit("followup-review", [enrolment.id])
    db.session.commit()
    flash(f"Check-in of {clinic_time(aware(checkin.submitted_at))} marked reviewed.")
    return Response(status=303, headers={
        "Location": url_for("followup.patient", enrolment_id=enrolment.id)})


@bp.route("/patients/<int:enrolment_id>/end", methods=["POST"])
@login_required
def end(enrolment_id: int) -> Response | tuple[str, int]:
    """End a follow-up early: the patient's link stops working; the records stay."""
    enrolment = _enrolment(enrolment_id)
    form = EndForm()
    already = db.session.scalar(select(EnrolmentEnd.id).filter_by(enrolment_id=enrolment.id))
    if already is not None:
        flash("This follow-up had already ended.")
    elif not form.validate():
        _audit("followup-view", [enrolment.id])
        db.session.commit()
        return _patient_page(enrolment, end=form, status=400)
    else:
        db.session.add(EnrolmentEnd(enrolment_id=enrolment.id, nurse_id=current_user.id,
                                    nurse_name=current_user.username,
                                    reason=(form.reason.data or "").strip()))
        _audit("followup-end", [enrolment.id])
        db.session.commit()
        flash("The follow-up has ended; the patient's link no longer opens.")
    return Response(status=303, headers={
        "Location": url_for("followup.patient", enrolment_id=enrolment.id)})
