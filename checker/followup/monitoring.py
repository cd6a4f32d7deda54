"""When the clinic watches check-ins as they arrive (MONITORING_HOURS), in the clinic's zone.

The setting reads like an opening-hours sign: "Mon-Fri 08:00-17:00", "08:00-20:00" (every
day) or "Mon,Wed,Fri 09:00-12:00". Empty means nobody watches check-ins as they arrive, and
every check-in says so: the honest default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from checker.clock import local

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^(?:(?P<days>[A-Za-z,\- ]+?)\s+)?(?P<start>\d{1,2}:\d{2})\s*-\s*"
                    r"(?P<end>\d{1,2}:\d{2})$")
WEEK = 7


@dataclass(frozen=True)
class MonitoringHours:
    """The days of the week (0 is Monday) and the daily hours someone watches check-ins."""

    days: frozenset[int]
    start: time
    end: time

    def watching(self, moment: datetime) -> bool:
        """Whether someone watches at this moment (a time in the clinic's zone)."""
        return moment.weekday() in self.days and self.start <= moment.time() < self.end

    def until(self, moment: datetime) -> datetime:
        """When today's watch ends (for a moment inside it)."""
        return moment.replace(hour=self.end.hour, minute=self.end.minute, second=0,
                              microsecond=0)

    def next_start(self, moment: datetime) -> datetime:
        """The next moment someone starts watching, after a moment outside the hours."""
        for ahead in range(WEEK + 1):
            day = moment + timedelta(days=ahead)
            start = day.replace(hour=self.start.hour, minute=self.start.minute, second=0,
                                microsecond=0)
            if day.weekday() in self.days and start > moment:
                return start
        raise AssertionError("a week always holds a monitored day")  # days is never empty

    def watched_between(self, start: datetime, end: datetime, zone: tzinfo | None) -> timedelta:
        """How much of the span from start to end (aware moments) falls in the hours.

        The hours are the clinic's wall clock (zone; None is the server's own), so a day
        that changes the clock counts the hours it really had.
        """
        total = timedelta()
        if end <= start:
            return total
        first, last = local(start, zone).date(), local(end, zone).date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opens, closes = _on(day, self.start, zone), _on(day, self.end, zone)
            overlap = min(closes, end) - max(opens, start)
            total += max(overlap, timedelta())
        return total

    def describe(self) -> str:
        """The hours as an opening-hours sign says them: Mon-Fri 08:00-17:00."""
        runs: list[list[int]] = []
        for day in sorted(self.days):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
        days = ",".join(_span(run) for run in runs)
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


def _on(day: date, at: time, zone: tzinfo | None) -> datetime:
    """A time of day on a date of the clinic's wall clock, as a UTC moment."""
    naive = datetime.combine(day, at)
    wall = naive.astimezone() if zone is None else naive.replace(tzinfo=zone)
    return wall.astimezone(UTC)


def watched_time(hours: MonitoringHours | None, start: datetime, end: datetime,
                 zone: tzinfo | None) -> timedelta:
    """The time from start to end that counts as watched: all of it when no hours are set."""
    if hours is None:
        return max(end - start, timedelta())
    return hours.watched_between(start, end, zone)


def _span(run: list[int]) -> str:
    """Days in a row as a sign writes them: Mon-Fri for three or more, else Mon,Tue."""
    names = [DAY_NAMES[day].title() for day in run]
    return f"{names[0]}-{names[-1]}" if len(names) > 2 else ",".join(names)


def parse_hours(text: str) -> MonitoringHours | None:
    """The setting read, or None when empty; ValueError says what is wrong with it."""
    text = text.strip()
    if not text:
        return None
    match = _HOURS.match(text)
    if match is None:
        raise ValueError("write it like Mon-Fri 08:00-17:00, or 08:00-17:00 for every day")
    start, end = _clock(match["start"]), _clock(match["end"])
    if start >= end:
        raise ValueError("the hours must end after they start, on the same day")
    days = _days(match["days"]) if match["days"] else frozenset(range(WEEK))
    return MonitoringHours(days, start, end)


def _clock(text: str) -> time:
    """A time of day written HH:MM."""
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{text} is not a time of day")
    return time(hours, minutes)


def _days(text: str) -> frozenset[int]:
    """Days written as Mon-Fri, Mon,Wed,Fri or a mix of both."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise ValueError(f"{part!r} is not a day or a range of days such as Mon-Fri")
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, WEEK), *range(b + 1)])
    return frozenset(days)
