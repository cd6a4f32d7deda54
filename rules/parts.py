"""Parsing the parts of a protocol file: questions, dispositions and the call-back list."""

from __future__ import annotations

from typing import Any

from rules.conditions import Condition
from rules.errors import SchemaError
from rules.model import (
    CHOICE,
    INTEGER,
    QUESTION_TYPES,
    TEMPERATURE,
    YES_NO,
    CallBackItem,
    Choice,
    Disposition,
    Question,
    Rule,
)
from rules.reader import YES_NO_WORDS, Reader, Table
from rules.texts import call_back_text
from rules.typer import ConditionTyper

TONES = ("emergency", "urgent", "soon", "home")
CALLS = ("emergency", "doctor_now", "office", "")
# Whom the person must call at once: by default such a result alerts the follow-up worklist.
CALLS_NOW = ("emergency", "doctor_now")


def disposition(reader: Reader, item: str, entry: Table, rank: int) -> Disposition:
    """One disposition, with its look and its call-back action."""
    reader.table(
        entry,
        item,
        {"id", "headline"},
        {"detail", "only_advice", "call_back", "call_back_action", "tone", "calls", "alerts"},
    )
    only = entry.get("only_advice")
    if only is not None and (
        not isinstance(only, list) or not all(isinstance(a, str) for a in only)
    ):
        reader.fail(SchemaError, item, "only_advice", "must be a list of advice ids")
    for key in ("call_back", "alerts"):
        if not isinstance(entry.get(key, True), bool):
            reader.fail(SchemaError, item, key, "must be true or false")
    reader.translated(
        "disposition", str(entry["id"]), entry, ("headline", "detail", "call_back_action")
    )
    for key, allowed in (("tone", TONES), ("calls", CALLS)):
        if key in entry and entry[key] not in allowed:
            shown = ", ".join(repr(a) for a in allowed)
            reader.fail(SchemaError, item, key, f"must be one of {shown}")
    return Disposition(
        reader.ident(entry, item),
        rank,
        reader.text(entry, item, "headline"),
        reader.text(entry, item, "detail", ""),
        None if only is None else tuple(only),
        entry.get("call_back", True),
        reader.text(entry, item, "call_back_action", ""),
        entry.get("tone", ""),
        entry.get("calls", ""),
        entry.get("alerts", entry.get("calls", "") in CALLS_NOW),
    )


def call_back_items(
    reader: Reader, table: Table, dispositions: list[Disposition], rules: list[Rule]
) -> tuple[CallBackItem, ...]:
    """The call-back list: built from the rules (1.1), or free sentences (1.0)."""
    if table.get("from_rules") is True:
        if "items" in table:
            reader.fail(SchemaError, "call_back", "items", "give items or from_rules, not both")
        items = []
        for d in dispositions:
            own = [r for r in rules if r.disposition == d.id]
            if own and not d.call_back_action:
                reader.fail(
                    SchemaError,
                    f"disposition {d.id}",
                    "call_back_action",
                    "is required when the call-back list is built from the rules",
                )
            for rule in own:
                if not rule.sign:
                    reader.fail(
                        SchemaError,
                        f"rule {rule.id}",
                        "sign",
                        "is required when the call-back list is built from the rules",
                    )
                text = call_back_text(d.call_back_action, rule.sign)
                items.append(CallBackItem(text, d.id, (rule.id,)))
        return tuple(items)
    if "from_rules" in table:
        reader.fail(SchemaError, "call_back", "from_rules", "must be true, or left out")
    raw = table.get("items")
    if not isinstance(raw, list) or not raw:
        reader.fail(SchemaError, "call_back", "items", "must be a non-empty list of sentences")
    return tuple(CallBackItem(reader.text({"items": t}, "call_back", "items")) for t in raw)


QUESTION_FIELDS = {
    "hint", "min", "max", "choices", "severe", "asked_when", "context", "charted",
    "min_celsius", "max_celsius", "note", "history",
}
# The fields that shape an answer, by question type: each type takes its own and no other.
ANSWER_FIELDS = {
    YES_NO: {"severe"},
    INTEGER: {"min", "max"},
    CHOICE: {"choices"},
    TEMPERATURE: {"min_celsius", "max_celsius"},
}


def question(
    reader: Reader, data: Table, groups: set[str], earlier: dict[str, Question]
) -> Question:
    """One question, with its choices or range."""
    item = f"question {data.get('id', '?')}"
    reader.table(data, item, {"id", "group", "type", "text"}, QUESTION_FIELDS)
    qid = reader.ident(data, item)
    reader.translated("question", qid, data, ("text", "hint", "choices"))
    kind = data["type"]
    if kind not in QUESTION_TYPES:
        reader.fail(SchemaError, item, "type", f"must be one of {', '.join(QUESTION_TYPES)}")
    if data["group"] not in groups:
        reader.fail(SchemaError, item, "group", f"no group '{data['group']}'")
    fields: dict[str, Any] = {
        "id": qid,
        "group": data["group"],
        "type": kind,
        "text": reader.text(data, item, "text"),
        "hint": reader.text(data, item, "hint", ""),
        "note": reader.text(data, item, "note", ""),
        **_roles(reader, data, item, kind),
        **_answer_shape(reader, data, item, kind),
    }
    if "asked_when" in data:
        fields["asked_when"] = _guard(reader, data, item, earlier)
    return Question(**fields)


def _flag(reader: Reader, data: Table, item: str, key: str) -> bool:
    """An optional true/false field, false when left out."""
    value = data.get(key, False)
    if not isinstance(value, bool):
        reader.fail(SchemaError, item, key, "must be true or false")
    return value


def _roles(reader: Reader, data: Table, item: str, kind: str) -> dict[str, bool]:
    """What the app does with the question: the day count, the chart, asked once (history)."""
    roles = {}
    for key in ("context", "charted"):
        roles[key] = _flag(reader, data, item, key)
        if roles[key] and kind != INTEGER:
            reader.fail(SchemaError, item, key, "applies to a whole-number question only")
    roles["history"] = _flag(reader, data, item, "history")
    if roles["history"] and roles["context"]:
        reader.fail(SchemaError, item, "history", "a context question is not")
    return roles


def _answer_shape(reader: Reader, data: Table, item: str, kind: str) -> dict[str, Any]:
    """What an answer may be: the severe yes/no, the range, or the choices."""
    extra = set().union(*ANSWER_FIELDS.values()) - ANSWER_FIELDS[kind]
    for key in sorted(extra & data.keys()):
        reader.fail(SchemaError, item, key, f"does not apply to a {kind} question")
    if kind == YES_NO:
        severe = data.get("severe", "yes")
        if severe not in YES_NO_WORDS:
            reader.fail(SchemaError, item, "severe", "must be yes or no")
        return {"severe_answer": YES_NO_WORDS[severe]}
    if kind in (INTEGER, TEMPERATURE):
        return _range(reader, data, item, kind)
    return {"choices": _choices(reader, data.get("choices"), item)}


def _range(reader: Reader, data: Table, item: str, kind: str) -> dict[str, Any]:
    """The lowest and highest answer of a whole-number or temperature question."""
    low_key, high_key = ("min", "max") if kind == INTEGER else ("min_celsius", "max_celsius")
    number = int if kind == INTEGER else (int, float)
    low: Any = data.get(low_key)
    high: Any = data.get(high_key)
    for key, value in ((low_key, low), (high_key, high)):
        if not isinstance(value, number) or isinstance(value, bool):
            reader.fail(SchemaError, item, key, "is required and must be a number")
    if low >= high:
        reader.fail(SchemaError, item, high_key, "must be greater than the minimum")
    return {"minimum": low, "maximum": high}


def _guard(reader: Reader, data: Table, item: str, earlier: dict[str, Question]) -> Condition:
    """The condition under which the question is asked, reading only questions always asked."""
    typer = ConditionTyper(reader, earlier, [])
    guard = typer.condition(data["asked_when"], item, "asked_when", False)
    if any(earlier[name].asked_when is not None for name in guard.names):
        reader.fail(SchemaError, item, "asked_when", "may only read questions always asked")
    return guard


def _choices(reader: Reader, raw: Any, item: str) -> tuple[Choice, ...]:
    """The choices of a question, least severe first."""
    if not isinstance(raw, list) or len(raw) < 2:
        reader.fail(SchemaError, item, "choices", "needs at least two choices")
    explicit = ["severity" in c for c in raw if isinstance(c, dict)]
    if any(explicit) and not all(explicit):
        reader.fail(SchemaError, item, "choices", "give a severity to every choice or to none")
    choices = []
    for index, entry in enumerate(raw):
        reader.table(entry, item, {"id", "text"}, {"severity"})
        severity = entry.get("severity", index)
        if not isinstance(severity, int) or isinstance(severity, bool) or severity < 0:
            reader.fail(SchemaError, item, "choices", "a severity is a whole number, 0 or more")
        choices.append(
            Choice(reader.ident(entry, item), reader.text(entry, item, "text"), severity)
        )
    reader.unique(f"{item} choice", [c.id for c in choices])
    return tuple(choices)
