"""The audit log as a hash chain: appending one event at a time, and checking the whole chain."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select, text
from sqlalchemy.orm import Session, lazyload

from checker.extensions import db
from checker.nurse.models import AuditEvent, utcnow

# The link before the first event.
GENESIS = "0" * 64
# Any fixed number names the lock; PostgreSQL holds it until the transaction ends.
CHAIN_LOCK = 7_262_015
# Rows fetched per round trip by `audit verify`, so a long log never sits in memory at once.
BATCH = 1000

commands = AppGroup("audit", help="Check the audit log.")


def content_hash(prev_hash: str, nurse_id: int, nurse_name: str, action: str,
                 encounter_id: int | None, shown_ids: Sequence[int], at: datetime) -> str:
    """The sha256 of one event's content and the hash of the event before it."""
    content = {
        "prev_hash": prev_hash, "nurse_id": nurse_id, "nurse_name": nurse_name,
        "action": action, "encounter_id": encounter_id, "shown_ids": list(shown_ids),
        "at": at.astimezone(UTC).isoformat(),
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def hash_of(event: AuditEvent, prev_hash: str) -> str:
    """What the hash of a stored event must be, given the hash before it."""
    return content_hash(prev_hash, event.nurse_id, event.nurse_name, event.action,
                        event.encounter_id, event.shown_ids or [], event.at)


def _lock_chain(session: Session) -> None:
    """Make this transaction the only one appending until it ends, so the chain cannot fork."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    else:
        # A write that touches no row still takes SQLite's write lock (BEGIN IMMEDIATE's
        # effect), so the last hash is read inside the write transaction; no trigger fires.
        session.execute(text("UPDATE audit_event SET id = id WHERE 0"))


def append(session: Session, *, nurse_id: int, nurse_name: str, action: str,
           encounter_id: int | None = None, shown_ids: Iterable[int] = ()) -> AuditEvent:
    """Add one event at the end of the chain; the caller commits, which releases the lock."""
    _lock_chain(session)
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = last or GENESIS
    event = AuditEvent(nurse_id=nurse_id, nurse_name=nurse_name, action=action,
                       encounter_id=encounter_id, shown_ids=list(shown_ids), at=utcnow(),
                       prev_hash=prev_hash)
    event.hash = hash_of(event, prev_hash)
    session.add(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    """What a check of the chain found: how many events, the last good link, the first bad one."""

    count: int
    last_id: int | None
    last_hash: str
    broken_at: int | None = None
    problem: str = ""


def check_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk the events oldest first and stop at the first link that does not hold."""
    expected_prev, before, count = GENESIS, None, 0
    for event in events:
        count += 1
        if event.prev_hash != expected_prev:
            where = f"event {before}" if before is not None else "the start of the log"
            return ChainReport(count, before, expected_prev, event.id, (
                f"its link to {where} does not match: an event before it was changed, "
                "removed or inserted"))
        if event.hash != hash_of(event, event.prev_hash):
            return ChainReport(count, before, expected_prev, event.id, (
                "its content does not match its hash: the row was changed after it was written"))
        expected_prev, before = event.hash, event.id
    return ChainReport(count, before, expected_prev)


def stream_events(session: Session) -> Iterator[AuditEvent]:
    """Every audit event, oldest first, fetched in batches (a server-side cursor where possible)."""
    # The session holds loaded rows weakly, so a checked batch is freed once nothing uses it.
    query = (select(AuditEvent).options(lazyload(AuditEvent.nurse)).order_by(AuditEvent.id)
             .execution_options(yield_per=BATCH))
    result = session.scalars(query)
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()  # a check that stops early must not leave the server-side cursor open


@commands.command("verify")
def verify() -> None:
    """Check every link of the audit chain; name the first broken one and exit 1."""
    with closing(stream_events(db.session)) as events:
        report = check_chain(events)
    if report.broken_at is not None:
        click.echo(f"The audit chain is broken at event {report.broken_at}: {report.problem}.",
                   err=True)
        sys.exit(1)
    # Kept somewhere else, the last hash also shows later whether the newest events were cut.
    newest = (f" The last is event {report.last_id}, hash {report.last_hash}."
              if report.last_id is not None else "")
    click.echo(f"The audit chain holds: {report.count} events checked.{newest}")


def seal_existing(connection: Any) -> None:
    """Chain events written before the chain existed (used once, by migration 0003)."""
    session = Session(bind=connection)
    prev_hash = GENESIS
    table = AuditEvent.__table__
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():
        own = hash_of(event, prev_hash)
        session.execute(table.update().where(table.c.id == event.id)
                        .values(prev_hash=prev_hash, hash=own))
        prev_hash = own
    session.flush()
