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
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, Waiting
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


# The worklist's groups, in its order: check-ins to review, a missed check-in, everyone else.
WAITS, MISSED, REST = 0, 2, 3
GROUPS = (WAITS, MISSED, REST)


@dataclass(frozen=True)
class Ask:
    """What every group's query needs: the protocol, the day, the moment, the deadline."""

    protocol: Protocol
    today: date
    now: datetime
    deadline: Deadline

    def overdue(self, oldest_alert: ColumnElement[Any]) -> ColumnElement[bool]:
        """An alert older than the deadline allows."""
        return oldest_alert <= literal(overdue_before(self.deadline, self.now), UTCDateTime)


def _first_waiting(ask: Ask) -> Subquery:
    """Each open follow-up with check-ins to review: the most urgent one (its rank is the
    protocol's, an unknown result counting as most urgent, then the oldest), how many wait,
    when the oldest alert came, whether it is overdue, and how many are overdue on the whole
    list. Read from `followup_waiting` alone, the check-ins nobody has reviewed, which the
    database keeps (migration 0011): a few rows, not every check-in ever stored."""
    ranks = {d.id: n for n, d in enumerate(ask.protocol.dispositions)}
    rank = case(ranks, value=Waiting.disposition, else_=-1)
    calm = [d.id for d in ask.protocol.dispositions if not alerts(ask.protocol, d.id)]
    alerting = Waiting.disposition.not_in(calm) if calm else true()
    by_patient: dict[str, Any] = {"partition_by": Waiting.enrolment_id}
    ended = exists().where(EnrolmentEnd.enrolment_id == Waiting.enrolment_id)
    waiting = (select(Waiting.enrolment_id, Waiting.checkin_id, Waiting.submitted_at,
                      rank.label("rank"),
                      func.row_number().over(order_by=(rank, Waiting.submitted_at,
                                                       Waiting.checkin_id),
                                             **by_patient).label("place"),
                      func.count().over(**by_patient).label("to_review"),
                      func.min(case((alerting, Waiting.submitted_at))).over(**by_patient)
                      .label("oldest_alert"))
               .where(Waiting.ends_on >= ask.today, ~ended)
               .subquery("waiting"))
    overdue = ask.overdue(waiting.c.oldest_alert)
    return (select(waiting, case((overdue, 0), else_=1).label("late"),
                   func.sum(case((overdue, 1), else_=0)).over().label("overdue_total"))
            .where(waiting.c.place == 1).subquery("first"))


def _latest() -> Any:
    """Each row's newest check-in time (the index on enrolment and time answers it)."""
    earlier = aliased(CheckIn)
    return (select(func.max(earlier.submitted_at)).where(earlier.enrolment_id == Enrolment.id)
            .scalar_subquery().label("last_at"))


def _waiting_rows(ask: Ask, edge: Place | None, backwards: bool,
                  limit: int) -> tuple[list[Any], int]:
    """Rows of patients with check-ins to review in the worklist's order from an edge, and
    the overdue alerts on the whole list. The page is chosen from the waiting rows alone;
    only its own rows are then read from the enrolments and check-ins."""
    first = _first_waiting(ask)
    key = [first.c.rank, first.c.late, first.c.submitted_at, first.c.enrolment_id]
    chosen = select(first)
    if edge is not None:
        mark = tuple_(literal(edge.urgency), literal(edge.late),
                      literal(edge.moment(), UTCDateTime), literal(edge.enrolment_id))
        chosen = chosen.where(tuple_(*key) < mark if backwards else tuple_(*key) > mark)
    page = (chosen.order_by(*(k.desc() for k in key) if backwards else key).limit(limit)
            .subquery("page"))
    order = [page.c.rank, page.c.late, page.c.submitted_at, page.c.enrolment_id]
    query = (select(Enrolment, CheckIn, page.c.to_review, page.c.oldest_alert,
                    page.c.rank.label("urgency"), page.c.late,
                    page.c.submitted_at.label("since"), page.c.overdue_total, _latest())
             .join(page, page.c.enrolment_id == Enrolment.id)
             .join(CheckIn, CheckIn.id == page.c.checkin_id)
             .order_by(*(k.desc() for k in order) if backwards else order))
    rows = list(db.session.execute(query).all())
    return rows, int(rows[0].overdue_total) if rows else -1


def _missed(ask: Ask) -> ColumnElement[bool]:
    """No check-in since the cutoff, and one before it or enrolled before it."""
    cutoff = literal(ask.now - MISSED_AFTER, UTCDateTime)
    recent = exists().where(CheckIn.enrolment_id == Enrolment.id, CheckIn.submitted_at >= cutoff)
    ever = exists().where(CheckIn.enrolment_id == Enrolment.id)
    return and_(~recent, or_(Enrolment.created_at < cutoff, ever))


def _named_rows(ask: Ask, group: int, edge: Place | None, backwards: bool,
                limit: int) -> list[Any]:
    """Rows of patients with nothing to review, those who missed a check-in (MISSED) or the
    rest (REST), by name, from an edge."""
    waits = exists().where(Waiting.enrolment_id == Enrolment.id)
    missed = _missed(ask)
    name = func.lower(Enrolment.patient_name)
    key = [name, Enrolment.id]
    query = (select(Enrolment, _latest())
             .where(_open(ask.today), ~waits, missed if group == MISSED else ~missed))
    if edge is not None:
        named = aliased(Enrolment)
        edge_name = (select(func.lower(named.patient_name))
                     .where(named.id == edge.enrolment_id).scalar_subquery())
        mark = tuple_(func.coalesce(edge_name, ""), literal(edge.enrolment_id))
        query = query.where(tuple_(*key) < mark if backwards else tuple_(*key) > mark)
    query = query.order_by(*(k.desc() for k in key) if backwards else key).limit(limit)
    return list(db.session.execute(query).all())


def _overdue_total(ask: Ask) -> int:
    """Patients with an overdue alert on the whole list, not only the page shown."""
    first = _first_waiting(ask)
    return int(db.session.scalar(select(func.count()).select_from(first)
                                 .where(first.c.late == 0)) or 0)


def worklist(protocol: Protocol, today: date, now: datetime | None = None,
             deadline: Deadline | None = None, *, after: Place | None = None,
             before: Place | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of open follow-ups, the ones that need a person first.

    Patients with unreviewed check-ins come first: the most urgent result first (an overdue
    alert never goes above a more urgent one), among equals the overdue ones, then the one
    waiting longest; then patients who missed their check-in; then everyone else by name.
    A page starts after the place `after`, or ends before `before` (keyset pages: a page's
    edge stays where it is when patients are added or leave). Each group is read in the
    database, in order, only as far as the page needs: a handful of statements, whatever
    the number of patients.
    """
    ask = Ask(protocol, today, now or utcnow(), deadline or Deadline())
    if db.session.get_bind().dialect.name == "postgresql":
        # For this transaction only: its cost estimate may set off PostgreSQL's JIT compiler,
        # which takes longer than the query; and once the driver prepares it (the 5th time) a
        # generic plan, blind to the times bound, is far slower.
        db.session.execute(text("SELECT set_config('jit', 'off', true), "
                                "set_config('plan_cache_mode', 'force_custom_plan', true)"))
    edge = after or before
    backwards = after is None and before is not None
    groups = [g for g in GROUPS if edge is None or (g <= edge.group if backwards
                                                     else g >= edge.group)]
    found: list[tuple[Patient, Place]] = []
    overdue = -1  # not known until the waiting rows are read, or counted on their own
    for group in reversed(groups) if backwards else groups:
        from_edge = edge if edge is not None and edge.group == group else None
        limit = size + 1 - len(found)
        if group == WAITS:
            rows, overdue = _waiting_rows(ask, from_edge, backwards, limit)
            found += [_waiting(row, ask) for row in rows]
        else:
            found += [_named(row, group) for row in
                      _named_rows(ask, group, from_edge, backwards, limit)]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    page = Page([patient for patient, _ in found], overdue if overdue >= 0 else
                _overdue_total(ask))
    if found:
        page.after = found[-1][1] if (more or backwards) else None
        page.before = found[0][1] if (more if backwards else edge is not None) else None
    return page


def _waiting(row: Any, ask: Ask) -> tuple[Patient, Place]:
    """A line with check-ins to review, and its place."""
    first: CheckIn = row.CheckIn
    since = aware(row.since)
    patient = Patient(row.Enrolment, most_urgent=first, to_review=int(row.to_review),
                      last_checkin_at=aware(row.last_at) if row.last_at else None,
                      alert=row.oldest_alert is not None, overdue=row.late == 0,
                      waiting=ask.now - since)
    place = Place(WAITS, int(row.urgency), int(row.late),
                  (since - NO_TIME) // timedelta(microseconds=1), row.Enrolment.id)
    return patient, place


def _named(row: Any, group: int) -> tuple[Patient, Place]:
    """A line with nothing to review (missed or not), and its place."""
    patient = Patient(row.Enrolment, last_checkin_at=aware(row.last_at) if row.last_at else None,
                      missed=group == MISSED)
    return patient, Place(group, 0, 1, 0, row.Enrolment.id)


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
