"""What every record table shares: timestamps kept in UTC, and rows that never change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times, so no local time is ever stored as if it were UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns without a zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ImmutableRecord(RuntimeError):
    """A saved clinical record was about to be changed or deleted."""


def _refuse(mapper: Any, connection: Any, target: Any) -> None:
    """Stop any change through the ORM: the row is part of the record."""
    raise ImmutableRecord(
        f"{type(target).__name__} {target.id} is part of the record and cannot be changed"
    )


def append_only(*models: type) -> None:
    """Refuse every update and delete of these models' rows made through the ORM."""
    for model in models:
        event.listen(model, "before_update", _refuse)
        event.listen(model, "before_delete", _refuse)
