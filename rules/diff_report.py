"""A protocol difference as text for a terminal, or as Markdown for the clinical sign-off."""

from __future__ import annotations

import json
from typing import Any

from rules.diff import Diff, Move


def _json(value: Any) -> str:
    """One line of JSON, keeping non-ASCII text readable."""
    return json.dumps(value, ensure_ascii=False)


def _moves(moves: list[Move], markdown: bool) -> list[str]:
    """One line per moved disposition pair, with its smallest example."""
    if not moves:
        return ["none" if not markdown else "None."]
    out = []
    for m in moves:
        head = f"{m.old} -> {m.new}: {m.classes:,} answer classes"
        if markdown:
            out.append(
                f"- **{m.old} → {m.new}**: {m.classes:,} answer classes; smallest "
                f"example: `{_json(m.example)}`"
            )
        else:
            out += [f"  {head}", f"    smallest example: {_json(m.example)}"]
    return out


def _items(diff: Diff) -> list[tuple[str, list[str]]]:
    """The sections about questions, advice and call-back sentences, as (title, lines)."""
    advice: list[str] = [f"added: {a}" for a in diff.advice_added]
    advice += [f"removed: {a}" for a in diff.advice_removed]
    for advice_id, before, after in diff.advice_reworded:
        advice.append(f"reworded: {advice_id}: {before!r} -> {after!r}")
    for c in diff.advice_moved:
        line = f"given in other places: {c.id}: `{c.old_when}` -> `{c.new_when}`"
        if c.appears:
            line += f"; now given in {c.appears:,} more classes, e.g. {_json(c.appears_example)}"
        if c.disappears:
            line += (
                f"; no longer given in {c.disappears:,} classes, e.g. {_json(c.disappears_example)}"
            )
        advice.append(line)
    call_back = [f"removed ({where}): {text!r}" for text, where in diff.call_back_removed]
    call_back += [f"added ({where}): {text!r}" for text, where in diff.call_back_added]
    questions = [f"added: {q}" for q in diff.questions_added]
    questions += [f"removed: {q}" for q in diff.questions_removed]
    return [
        ("Questions", questions),
        ("Advice", advice),
        ("Call-back sentences", call_back),
    ]


def render(diff: Diff, markdown: bool = False) -> str:
    """The whole difference; any class that moves down is printed first."""
    old, new = diff.old, diff.new
    moved = sum(m.classes for m in diff.down + diff.up)
    summary = (
        f"{diff.classes:,} classes of complete answer sets (the thresholds of both versions), "
        f"all checked: {moved:,} change disposition, {sum(m.classes for m in diff.down):,} "
        "of them to a less urgent one."
    )
    if markdown:
        out = [
            f"# Protocol change: {old.id} {old.version} → {new.version}",
            "",
            f"- Old: {old.version} (sha256 `{old.sha256}`)",
            f"- New: {new.version} (sha256 `{new.sha256}`)",
            "",
            summary,
            "",
            "## Dispositions that move DOWN (less urgent)",
            "",
            *_moves(diff.down, True),
            "",
            "## Dispositions that move up (more urgent)",
            "",
            *_moves(diff.up, True),
        ]
        for title, lines in _items(diff):
            out += ["", f"## {title}", "", *([f"- {x}" for x in lines] or ["No change."])]
        out += [
            "",
            "## Sign-off",
            "",
            "| reviewer | role | date | decision |",
            "|---|---|---|---|",
            "|  |  |  |  |",
            "",
        ]
        return "\n".join(out)
    out = [
        f"Protocol {old.id}: {old.version} ({old.sha256[:12]}) -> {new.version} "
        f"({new.sha256[:12]})",
        summary,
        "",
        "Dispositions that move DOWN (less urgent):",
        *_moves(diff.down, False),
        "Dispositions that move up (more urgent):",
        *_moves(diff.up, False),
    ]
    for title, lines in _items(diff):
        out += [f"{title}:", *([f"  {x}" for x in lines] or ["  no change"])]
    return "\n".join(out) + "\n"
