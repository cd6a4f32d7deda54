"""Time for the records and the clinic: now in UTC, and a stored moment on the clinic's clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def clinic_zone(config: Mapping[str, Any]) -> tzinfo | None:
    """The clinic's time zone (CLINIC_TIMEZONE); None, the server's own, when not set."""
    name = config.get("CLINIC_TIMEZONE") or ""
    return ZoneInfo(name) if name else None


def local(moment: datetime, zone: tzinfo | None) -> datetime:
    """A stored (UTC) moment in the clinic's time zone; None is the server's own zone."""
    return moment.astimezone(zone)


def clinic_time(moment: datetime, layout: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored moment as the clinic's clock shows it, with the zone's name."""
    return local(moment, clinic_zone(current_app.config)).strftime(layout)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The clinic's calendar day as a span of UTC moments (23 or 25 hours across a clock change)."""
    zone = clinic_zone(current_app.config)
    after = day + timedelta(days=1)
    if zone is None:  # the server's zone: a naive time is read as local by astimezone
        start = datetime(day.year, day.month, day.day).astimezone()
        end = datetime(after.year, after.month, after.day).astimezone()
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        end = datetime(after.year, after.month, after.day, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
