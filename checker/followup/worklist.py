"""The follow-up worklist: who needs a person first, and what changed between check-ins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, Review
from checker.wording import finding, finding_value
from rules import Protocol

# No check-in for this long is flagged as missed (a day and a half: one day's check-in late).
MISSED_AFTER = timedelta(hours=36)


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

    @property
    def most_urgent(self) -> CheckIn | None:
        """The unreviewed check-in to look at first (set by `worklist`)."""
        return self.unreviewed[0] if self.unreviewed else None


def open_enrolments(today: date) -> list[Enrolment]:
    """Every follow-up still running today: within its days and not ended by a nurse."""
    ended = exists().where(EnrolmentEnd.enrolment_id == Enrolment.id)
    rows = db.session.scalars(select(Enrolment).where(~ended))
    return [e for e in rows if today <= e.procedure_date + timedelta(days=e.follow_days)]


def worklist(protocol: Protocol, today: date, now: datetime | None = None) -> list[Patient]:
    """Open follow-ups, the ones that need a person first.

    Unreviewed check-ins come first, the most urgent result first and, among equals, the one
    waiting longest; then patients who missed their check-in; then everyone else by name.
    """
    now = now or utcnow()
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
        patient.alert = any(alerts(protocol, c.disposition) for c in patient.unreviewed)
        since = patient.last_checkin_at or aware(patient.enrolment.created_at)
        patient.missed = now - since > MISSED_AFTER

    def order(patient: Patient) -> tuple[Any, ...]:
        first = patient.most_urgent
        if first is not None:
            return (0, rank.get(first.disposition, -1), aware(first.submitted_at))
        return (1 if patient.missed else 2, patient.enrolment.patient_name.casefold())

    return sorted(patients.values(), key=order)


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
