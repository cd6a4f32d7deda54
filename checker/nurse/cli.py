"""`flask nurses` (accounts; there is no sign-up page) and `flask audit` (checking the chain)."""

from __future__ import annotations

import sys
from collections.abc import Generator, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.engine import Connection

from checker import audit as audit_log
from checker.audit import AuditEvent
from checker.extensions import AnySession, db
from checker.nurse import second_factor
from checker.nurse.models import Nurse
from checker.nurse.sessions import end_every_session
from checker.settings import ConfigError

MIN_PASSWORD = 12

nurses = AppGroup("nurses", help="Manage nurse accounts (accounts are disabled, never deleted).")


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise read the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _new_password() -> str:
    """A password read as `_read_password` does, refused when too short."""
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must be at least {MIN_PASSWORD} characters.")
    return password


def _existing(username: str) -> Nurse:
    """The nurse with this username, or an error naming it."""
    nurse = db.session.scalar(select(Nurse).filter_by(username=username.strip()))
    if nurse is None:
        raise click.ClickException(f"There is no nurse called {username!r}.")
    return nurse


@nurses.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Let this nurse read the audit log.")
def add(username: str, admin: bool) -> None:
    """Create a nurse account, asking for its password."""
    username = username.strip()
    if not username or len(username) > 80:
        raise click.ClickException("The username must be 1 to 80 characters.")
    if db.session.scalar(select(Nurse).filter_by(username=username)) is not None:
        raise click.ClickException(f"A nurse called {username!r} already exists.")
    password = _new_password()
    nurse = Nurse(username=username, is_admin=admin)
    nurse.set_password(password)
    db.session.add(nurse)
    db.session.commit()
    role = "administrator" if admin else "nurse"
    click.echo(f"Added {role} {username}.")


@nurses.command("password")
@click.argument("username")
def password(username: str) -> None:
    """Give a nurse a new password, asking for it, and sign out every session of theirs."""
    nurse = _existing(username)
    nurse.set_password(_new_password())
    end_every_session(nurse.id)
    db.session.commit()
    click.echo(f"Changed the password of {nurse.username}; every session of theirs is ended.")


@nurses.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Stop a nurse from signing in and end their sessions; their calls stay as they are."""
    nurse = _existing(username)
    nurse.active = False
    end_every_session(nurse.id)
    db.session.commit()
    click.echo(f"Disabled {nurse.username}; every session of theirs is ended.")


@nurses.command("reset-second-factor")
@click.argument("username")
def reset_second_factor(username: str) -> None:
    """Remove a nurse's second factor and recovery codes (a lost phone), audited.

    Their sessions end too. They sign in with the password alone, or, when
    REQUIRE_SECOND_FACTOR is on, are sent to set a new factor up right after it.
    """
    nurse = _existing(username)
    if not second_factor.end_all(db.session, nurse.id, "reset"):
        raise click.ClickException(f"{nurse.username} has no second factor.")
    second_factor.audit(nurse, "second_factor_reset")
    end_every_session(nurse.id)
    db.session.commit()
    click.echo(f"Removed the second factor of {nurse.username}; every session of theirs is "
               "ended.")


# Problems printed at most; the count says how many more there were.
SHOWN_PROBLEMS = 50
FOLLOWUP = "followup_"
SEAL = audit_log.record_seal


@dataclass
class ChainReport:
    """What a check found: events and records checked, the chain's head, and every problem."""

    events: int = 0
    records: int = 0
    head: tuple[int, str] = (0, audit_log.GENESIS)
    problems: list[str] = field(default_factory=list)


def check_chain(events: Iterable[AuditEvent], report: ChainReport) -> None:
    """Walk the unkeyed event links oldest first; note the first one that does not hold."""
    expected_prev, before = audit_log.GENESIS, None
    for event in events:
        report.events += 1
        problem = ""
        if event.prev_hash != expected_prev:
            where = f"event {before}" if before is not None else "the start of the log"
            problem = (f"its link to {where} does not match: an event before it was changed, "
                       "removed or inserted")
        elif event.hash != audit_log.hash_of(event, event.prev_hash):
            problem = ("its content does not match its hash: the row was changed after it was "
                       "written")
        if problem:
            report.problems.append(f"The audit chain is broken at event {event.id}: {problem}.")
            return
        expected_prev, before = event.hash, event.id


def stream_events(session: AnySession) -> Generator[AuditEvent, None, None]:
    """Every audit event, oldest first, fetched in batches (a server-side cursor where possible)."""
    # The session holds loaded rows weakly, so a checked batch is freed once nothing uses it.
    query = (select(AuditEvent).order_by(AuditEvent.id)
             .execution_options(yield_per=audit_log.BATCH))
    result = session.scalars(query)
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()  # a check that stops early must not leave the server-side cursor open


def _stream(connection: Connection, query: Select[Any]) -> Iterator[Any]:
    """The rows of a query in batches, the cursor closed however the walk ends."""
    result = connection.execute(query, execution_options={"yield_per": audit_log.BATCH})
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def check_entries(connection: Connection, key: bytes, report: ChainReport) -> None:
    """Walk the keyed chain: every number once, in order, each linked and with its own MAC."""
    expected, prev_mac, prev_good = 1, audit_log.GENESIS, True
    for entry in _stream(connection, select(SEAL).order_by(SEAL.c.seq)):
        if entry.seq != expected:
            report.problems.append(
                f"Entries {expected} to {entry.seq - 1} of the keyed chain are missing: they "
                "were removed.")
        elif entry.prev_mac != prev_mac and prev_good:
            report.problems.append(
                f"Entry {entry.seq} of the keyed chain does not link to entry {entry.seq - 1}: "
                "an entry before it was changed, removed or inserted.")
        prev_good = entry.mac == audit_log.entry_mac(key, entry._mapping)
        if not prev_good:
            report.problems.append(
                f"Entry {entry.seq} of the keyed chain does not match its MAC: it was forged or "
                "changed by someone without the audit key (or the key is not the one it was "
                "written with).")
        expected, prev_mac = entry.seq + 1, entry.mac
        report.head = (entry.seq, entry.mac)


def _check_table(connection: Connection, name: str, limit: int, purged: set[int],
                 report: ChainReport) -> None:
    """Every row of one record table against its seal, and every seal against its row."""
    table, label = audit_log.table_of(name), audit_log.SEALED[name]
    joined = table.outerjoin(SEAL, and_(SEAL.c.record == name, SEAL.c.record_id == table.c.id))
    query = (select(table, SEAL.c.seq.label("seal_seq_"), SEAL.c.digest.label("seal_digest_"))
             .select_from(joined).order_by(table.c.id))
    for row in _stream(connection, query):
        values = {column.name: row._mapping[column.name] for column in table.columns}
        seq = row._mapping["seal_seq_"]
        if seq is None:
            report.problems.append(f"The {label} {values['id']} is not in the keyed chain: it "
                                   "was written around the app.")
        elif seq <= limit:
            report.records += 1
            if row._mapping["seal_digest_"] != audit_log.row_digest(name, values):
                report.problems.append(
                    f"The {label} {values['id']} was changed after it was written: it no longer "
                    f"matches its seal (entry {seq}).")
            elif name == "followup_purge":
                purged.add(values["enrolment_id"])
    gone = (select(SEAL.c.seq, SEAL.c.record_id, SEAL.c.enrolment_id)
            .where(SEAL.c.record == name, SEAL.c.seq <= limit,
                   ~exists().where(table.c.id == SEAL.c.record_id))
            .order_by(SEAL.c.record_id))
    for seal in _stream(connection, gone):
        if name.startswith(FOLLOWUP) and seal.enrolment_id in purged:
            continue  # removed by the retention job, whose purge record is sealed
        why = " and no sealed purge record names its enrolment" if name.startswith(FOLLOWUP) else ""
        report.problems.append(f"The {label} {seal.record_id} sealed in entry {seal.seq} is "
                               f"missing: it was removed{why}.")


def check_records(connection: Connection, report: ChainReport) -> None:
    """Every record row sealed and unchanged, every sealed row present or purged."""
    purged: set[int] = set()
    # Purge records first: they say which follow-up rows were removed by the retention job.
    for name in sorted(audit_log.record_tables(), key=lambda n: n != "followup_purge"):
        _check_table(connection, name, report.head[0], purged, report)


def parse_head(value: str) -> tuple[int, str]:
    """A head as `flask audit head` prints it: the sequence number, a colon and the MAC."""
    seq, _, mac = value.strip().partition(":")
    if not seq.isdigit() or len(mac) != 64 or any(c not in "0123456789abcdef" for c in mac):
        raise click.BadParameter("write it as `flask audit head` printed it: NUMBER:MAC")
    return int(seq), mac


def check_head(connection: Connection, kept: tuple[int, str], report: ChainReport) -> None:
    """Whether the entry a head kept elsewhere names is still in the chain, unchanged."""
    seq, mac = kept
    last = report.head[0]
    if seq > last:
        report.problems.append(
            f"The keyed chain ends at entry {last}, but the head kept names entry {seq}: the "
            "newest entries were cut.")
        return
    stored = connection.scalar(select(SEAL.c.mac).where(SEAL.c.seq == seq)) if seq else None
    if (stored or audit_log.GENESIS) != mac:
        report.problems.append(
            f"Entry {seq} of the keyed chain is not the one the head kept names: the chain was "
            "cut or rewritten since.")


def _key() -> bytes:
    """The audit key of this app's settings, or a clear error naming the setting."""
    try:
        return audit_log.audit_key(current_app.config)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error


@audit_log.commands.command("verify")
@click.option("--head", "kept", metavar="NUMBER:MAC", callback=lambda c, p, v: (
    parse_head(v) if v else None), help="A head printed earlier by `flask audit head`.")
def verify(kept: tuple[int, str] | None) -> None:
    """Check the audit log, the keyed chain and every record it seals; exit 1 on any problem."""
    key, report = _key(), ChainReport()
    with closing(stream_events(db.session)) as events:
        check_chain(events, report)
    connection = db.session.connection()
    check_entries(connection, key, report)
    check_records(connection, report)
    if kept is not None:
        check_head(connection, kept, report)
    db.session.rollback()
    if report.problems:
        for problem in report.problems[:SHOWN_PROBLEMS]:
            click.echo(problem, err=True)
        click.echo(f"The audit chain does not hold: {len(report.problems)} problems found.",
                   err=True)
        sys.exit(1)
    seq, mac = report.head
    click.echo(f"The audit chain holds: {report.events} events checked, {report.records} "
               f"records checked against their seals. The head is {seq}:{mac}; keep it "
               "elsewhere, and check later with --head that no newest entry was cut.")


@audit_log.commands.command("head")
def print_head() -> None:
    """Print the keyed chain's last entry as NUMBER:MAC, to keep outside the database."""
    seq, mac = audit_log.head(db.session.connection())
    db.session.rollback()
    click.echo(f"{seq}:{mac}")
