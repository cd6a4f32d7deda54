"""A protocol difference as text for a terminal, or as Markdown for the clinical sign-off."""

from __future__ import annotations

import json
from typing import Any

from rules.diff import Diff, Move
from rules.diff_texts import TextChange
from rules.table import sign_off


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


def _arrow(markdown: bool) -> str:
    """The arrow between a before and an after."""
    return " → " if markdown else " -> "


def _quoted(text: str, markdown: bool) -> str:
    """A text quoted for a line of the report."""
    return f"“{text}”" if markdown else repr(text)


def _change(change: TextChange, markdown: bool) -> str:
    """One text reworded, added or removed: where, then old -> new."""
    arrow = _arrow(markdown)
    if not change.old:
        return f"{change.where}: added {_quoted(change.new, markdown)}"
    if not change.new:
        return f"{change.where}: removed {_quoted(change.old, markdown)}"
    return f"{change.where}: {_quoted(change.old, markdown)}{arrow}{_quoted(change.new, markdown)}"


def _rules(diff: Diff, markdown: bool) -> list[str]:
    """Each rule added, removed, or with another condition or disposition."""
    arrow = _arrow(markdown)
    out = []
    for c in diff.rules_changed:
        if not c.old_when:
            out.append(f"added: {c.id} ({c.new_disposition}): `{c.new_when}`")
        elif not c.new_when:
            out.append(f"removed: {c.id} ({c.old_disposition}): `{c.old_when}`")
        else:
            line = f"changed: {c.id}: `{c.old_when}`{arrow}`{c.new_when}`"
            if c.old_disposition != c.new_disposition:
                line += f"; disposition {c.old_disposition}{arrow}{c.new_disposition}"
            out.append(line)
    return out


def _advice(diff: Diff, markdown: bool) -> list[str]:
    """Each advice item added, removed, with another condition, or given in other places."""
    arrow = _arrow(markdown)
    advice: list[str] = [f"added: {a}" for a in diff.advice_added]
    advice += [f"removed: {a}" for a in diff.advice_removed]
    for advice_id, before, after in diff.advice_conditions:
        advice.append(f"condition: {advice_id}: `{before}`{arrow}`{after}`")
    for c in diff.advice_moved:
        line = f"given in other places: {c.id}: `{c.old_when}` -> `{c.new_when}`"
        if c.appears:
            line += f"; now given in {c.appears:,} more classes, e.g. {_json(c.appears_example)}"
        if c.disappears:
            line += (
                f"; no longer given in {c.disappears:,} classes, e.g. {_json(c.disappears_example)}"
            )
        advice.append(line)
    return advice


def _call_back(diff: Diff, markdown: bool) -> list[str]:
    """Each call-back sentence reworded, removed or added, with where it comes from."""
    call_back = [_change(c, markdown) for c in diff.call_back_changed]
    call_back += [
        f"removed ({where}): {_quoted(text, markdown)}" for text, where in diff.call_back_removed
    ]
    call_back += [
        f"added ({where}): {_quoted(text, markdown)}" for text, where in diff.call_back_added
    ]
    return call_back


def _items(diff: Diff, markdown: bool) -> list[tuple[str, list[str]]]:
    """The sections about rules, questions, advice, texts and call-back sentences."""
    texts = list(diff.languages_changed)
    texts += [_change(c, markdown) for c in diff.texts_changed]
    questions = [f"added: {q}" for q in diff.questions_added]
    questions += [f"removed: {q}" for q in diff.questions_removed]
    return [
        ("Rules", _rules(diff, markdown)),
        ("Questions", questions),
        ("Advice", _advice(diff, markdown)),
        ("Texts", texts),
        ("Call-back sentences", _call_back(diff, markdown)),
    ]


def _summary(diff: Diff) -> str:
    """How many classes were checked, and how many change disposition or move down."""
    moved = sum(m.classes for m in diff.down + diff.up)
    return (
        f"{diff.classes:,} classes of complete answer sets (the thresholds of both versions), "
        f"all checked: {moved:,} change disposition, {sum(m.classes for m in diff.down):,} "
        "of them to a less urgent one."
    )


def _markdown(diff: Diff) -> str:
    """The difference as Markdown, for the clinical sign-off."""
    old, new = diff.old, diff.new
    out = [
        f"# Protocol change: {old.id} {old.version} → {new.version}",
        "",
        f"- Old: {old.version} (sha256 `{old.sha256}`)",
        f"- New: {new.version} (sha256 `{new.sha256}`)",
        "",
        _summary(diff),
        "",
        "## Dispositions that move DOWN (less urgent)",
        "",
        *_moves(diff.down, True),
        "",
        "## Dispositions that move up (more urgent)",
        "",
        *_moves(diff.up, True),
    ]
    for title, lines in _items(diff, True):
        out += ["", f"## {title}", "", *([f"- {x}" for x in lines] or ["No change."])]
    return "\n".join(out + sign_off())


def _text(diff: Diff) -> str:
    """The difference as plain text, for a terminal."""
    old, new = diff.old, diff.new
    out = [
        f"Protocol {old.id}: {old.version} ({old.sha256[:12]}) -> {new.version} "
        f"({new.sha256[:12]})",
        _summary(diff),
        "",
        "Dispositions that move DOWN (less urgent):",
        *_moves(diff.down, False),
        "Dispositions that move up (more urgent):",
        *_moves(diff.up, False),
    ]
    for title, lines in _items(diff, False):
        out += [f"{title}:", *([f"  {x}" for x in lines] or ["  no change"])]
    return "\n".join(out) + "\n"


def render(diff: Diff, markdown: bool = False) -> str:
    """The whole difference; any class that moves down is printed first."""
    return _markdown(diff) if markdown else _text(diff)
