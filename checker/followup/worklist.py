"""The follow-up worklist: who needs a person first, and what changed between check-ins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Subquery

from checker.clock import utcnow
from checker.db_types import UTCDateTime
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


# Patients on one page of the worklist.
PAGE_SIZE = 50
# Far enough back that no alert waits longer: the search for the overdue moment stops here.
LOOKBACK = timedelta(days=3660)
# The key of a row with nothing to review, where the check-in's time would be.
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Patient:
    """One enrolled patient's line on the worklist."""

    enrolment: Enrolment
    most_urgent: CheckIn | None = None
    to_review: int = 0
    last_checkin_at: datetime | None = None
    missed: bool = False
    alert: bool = False
    overdue: bool = False
    waiting: timedelta | None = None


@dataclass(frozen=True)
class Place:
    """Where a row sits on the worklist (its sort key), as a page's edge in an address.

    `group` 0 has check-ins to review, 2 missed a check-in, 3 the rest; `urgency` is the
    rank of the most urgent result waiting; `late` 0 when an alert is overdue; `since` when
    the most urgent check-in came (microseconds since 1970); the name is read back from the
    enrolment, so no name ever goes in an address.
    """

    group: int
    urgency: int
    late: int
    since: int
    enrolment_id: int

    def __str__(self) -> str:
        return f"{self.group}.{self.urgency}.{self.late}.{self.since}.{self.enrolment_id}"

    @classmethod
    def parse(cls, text: str) -> Place | None:
        """A place from an address, or None when it is not one."""
        parts = text.split(".")
        if len(parts) != 5 or not all(p.lstrip("-").isdigit() and len(p) < 20 for p in parts):
            return None
        return cls(*(int(p) for p in parts))

    def moment(self) -> datetime:
        """`since` as a time."""
        return NO_TIME + timedelta(microseconds=self.since)


@dataclass
class Page:
    """One page of the worklist, with the places to page on from."""

    patients: list[Patient]
    overdue: int  # patients with an overdue alert on the whole list, not only this page
    after: Place | None = None  # the next page starts after this row, if there is one
    before: Place | None = None  # the page before ends before this row, if there is one


def overdue_before(deadline: Deadline, now: datetime) -> datetime:
    """The latest moment an alert can have come in and be overdue now.

    Watched time only grows the earlier an alert came, so the moment is found by halving
    (to the microsecond) between one that is overdue and one that is not.
    """
    tick = timedelta(microseconds=1)
    if deadline.hours is None:
        return now - deadline.after - tick
    late, span = now, deadline.after
    while not deadline.passed(now - span, now):
        if span > LOOKBACK:
            return now - LOOKBACK
        late, span = now - span, span * 2
    early = now - span
    while late - early > tick:
        middle = early + (late - early) / 2
        if deadline.passed(middle, now):
            early = middle
        else:
            late = middle
    return early


def _open(today: date) -> ColumnElement[bool]:
    """Follow-ups still running today: within their days and not ended by a nurse."""
    ended = exists().where(EnrolmentEnd.enrolment_id == Enrolment.id)
    if db.session.get_bind().dialect.name == "sqlite":
        last = func.date(Enrolment.procedure_date,
                         literal("+") + cast(Enrolment.follow_days, String) + literal(" days"))
        running = last >= today.isoformat()
    else:
        running = Enrolment.procedure_date + Enrolment.follow_days >= today
    return and_(~ended, running)


def _keyed(protocol: Protocol, today: date, now: datetime, deadline: Deadline) -> Subquery:
    """Every open follow-up with its place on the worklist, worked out in the database.

    The key: group 0 with check-ins to review, then the most urgent one's rank (the
    protocol's, passed in; an unknown result counts as most urgent), 0 when overdue, its
    time; group 2 missed, 3 the rest, by name; the enrolment's id last so no two rows tie.
    """
    ranks = {d.id: n for n, d in enumerate(protocol.dispositions)}
    rank = case(ranks, value=CheckIn.disposition, else_=-1)
    calm = [d.id for d in protocol.dispositions if not alerts(protocol, d.id)]
    alerting = CheckIn.disposition.not_in(calm) if calm else true()
    reviewed = exists().where(Review.checkin_id == CheckIn.id)
    by_patient: dict[str, Any] = {"partition_by": CheckIn.enrolment_id}
    waiting = (select(CheckIn.enrolment_id, CheckIn.id, CheckIn.submitted_at, rank.label("rank"),
                      func.row_number().over(order_by=(rank, CheckIn.submitted_at, CheckIn.id),
                                             **by_patient).label("place"),
                      func.count().over(**by_patient).label("to_review"),
                      func.min(case((alerting, CheckIn.submitted_at))).over(**by_patient)
                      .label("oldest_alert"))
               .where(~reviewed).subquery("waiting"))
    first = select(waiting).where(waiting.c.place == 1).subquery("first")
    cutoff = literal(now - MISSED_AFTER, UTCDateTime)
    # Missed: no check-in since the cutoff, and one before it or enrolled before it.
    recent = exists().where(CheckIn.enrolment_id == Enrolment.id, CheckIn.submitted_at >= cutoff)
    ever = exists().where(CheckIn.enrolment_id == Enrolment.id)
    missed = and_(~recent, or_(Enrolment.created_at < cutoff, ever))
    overdue = first.c.oldest_alert <= literal(overdue_before(deadline, now), UTCDateTime)
    waits = first.c.id.is_not(None)
    return (select(Enrolment.id, case((waits, 0), (missed, 2), else_=3).label("grp"),
                   func.coalesce(first.c.rank, 0).label("urgency"),
                   case((overdue, 0), else_=1).label("late"),
                   func.coalesce(first.c.submitted_at, literal(NO_TIME, UTCDateTime))
                   .label("since"),
                   case((waits, ""), else_=func.lower(Enrolment.patient_name)).label("name"),
                   first.c.id.label("first_id"),
                   func.coalesce(first.c.to_review, 0).label("to_review"),
                   first.c.oldest_alert, case((missed, 1), else_=0).label("missed"),
                   func.sum(case((overdue, 1), else_=0)).over().label("overdue_total"))
            .outerjoin(first, first.c.enrolment_id == Enrolment.id)
            .where(_open(today)).subquery("keyed"))


def worklist(protocol: Protocol, today: date, now: datetime | None = None,
             deadline: Deadline | None = None, *, after: Place | None = None,
             before: Place | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of open follow-ups, the ones that need a person first, in one statement.

    Patients with unreviewed check-ins come first: the most urgent result first (an overdue
    alert never goes above a more urgent one), among equals the overdue ones, then the one
    waiting longest; then patients who missed their check-in; then everyone else by name.
    A page starts after the place `after`, or ends before `before` (keyset pages: a page's
    edge stays where it is when patients are added or leave).
    """
    now = now or utcnow()
    deadline = deadline or Deadline()
    keyed = _keyed(protocol, today, now, deadline)
    key = [keyed.c.grp, keyed.c.urgency, keyed.c.late, keyed.c.since, keyed.c.name, keyed.c.id]
    earlier = aliased(CheckIn)
    latest = (select(func.max(earlier.submitted_at)).where(earlier.enrolment_id == keyed.c.id)
              .scalar_subquery())
    query = (select(Enrolment, CheckIn, keyed.c.to_review, keyed.c.oldest_alert,
                    keyed.c.missed, keyed.c.late, keyed.c.overdue_total, keyed.c.grp,
                    keyed.c.urgency, keyed.c.since, latest.label("last_at"))
             .join(keyed, keyed.c.id == Enrolment.id)
             .outerjoin(CheckIn, CheckIn.id == keyed.c.first_id))
    edge = after or before
    if edge is not None:
        named = aliased(Enrolment)
        name = (select(func.lower(named.patient_name))
                .where(named.id == edge.enrolment_id).scalar_subquery())
        mark = tuple_(literal(edge.group), literal(edge.urgency), literal(edge.late),
                      literal(edge.moment(), UTCDateTime),
                      literal("") if edge.group == 0 else func.coalesce(name, ""),
                      literal(edge.enrolment_id))
        query = query.where(tuple_(*key) > mark if after is not None else tuple_(*key) < mark)
    backwards = after is None and before is not None
    query = query.order_by(*(k.desc() for k in key) if backwards else key).limit(size + 1)
    if db.session.get_bind().dialect.name == "postgresql":
        # For this transaction only: its cost estimate sets off PostgreSQL's JIT compiler,
        # which takes longer than the query (about 1 s at 50,000 patients); and once the driver
        # prepares it (the 5th time) a generic plan, blind to the times bound, takes 10 s.
        db.session.execute(text("SELECT set_config('jit', 'off', true), "
                                "set_config('plan_cache_mode', 'force_custom_plan', true)"))
    rows = list(db.session.execute(query).all())
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    page = Page([_patient(row, deadline, now) for row in rows],
                int(rows[0].overdue_total) if rows else 0)
    if rows:
        page.after = _place(rows[-1]) if (more or backwards) else None
        page.before = _place(rows[0]) if (more if backwards else edge is not None) else None
    return page


def _place(row: Any) -> Place:
    """A row's place on the list."""
    since = aware(row.since) - NO_TIME
    return Place(int(row.grp), int(row.urgency), int(row.late),
                 since // timedelta(microseconds=1), row.Enrolment.id)


def _patient(row: Any, deadline: Deadline, now: datetime) -> Patient:
    """A worklist line from its row: the most urgent check-in, the flags, the wait."""
    first: CheckIn | None = row.CheckIn
    return Patient(row.Enrolment, most_urgent=first, to_review=int(row.to_review),
                   last_checkin_at=aware(row.last_at) if row.last_at else None,
                   missed=bool(row.missed), alert=row.oldest_alert is not None,
                   overdue=row.late == 0,
                   waiting=now - aware(first.submitted_at) if first is not None else None)


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
