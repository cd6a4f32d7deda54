"""The follow-up worklist: who needs a person first, and what changed between check-ins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import exists, func, select

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, Review
from checker.followup.monitoring import MonitoringHours, watched_time
from checker.wording import finding, finding_value
from rules import Protocol

# No check-in for this long is flagged as missed (a day and a half: one day's check-in late).
MISSED_AFTER = timedelta(hours=36)
# An alert unreviewed longer than this is overdue (REVIEW_OVERDUE_MINUTES).
REVIEW_OVERDUE_MINUTES = 60
MINUTES_A_DAY = 24 * 60


def elapsed(span: timedelta) -> str:
    """A wait as a nurse reads it at a glance: 45 min, 2 h 10 min, 3 d 4 h.

    Whole minutes, rounded down; days drop the minutes. A wait under a minute (or a moment
    a little ahead of this server's clock) is "under 1 min".
    """
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under 1 min"
    days, rest = divmod(minutes, MINUTES_A_DAY)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@dataclass(frozen=True)
class Deadline:
    """When an unreviewed alert is overdue: unreviewed longer than `after`, counted only
    inside the monitoring hours when they are set (on the clinic's clock, `zone`), else on
    the wall clock."""

    after: timedelta = timedelta(minutes=REVIEW_OVERDUE_MINUTES)
    hours: MonitoringHours | None = None
    zone: tzinfo | None = None

    def passed(self, since: datetime, now: datetime) -> bool:
        """Whether something waiting since then is overdue now."""
        return watched_time(self.hours, since, now, self.zone) > self.after

    def describe(self) -> str:
        """The rule as the worklist's badge says it."""
        counted = " of monitoring hours" if self.hours else ""
        return f"unreviewed over {elapsed(self.after)}{counted}"


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def alerts(protocol: Protocol, disposition: str) -> bool:
    """Whether a check-in's result is urgent enough to alert the care team (its `alerts`)."""
    # A disposition an older protocol had and this one lacks is treated as the most urgent.
    return disposition not in protocol.rank or protocol.disposition(disposition).alerts


@dataclass
class Patient:
    """One enrolled patient's line on the worklist."""

    enrolment: Enrolment
    unreviewed: list[CheckIn] = field(default_factory=list)
    last_checkin_at: datetime | None = None
    missed: bool = False
    alert: bool = False
    overdue: bool = False
    waiting: timedelta | None = None

    @property
    def most_urgent(self) -> CheckIn | None:
        """The unreviewed check-in to look at first (set by `worklist`)."""
        return self.unreviewed[0] if self.unreviewed else None


def open_enrolments(today: date) -> list[Enrolment]:
    """Every follow-up still running today: within its days and not ended by a nurse."""
    ended = exists().where(EnrolmentEnd.enrolment_id == Enrolment.id)
    rows = db.session.scalars(select(Enrolment).where(~ended))
    return [e for e in rows if today <= e.procedure_date + timedelta(days=e.follow_days)]


def worklist(protocol: Protocol, today: date, now: datetime | None = None,
             deadline: Deadline | None = None) -> list[Patient]:
    """Open follow-ups, the ones that need a person first.

    Patients with unreviewed check-ins come first: the most urgent result first (an overdue
    alert never goes above a more urgent one), among equals the overdue ones, then the one
    waiting longest; then patients who missed their check-in; then everyone else by name.
    """
    now = now or utcnow()
    deadline = deadline or Deadline()
    patients = {e.id: Patient(e) for e in open_enrolments(today)}
    if not patients:
        return []
    reviewed = exists().where(Review.checkin_id == CheckIn.id)
    waiting = db.session.scalars(select(CheckIn).where(
        CheckIn.enrolment_id.in_(list(patients)), ~reviewed).order_by(CheckIn.submitted_at))
    for checkin in waiting:
        patients[checkin.enrolment_id].unreviewed.append(checkin)
    latest = db.session.execute(select(CheckIn.enrolment_id, func.max(CheckIn.submitted_at))
                                .where(CheckIn.enrolment_id.in_(list(patients)))
                                .group_by(CheckIn.enrolment_id))
    for enrolment_id, at in latest:
        patients[enrolment_id].last_checkin_at = aware(at)
    rank = protocol.rank
    for patient in patients.values():
        # Most urgent first (an unknown disposition counts as most urgent), then oldest.
        patient.unreviewed.sort(key=lambda c: (rank.get(c.disposition, -1),
                                               aware(c.submitted_at)))
        _flag(patient, protocol, deadline, now)

    def order(patient: Patient) -> tuple[Any, ...]:
        first = patient.most_urgent
        if first is not None:
            return (0, rank.get(first.disposition, -1), 0 if patient.overdue else 1,
                    aware(first.submitted_at))
        return (2 if patient.missed else 3, patient.enrolment.patient_name.casefold())

    return sorted(patients.values(), key=order)


def _flag(patient: Patient, protocol: Protocol, deadline: Deadline, now: datetime) -> None:
    """Set a patient's alert, overdue, waiting and missed flags from their check-ins."""
    waiting = [aware(c.submitted_at) for c in patient.unreviewed
               if alerts(protocol, c.disposition)]
    patient.alert = bool(waiting)
    patient.overdue = bool(waiting) and deadline.passed(min(waiting), now)
    first = patient.most_urgent
    patient.waiting = now - aware(first.submitted_at) if first is not None else None
    since = patient.last_checkin_at or aware(patient.enrolment.created_at)
    patient.missed = now - since > MISSED_AFTER


def changes(protocol: Protocol, before: Mapping[str, Any] | None,
            after: Mapping[str, Any]) -> list[str]:
    """What a check-in's answers changed since the one before, in a clinician's words."""
    if before is None:
        return []
    said = []
    for question in protocol.questions:
        if question.context:
            continue  # the day count: it changes every day
        old, new = before.get(question.id, ...), after.get(question.id, ...)
        if old == new:
            continue
        said.append(f"{finding(question)}: {_value(question, old)} → {_value(question, new)}")
    return said


def _value(question: Any, value: Any) -> str:
    """An answer for a change line; ... stands for not asked."""
    return "not asked" if value is ... else finding_value(question, value)


def timeline(checkins: Iterable[CheckIn], protocol: Protocol) -> list[tuple[CheckIn, list[str]]]:
    """Check-ins newest first, each with what changed since the one before it."""
    ordered = sorted(checkins, key=lambda c: (aware(c.submitted_at), c.id))
    lines = []
    previous: Mapping[str, Any] | None = None
    for checkin in ordered:
        lines.append((checkin, changes(protocol, previous, checkin.answers)))
        previous = checkin.answers
    return lines[::-1]
