"""The retention job: the one logged path by which follow-up records leave the database.

Only follow-ups that are over (ended by a nurse, or past their last day) and have been over for
longer than FOLLOWUP_RETENTION_DAYS are removed; a running follow-up never is. On PostgreSQL the
database does it, in `followup_purge_ended` (migration 0007), run with the owner's rights by a
role that may do nothing else (PURGE_DATABASE_URL, docs/database-roles.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from checker.audit import seal_rows
from checker.clock import utcnow
from checker.database import engine_options
from checker.extensions import AnySession, db
from checker.followup.forms import MAX_FOLLOW_DAYS
from checker.followup.models import (
    CallLink,
    CheckIn,
    Enrolment,
    EnrolmentEnd,
    Purge,
    Reminder,
    Review,
)
from checker.settings import ConfigError

log = logging.getLogger(__name__)
commands = AppGroup("followup", help="Recovery follow-up: reminders and retention.")
# Children first, so no foreign key is left pointing at a removed row.
CHILDREN = (CallLink, Review, CheckIn, Reminder, EnrolmentEnd)
SETTING = "FOLLOWUP_RETENTION_DAYS"
# A follow-up is over once its last day has passed, with a day's margin for the clinic's zone
# (the same rule as followup_purge_ended in migration 0007).
OVER_MARGIN_DAYS = 2
INSUFFICIENT_PRIVILEGE = "42501"


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse a retention period shorter than the longest follow-up (a ConfigError naming it)."""
    days = config.get(SETTING)
    if not isinstance(days, int) or isinstance(days, bool) or days < MAX_FOLLOW_DAYS:
        raise ConfigError(
            f"{SETTING} must be at least {MAX_FOLLOW_DAYS} days, the longest follow-up a nurse "
            f"can set, so that no running follow-up is ever removed; it is {days!r}.")


def over_at(created_at: datetime, procedure_date: date, follow_days: int,
            ended_at: datetime | None) -> datetime:
    """When a follow-up was over: ended by a nurse or past its last day, never before enrolment."""
    last_day = datetime.combine(procedure_date + timedelta(days=follow_days + OVER_MARGIN_DAYS),
                                time(), UTC)
    over = min(ended_at, last_day) if ended_at is not None else last_day
    return max(created_at, over)


def _purge_here(session: AnySession, retention_days: int) -> list[int]:
    """SQLite: remove the follow-ups over for longer than the period, purge record first."""
    cutoff = utcnow() - timedelta(days=retention_days)
    rows = session.execute(
        select(Enrolment.id, Enrolment.created_at, Enrolment.procedure_date,
               Enrolment.follow_days, EnrolmentEnd.at)
        .outerjoin(EnrolmentEnd, EnrolmentEnd.enrolment_id == Enrolment.id)
        .where(Enrolment.created_at < cutoff).order_by(Enrolment.id)).all()
    ids = []
    for enrolment_id, created_at, procedure_date, follow_days, ended_at in rows:
        if over_at(created_at, procedure_date, follow_days, ended_at) >= cutoff:
            continue  # running, or not over for long enough
        # The purge row comes first: the database refuses the deletes below without it.
        session.add(Purge(enrolment_id=enrolment_id, enrolled_at=created_at,
                          purged_at=utcnow(), retention_days=retention_days))
        session.flush()  # sealed in the keyed chain by the audit log's flush hook
        for model in CHILDREN:
            session.execute(delete(model).where(model.enrolment_id == enrolment_id))
        session.execute(delete(Enrolment).where(Enrolment.id == enrolment_id))
        ids.append(enrolment_id)
    return ids


def _purge_in_database(session: AnySession, retention_days: int) -> list[int]:
    """PostgreSQL: the owner's function removes them; the purge records are then sealed."""
    ids = list(session.scalars(text("SELECT followup_purge_ended(:days)"),
                               {"days": retention_days}))
    if ids:
        purges = session.scalars(select(Purge.id).where(Purge.enrolment_id.in_(ids))).all()
        seal_rows(session.connection(), {"followup_purge": list(purges)})
    return ids


def purge_ended(session: AnySession, retention_days: int) -> list[int]:
    """Remove every follow-up over for longer than the period; the caller commits."""
    if retention_days < 1:
        raise ValueError("the retention period must be 1 day or more")
    if session.get_bind().dialect.name == "postgresql":
        return _purge_in_database(session, retention_days)
    return _purge_here(session, retention_days)


def _purge_with_own_role(url: str, days: int) -> list[int]:
    """Run the purge on its own connection, as the role of PURGE_DATABASE_URL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    engine = create_engine(url, **engine_options(None))
    try:
        with Session(engine) as session:
            ids = purge_ended(session, days)
            session.commit()
    finally:
        engine.dispose()
    return ids


@commands.command("purge")
def purge() -> None:
    """Remove follow-ups over for longer than FOLLOWUP_RETENTION_DAYS, logging each id."""
    config = current_app.config
    try:
        check_settings(config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    days = int(config[SETTING])
    url = config.get("PURGE_DATABASE_URL") or ""
    try:
        if url:
            ids = _purge_with_own_role(url, days)
        else:
            ids = purge_ended(db.session, days)
            db.session.commit()
    except ProgrammingError as error:
        if getattr(error.orig, "sqlstate", "") != INSUFFICIENT_PRIVILEGE:
            raise
        db.session.rollback()
        raise click.ClickException(
            "This database role may not purge follow-up records: set PURGE_DATABASE_URL to the "
            "purge role's URL (docs/database-roles.md).") from error
    for enrolment_id in ids:
        # Ids only: no name, date or answer goes into a log.
        log.warning("followup purge: removed enrolment %d after %d days", enrolment_id, days)
    click.echo(f"Removed {len(ids)} follow-up enrolments over for more than {days} days.")
