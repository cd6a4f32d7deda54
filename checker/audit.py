"""The audit log, and the keyed chain that seals every record: appending, sealing and the key.

Every part of the app writes here: the nurse's console and records, and the follow-up.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
    insert,
    select,
    text,
)
from sqlalchemy import inspect as inspect_db
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from checker.clock import utcnow
from checker.db_types import UTCDateTime, append_only
from checker.extensions import AnySession, Model, db
from checker.settings import ConfigError

# The link before the first event, and before the first entry of the keyed chain.
GENESIS = "0" * 64
# Any fixed number names the lock; PostgreSQL holds it until the transaction ends.
CHAIN_LOCK = 7_262_015
# Where a connection notes the transaction (or savepoint) that holds the lock.
_LOCKED_BY = "recovery_check.chain_locked_by"
# Rows fetched or written per round trip, so a long log never sits in memory at once.
BATCH = 1000
# The audit key derived from SECRET_KEY when AUDIT_KEY is not set (docs/records.md).
KEY_LABEL = b"recovery-check audit chain key v1"
MIN_KEY_LENGTH = 32
# The keyed chain's first entry made by migration 0007: rows older than it were sealed then.
START = "chain-start"
# Every record table, as the chain names it and as `audit verify` tells of it.
SEALED: dict[str, str] = {
    "encounter": "saved call", "addendum": "addendum", "audit_event": "audit event",
    "followup_enrolment": "follow-up enrolment", "followup_end": "follow-up end",
    "followup_checkin": "check-in", "followup_review": "review", "followup_call": "call link",
    "followup_reminder": "reminder", "followup_purge": "purge record",
    "followup_code": "follow-up code", "sign_in_event": "sign-in event",
}

commands = AppGroup("audit", help="Check the audit log and the records it seals.")


class AuditEvent(Model):
    """Who looked at which records, and when: one link of a hash chain (see `append`)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"), index=True)
    nurse_name: Mapped[str] = mapped_column(String(80), server_default="")
    action: Mapped[str] = mapped_column(String(40))
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), index=True)
    # The ids a list or search page showed, in order; the search words are never kept.
    shown_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The hash of the event before (zeros for the first) and of this event's content with it;
    # a row inserted around the app gets empty hashes, which `flask audit verify` reports.
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")
    hash: Mapped[str] = mapped_column(String(64), server_default="")


append_only(AuditEvent)

# One entry per record row: the row's digest, chained by an HMAC with a key kept outside.
record_seal = db.Table(
    "record_seal",
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("record", String(40), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("enrolment_id", Integer, nullable=True),
    Column("digest", String(64), nullable=False),
    Column("prev_mac", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    UniqueConstraint("record", "record_id", name="uq_record_seal_row"),
)


def _canonical(content: Any) -> bytes:
    """JSON with sorted keys, no spaces and ASCII only: one byte string per content."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def content_hash(prev_hash: str, nurse_id: int, nurse_name: str, action: str,
                 encounter_id: int | None, shown_ids: Sequence[int], at: datetime) -> str:
    """The unkeyed sha256 of one event's content and the hash of the event before it."""
    content = {
        "prev_hash": prev_hash, "nurse_id": nurse_id, "nurse_name": nurse_name,
        "action": action, "encounter_id": encounter_id, "shown_ids": list(shown_ids),
        "at": at.astimezone(UTC).isoformat(),
    }
    return hashlib.sha256(_canonical(content)).hexdigest()


def hash_of(event: AuditEvent, prev_hash: str) -> str:
    """What the unkeyed hash of a stored event must be, given the hash before it."""
    return content_hash(prev_hash, event.nurse_id, event.nurse_name, event.action,
                        event.encounter_id, event.shown_ids or [], event.at)


def audit_key(config: Mapping[str, Any]) -> bytes:
    """The chain's HMAC key: AUDIT_KEY, or one derived from SECRET_KEY; never in the database."""
    configured = str(config.get("AUDIT_KEY") or "")
    if configured:
        if len(configured) < MIN_KEY_LENGTH:
            raise ConfigError(f"AUDIT_KEY must be at least {MIN_KEY_LENGTH} characters long.")
        return configured.encode("utf-8")
    secret = config.get("SECRET_KEY")
    if not secret:
        raise ConfigError("AUDIT_KEY or SECRET_KEY is required to seal the records.")
    raw = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
    return hmac.new(raw, KEY_LABEL, hashlib.sha256).digest()


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse at start an AUDIT_KEY that is too short (raises ConfigError naming it)."""
    audit_key(config)


def _plain(value: Any) -> Any:
    """A column's value as JSON can hold it, the same on SQLite and PostgreSQL."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    """The sha256 of a record row's content, NULL columns left out (as a later column would be)."""
    values = {name: _plain(value) for name, value in row.items() if value is not None}
    return hashlib.sha256(_canonical({"table": table, "row": values})).hexdigest()


def entry_mac(key: bytes, entry: Mapping[str, Any]) -> str:
    """The HMAC-SHA256 of one chain entry, which holds the MAC of the entry before it."""
    content = {name: _plain(entry[name]) for name in
               ("seq", "at", "record", "record_id", "enrolment_id", "digest", "prev_mac")}
    return hmac.new(key, _canonical(content), hashlib.sha256).hexdigest()


def lock_chain(connection: Connection) -> None:
    """Make this transaction the only one appending until it ends, so no chain can fork."""
    # Held already when this same transaction (or savepoint) took it: an append takes it, then
    # its flush and the seal would ask again, each a round trip while every other waits.
    holder = connection.get_nested_transaction() or connection.get_transaction()
    if holder is not None and connection.info.get(_LOCKED_BY) is holder:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    else:
        # A write that touches no row still takes SQLite's write lock (BEGIN IMMEDIATE's
        # effect), so the last hash is read inside the write transaction; no trigger fires.
        connection.execute(text("UPDATE audit_event SET id = id WHERE 0"))
    connection.info[_LOCKED_BY] = holder


def head(connection: Connection) -> tuple[int, str]:
    """The last entry of the keyed chain: its sequence number and MAC (0 and zeros if none)."""
    last = connection.execute(select(record_seal.c.seq, record_seal.c.mac)
                              .order_by(record_seal.c.seq.desc()).limit(1)).first()
    return (last.seq, last.mac) if last is not None else (0, GENESIS)


def _enrolment_of(table: str, row: Mapping[str, Any]) -> int | None:
    """The follow-up enrolment a row belongs to, which a purge record may later name."""
    if table == "followup_enrolment":
        return int(row["id"])
    value = row.get("enrolment_id")
    return int(value) if value is not None else None


def append_entries(connection: Connection, rows: Iterable[tuple[str, Mapping[str, Any]]],
                   key: bytes | None = None, end: tuple[int, str] | None = None) -> int:
    """Seal (table, row) pairs at the end of the keyed chain; the caller holds the lock.

    `end` is the chain's last entry when the caller has just read it under the lock.
    """
    key = key if key is not None else audit_key(current_app.config)
    seq, prev_mac = end if end is not None else head(connection)
    now, batch, count = utcnow(), [], 0
    for table, row in rows:
        seq += 1
        entry = {"seq": seq, "at": now, "record": table, "record_id": int(row["id"]),
                 "enrolment_id": _enrolment_of(table, row), "digest": row_digest(table, row),
                 "prev_mac": prev_mac}
        prev_mac = entry["mac"] = entry_mac(key, entry)
        batch.append(entry)
        if len(batch) == BATCH:
            connection.execute(insert(record_seal), batch)
            count, batch = count + len(batch), []
    if batch:
        connection.execute(insert(record_seal), batch)
    return count + len(batch)


def table_of(name: str) -> Table:
    """The model's table of a record table's name."""
    return db.metadata.tables[name]


def record_tables() -> list[str]:
    """The record tables this app's models have, in the chain's order."""
    return [name for name in SEALED if name in db.metadata.tables]


def seal_rows(connection: Connection, ids: Mapping[str, Sequence[int]]) -> int:
    """Seal these rows of record tables, as they are stored now, at the end of the chain."""
    lock_chain(connection)

    def rows() -> Iterator[tuple[str, Mapping[str, Any]]]:
        for name in (n for n in SEALED if ids.get(n)):
            wanted = sorted(ids[name])
            table = table_of(name)
            for start in range(0, len(wanted), BATCH):
                chunk = wanted[start:start + BATCH]
                for row in connection.execute(select(table).where(table.c.id.in_(chunk))
                                              .order_by(table.c.id)).mappings():
                    yield name, dict(row)

    return append_entries(connection, list(rows()))


def _new_records(session: Session) -> dict[str, list[Any]]:
    """The record rows this flush inserts, by table."""
    found: dict[str, list[Any]] = {}
    for instance in session.new:
        table = getattr(instance, "__table__", None)
        if table is not None and table.name in SEALED:
            found.setdefault(table.name, []).append(instance)
    return found


@event.listens_for(Session, "before_flush")
def _lock_before_records(session: Session, flush_context: Any, instances: Any) -> None:
    """Take the chain's lock before any record is inserted, so sealing never waits mid-way."""
    if _new_records(session):
        lock_chain(session.connection())


@event.listens_for(Session, "after_flush")
def _seal_new_records(session: Session, flush_context: Any) -> None:
    """Seal every record row the flush inserted, in the same transaction."""
    found = _new_records(session)
    if found:
        seal_rows(session.connection(),
                  {name: [instance.id for instance in items] for name, items in found.items()})


def append(session: AnySession, *, nurse_id: int, nurse_name: str, action: str,
           encounter_id: int | None = None, shown_ids: Iterable[int] = ()) -> None:
    """Add one event at the end of the log, sealed; the caller commits, which releases the lock.

    Written here rather than at the session's flush, in the fewest round trips the chain
    allows: the lock, both chains' ends, the event (returned as stored, for its seal), the seal.
    Every other append waits from this one's lock to its commit.
    """
    session.flush()  # what the session holds goes first, sealed in its turn
    connection = session.connection()
    lock_chain(connection)
    last = select(record_seal.c.seq, record_seal.c.mac).order_by(record_seal.c.seq.desc())
    ends = connection.execute(select(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery(),
        last.with_only_columns(record_seal.c.seq).limit(1).scalar_subquery(),
        last.with_only_columns(record_seal.c.mac).limit(1).scalar_subquery(),
    )).one()
    prev_hash, at, ids = ends[0] or GENESIS, utcnow(), list(shown_ids)
    event = {"nurse_id": nurse_id, "nurse_name": nurse_name, "action": action,
             "encounter_id": encounter_id, "shown_ids": ids, "at": at, "prev_hash": prev_hash,
             "hash": content_hash(prev_hash, nurse_id, nurse_name, action, encounter_id, ids, at)}
    table = table_of(AuditEvent.__tablename__)
    stored = connection.execute(insert(table).values(event).returning(*table.c)).mappings().one()
    end = (ends[1], ends[2]) if ends[1] is not None else (0, GENESIS)
    append_entries(connection, [(table.name, dict(stored))], end=end)


def seal_existing(connection: Any) -> None:
    """Chain events written before the unkeyed chain existed (used once, by migration 0003)."""
    session = Session(bind=connection)
    prev_hash = GENESIS
    table = table_of(AuditEvent.__tablename__)
    for old in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all():
        own = hash_of(old, prev_hash)
        session.execute(table.update().where(table.c.id == old.id)
                        .values(prev_hash=prev_hash, hash=own))
        prev_hash = own
    session.flush()


def seal_existing_records(connection: Connection) -> int:
    """Start the keyed chain and seal every record row already stored (migration 0007)."""
    key = audit_key(current_app.config)
    lock_chain(connection)
    legacy = connection.execute(text("SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1"))
    start = {"id": 0, "legacy_audit_head": legacy.scalar() or GENESIS}

    def rows() -> Iterator[tuple[str, Mapping[str, Any]]]:
        yield START, start
        present = set(inspect_db(connection).get_table_names())
        for name in (n for n in SEALED if n in present):
            # Reflected, so the columns are the ones this revision has, not later models'.
            table = Table(name, MetaData(), autoload_with=connection)
            query = select(table).order_by(table.c.id)
            for row in connection.execute(query, execution_options={"yield_per": BATCH}):
                yield name, dict(row._mapping)

    return append_entries(connection, rows(), key)
