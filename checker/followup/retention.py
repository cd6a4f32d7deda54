"""The retention job: the one logged path by which follow-up records leave the database."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from checker.extensions import db
from checker.followup.models import (
    CallLink,
    CheckIn,
    Enrolment,
    EnrolmentEnd,
    Purge,
    Reminder,
    Review,
)
from checker.nurse.models import utcnow

log = logging.getLogger(__name__)
commands = AppGroup("followup", help="Recovery follow-up: reminders and retention.")
# Children first, so no foreign key is left pointing at a removed row.
CHILDREN = (CallLink, Review, CheckIn, Reminder, EnrolmentEnd)


def purge_before(session: Session, cutoff: datetime, retention_days: int) -> list[int]:
    """Remove every enrolment made before the cutoff, writing its purge record first."""
    ids = list(session.scalars(
        select(Enrolment.id).where(Enrolment.created_at < cutoff).order_by(Enrolment.id)))
    for enrolment_id in ids:
        enrolled_at = session.scalar(
            select(Enrolment.created_at).where(Enrolment.id == enrolment_id))
        # The purge row comes first: the database refuses the deletes below without it.
        session.add(Purge(enrolment_id=enrolment_id, enrolled_at=enrolled_at,
                          purged_at=utcnow(), retention_days=retention_days))
        session.flush()
        for model in CHILDREN:
            session.execute(delete(model).where(model.enrolment_id == enrolment_id))
        session.execute(delete(Enrolment).where(Enrolment.id == enrolment_id))
    return ids


@commands.command("purge")
def purge() -> None:
    """Remove follow-up records older than FOLLOWUP_RETENTION_DAYS, logging each enrolment id."""
    days = int(current_app.config["FOLLOWUP_RETENTION_DAYS"])
    ids = purge_before(db.session, utcnow() - timedelta(days=days), days)
    db.session.commit()
    for enrolment_id in ids:
        # Ids only: no name, date or answer goes into a log.
        log.warning("followup purge: removed enrolment %d after %d days", enrolment_id, days)
    click.echo(f"Removed {len(ids)} follow-up enrolments older than {days} days.")
