"""`flask encounters replay`: how saved calls would be triaged under another protocol version.

It reads every saved call's answers in batches (a server-side cursor on PostgreSQL), assesses
them again and compares the disposition with the one stored. It changes no record and prints
ids and dates only, never a name or an answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import String, Text, select, type_coerce

from checker.extensions import db
from checker.nurse.models import Encounter
from rules import (
    AnswerError,
    Protocol,
    ProtocolError,
    find_release,
    load_protocol,
    validate_answers,
)
from rules.engine import evaluate
from rules.partial import compiled_decision

BATCH = 5000
SEEN_MAX = 100_000  # distinct answer texts remembered at once
commands = AppGroup("encounters", help="Look at saved calls as a whole (read only).")


Row = tuple[int, str, str, str]  # (call id, UTC day, stored disposition, disposition now)


@dataclass
class Replay:
    """What a replay found: counts, and the calls that would change, up or down."""

    protocol: Protocol
    calls: int = 0
    unchanged: int = 0
    up: list[Row] = field(default_factory=list)
    down: list[Row] = field(default_factory=list)
    invalid: list[tuple[int, str]] = field(default_factory=list)


def saved_calls() -> Iterator[tuple[int, Any, Any, str]]:
    """(id, start, answers, stored disposition) of every saved call, oldest first, in batches.

    The start and the answers come as the driver gives them (text on SQLite), unconverted: a
    replay decodes the answers itself, once per distinct text, and a start only to show it.
    """
    query = select(
        Encounter.id,
        type_coerce(Encounter.started_at, String),
        type_coerce(Encounter.answers, Text),
        Encounter.engine_disposition,
    ).order_by(Encounter.id)
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    try:
        for batch in result.partitions():
            yield from batch
    finally:
        result.close()


def _day(started: Any) -> str:
    """A stored start as its UTC day: text on SQLite (stored in UTC), a datetime elsewhere."""
    if isinstance(started, datetime):
        return started.astimezone(UTC).strftime("%Y-%m-%d")
    return str(started)[:10]


def _decider(protocol: Protocol) -> Callable[[Any], str | None]:
    """Stored answers (JSON text or decoded) to the disposition now; None if not valid."""
    decide = compiled_decision(protocol)  # complete or partial: generated code
    seen: dict[str, str | None] = {}  # the same answers recur: decide each text once

    def disposition(stored: Any) -> str | None:
        key = stored if isinstance(stored, str) else None
        if key is not None and key in seen:
            return seen[key]
        answers = json.loads(stored) if key is not None else stored
        now: str | None = decide(answers)
        if now is None:  # not valid under this version: the engine says so, or not
            try:
                now = evaluate(protocol, validate_answers(protocol, answers))["disposition"].id
            except AnswerError:
                now = None
        if key is not None:
            if len(seen) >= SEEN_MAX:
                seen.clear()
            seen[key] = now
        return now

    return disposition


def replay(protocol: Protocol, calls: Iterator[tuple[int, Any, Any, str]]) -> Replay:
    """Assess every call again under one protocol and sort the changes by direction."""
    found = Replay(protocol)
    rank = protocol.rank
    disposition = _decider(protocol)
    for encounter_id, started, answers, stored in calls:
        found.calls += 1
        now = disposition(answers)
        if now is None:
            found.invalid.append((encounter_id, _day(started)))
        elif now == stored:
            found.unchanged += 1
        elif stored not in rank or rank[now] < rank[stored]:
            found.up.append((encounter_id, _day(started), stored, now))
        else:
            found.down.append((encounter_id, _day(started), stored, now))
    return found


def _listing(title: str, rows: list[Row], show: int) -> list[str]:
    """One line per changed call: id, date and the two dispositions; names never."""
    lines = [f"{title}: {len(rows):,}"]
    for encounter_id, started, stored, now in rows[:show]:
        lines.append(f"  call {encounter_id}  {started} UTC  {stored} -> {now}")
    if len(rows) > show:
        lines.append(f"  ... and {len(rows) - show:,} more (use --show to list more)")
    return lines


@commands.command("replay")
@click.option(
    "--protocol",
    "source",
    required=True,
    metavar="FILE|VERSION",
    help="a protocol file, or a released version such as 1.1.0",
)
@click.option(
    "--show",
    default=100,
    show_default=True,
    help="how many changed calls to list in each direction",
)
def replay_command(source: str, show: int) -> None:
    """Assess every saved call under another protocol; report what would change."""
    try:
        protocol = find_release(source) or load_protocol(source)
    except ProtocolError as error:
        raise click.ClickException(str(error)) from error
    started = time.perf_counter()
    try:
        found = replay(protocol, saved_calls())
    finally:
        db.session.rollback()  # read only: nothing to keep, and no transaction left open
    seconds = time.perf_counter() - started
    changed = len(found.up) + len(found.down)
    lines = [
        f"Replayed {found.calls:,} saved calls under {protocol.id} {protocol.version} "
        f"(sha256 {protocol.sha256[:12]}) in {seconds:.1f} s: {changed:,} would change "
        f"({len(found.down):,} down, {len(found.up):,} up), {found.unchanged:,} the same, "
        f"{len(found.invalid):,} cannot be assessed under it. No record was changed.",
        *_listing("Less urgent under the new version (review these first)", found.down, show),
        *_listing("More urgent under the new version", found.up, show),
    ]
    if found.invalid:
        ids = ", ".join(str(i) for i, _ in found.invalid[:show])
        lines.append(f"Cannot be assessed (answers this version does not accept): {ids}")
    click.echo("\n".join(lines))
