"""Loading a protocol file: every field checked, one typed error for the first problem."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from rules import parts
from rules.errors import DuplicateIdError, SchemaError
from rules.model import INTEGER, Advice, Group, Protocol, Question, Rule
from rules.placeholders import expand_protocol
from rules.reader import Reader, Table
from rules.typer import DECIDED, DISPOSITION, RESULT_NAMES, ConditionTyper

__all__ = [
    "DECIDED",
    "DISPOSITION",
    "PROTOCOLS",
    "RESULT_NAMES",
    "find_release",
    "load_protocol",
    "parse_protocol",
    "released",
]

# Every released version is kept here as `<version>.toml`; the newest is served.
PROTOCOLS = Path(__file__).with_name("protocols")


Item = TypeVar("Item", Group, Rule, Advice)


def _items(
    reader: Reader,
    data: Table,
    kind: str,
    fields: tuple[set[str], set[str]],
    texts: tuple[str, ...],
    build: Callable[[str, Table, str], Item],
) -> list[Item]:
    """Every `[[kind]]` entry: its fields checked, its translations read, built, ids unique."""
    required, optional = fields
    items = []
    for item, entry in reader.entries(data, kind, kind):
        reader.table(entry, item, required, optional)
        ident = reader.ident(entry, item)
        reader.translated(kind, ident, entry, texts)
        items.append(build(item, entry, ident))
    reader.unique(kind, [i.id for i in items])
    return items


def _groups(reader: Reader, data: Table) -> list[Group]:
    """The titled groups questions are shown in."""

    def group(item: str, entry: Table, ident: str) -> Group:
        return Group(ident, reader.text(entry, item, "title"), reader.text(entry, item, "hint", ""))

    return _items(reader, data, "group", ({"id", "title"}, {"hint"}), ("title", "hint"), group)


def _rules(
    reader: Reader, data: Table, typer: ConditionTyper, sources: dict[str, Table]
) -> list[Rule]:
    """The rules, each with a known disposition, a typed condition and a source."""

    def rule(item: str, entry: Table, ident: str) -> Rule:
        if entry["disposition"] not in typer.dispositions:
            reader.fail(
                SchemaError, item, "disposition", f"no disposition '{entry['disposition']}'"
            )
        return Rule(
            ident,
            entry["disposition"],
            typer.condition(entry["when"], item, "when", False),
            reader.text(entry, item, "explain"),
            reader.source(entry, item, sources),
            reader.text(entry, item, "sign", ""),
        )

    fields = ({"id", "disposition", "when", "explain"}, {"source", "sign"})
    return _items(reader, data, "rule", fields, ("explain", "sign"), rule)


def _advice(
    reader: Reader, data: Table, typer: ConditionTyper, sources: dict[str, Table]
) -> list[Advice]:
    """The advice items, in the order they are shown."""

    def advice(item: str, entry: Table, ident: str) -> Advice:
        return Advice(
            ident,
            typer.condition(entry["when"], item, "when", True),
            reader.text(entry, item, "text"),
            reader.source(entry, item, sources),
            reader.text(entry, item, "note", ""),
        )

    fields = ({"id", "when", "text"}, {"source", "note"})
    return _items(reader, data, "advice", fields, ("text",), advice)


def _roles(
    reader: Reader, questions: dict[str, Question], charted_given: bool
) -> dict[str, Question]:
    """The questions the app gives a role: the day count (`context`) and the charted one.

    At most one question is each. A file that marks no question `charted` charts its first
    whole-number question that is not context (every release before `charted` existed).
    """
    for key, marked in (
        ("context", [q for q in questions.values() if q.context]),
        ("charted", [q for q in questions.values() if q.charted]),
    ):
        if len(marked) > 1:
            reader.fail(SchemaError, f"question {marked[1].id}", key, "is set on two questions")
    both = [q for q in questions.values() if q.context and q.charted]
    if both:
        reader.fail(SchemaError, f"question {both[0].id}", "charted", "a context question is not")
    if charted_given:
        return questions
    first = next(
        (q for q in questions.values() if q.type == INTEGER and not q.context), None
    )
    if first is not None:
        questions[first.id] = replace(first, charted=True)
    return questions


def parse_protocol(content: bytes, file: str = "<protocol>") -> Protocol:
    """Build a validated protocol from the bytes of a protocol file, placeholders expanded."""
    return expand_protocol(_parse(content, file))


def _parse(content: bytes, file: str) -> Protocol:
    """The validated protocol with its texts as written."""
    reader = Reader(file)
    try:
        data: Table = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reader.fail(SchemaError, "file", "-", f"not valid TOML: {exc}")
    reader.table(
        data,
        "file",
        {"protocol", "sources", "disposition", "question", "rule", "advice", "call_back"},
        {"group"},
    )
    head = data["protocol"]
    reader.languages = _languages(reader, head)
    reader.table(
        head, "protocol", {"id", "version", "title"}, {"language", "translated", "reviewed"}
    )
    reader.translated("protocol", "protocol", head, ("title",))
    sources = reader.sources(data)
    groups = _groups(reader, data)

    dispositions = [
        parts.disposition(reader, item, entry, rank)
        for rank, (item, entry) in enumerate(reader.entries(data, "disposition", "disposition"))
    ]
    if len(dispositions) < 2:
        reader.fail(SchemaError, "disposition", "-", "at least two dispositions are required")
    reader.unique("disposition", [d.id for d in dispositions])

    questions: dict[str, Question] = {}
    for entry in reader.array(data, "question"):
        if not isinstance(entry, dict):
            reader.fail(SchemaError, "question", "-", "must be a table")
        question = parts.question(reader, entry, {g.id for g in groups}, dict(questions))
        if question.id in questions or question.id in RESULT_NAMES:
            reader.fail(DuplicateIdError, f"question {question.id}", "id", "is used twice")
        questions[question.id] = question
    charted = any(isinstance(e, dict) and "charted" in e for e in reader.array(data, "question"))
    questions = _roles(reader, questions, charted)
    typer = ConditionTyper(reader, questions, [d.id for d in dispositions])

    rules = _rules(reader, data, typer, sources)
    advice = _advice(reader, data, typer, sources)
    advice_ids = [a.id for a in advice]
    for d in dispositions:
        for advice_id in d.only_advice or ():
            if advice_id not in advice_ids:
                reader.fail(
                    SchemaError, f"disposition {d.id}", "only_advice", f"no advice '{advice_id}'"
                )

    call_back = reader.table(
        data["call_back"], "call_back", set(), {"items", "from_rules", "source"}
    )
    return Protocol(
        id=_protocol_id(reader, head),
        version=reader.text(head, "protocol", "version"),
        title=reader.text(head, "protocol", "title"),
        language=reader.text(head, "protocol", "language", "en"),
        sha256=hashlib.sha256(content).hexdigest(),
        file=file,
        sources=sources,
        groups=tuple(groups),
        questions=tuple(questions.values()),
        dispositions=tuple(dispositions),
        rules=tuple(rules),
        advice=tuple(advice),
        call_back_items=parts.call_back_items(reader, call_back, dispositions, rules),
        call_back_source=reader.source(call_back, "call_back", sources),
        translated=reader.languages,
        reviewed=_reviewed(reader, head),
        translations=reader.translations,
    )


def _languages(reader: Reader, head: Any) -> tuple[str, ...]:
    """The languages the file translates its texts into: two-letter codes."""
    if not isinstance(head, dict):
        reader.fail(SchemaError, "protocol", "-", "must be a table")
    value = head.get("translated", [])
    if not isinstance(value, list) or not all(
        isinstance(code, str) and re.fullmatch(r"[a-z]{2}", code) for code in value
    ):
        reader.fail(SchemaError, "protocol", "translated", "must be a list of language codes")
    if head.get("language", "en") in value:
        reader.fail(SchemaError, "protocol", "translated", "lists the file's own language")
    return tuple(value)


def _reviewed(reader: Reader, head: Table) -> tuple[str, ...]:
    """The languages a clinical reviewer has signed off, among the file's own and translated."""
    value = head.get("reviewed", [head.get("language", "en")])
    known = (head.get("language", "en"), *reader.languages)
    if not isinstance(value, list) or not all(code in known for code in value):
        reader.fail(SchemaError, "protocol", "reviewed", f"must list languages among {known}")
    return tuple(value)


def _protocol_id(reader: Reader, head: Table) -> str:
    """The protocol's id: lowercase words joined by hyphens."""
    value: Any = head.get("id")
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        reader.fail(SchemaError, "protocol", "id", f"{value!r} is not a valid protocol id")
    return value


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Load and validate a protocol file; the newest released one when no path is given."""
    if path is None:
        return released()[-1]
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SchemaError(path.name, "file", "-", f"cannot be read: {exc.strerror}") from exc
    return parse_protocol(content, path.name)


def _version_key(version: str) -> tuple[int, ...]:
    """A version such as 1.10.0 as numbers, so that 1.10.0 sorts after 1.9.0."""
    return tuple(int(part) for part in version.split("."))


@lru_cache(maxsize=1)
def released() -> tuple[Protocol, ...]:
    """Every released protocol, oldest first, each read once per process."""
    protocols = []
    for path in PROTOCOLS.glob("*.toml"):
        protocol = parse_protocol(path.read_bytes(), path.name)
        if path.stem != protocol.version or not re.fullmatch(r"[0-9]+(\.[0-9]+)*", path.stem):
            raise SchemaError(path.name, "protocol", "version", "must match the file's name")
        protocols.append(protocol)
    if not protocols:
        raise SchemaError(str(PROTOCOLS.name), "file", "-", "no released protocol")
    return tuple(sorted(protocols, key=lambda p: _version_key(p.version)))


def find_release(version: str, sha256: str | None = None) -> Protocol | None:
    """The released protocol with this version (and file hash, when given), if kept."""
    for protocol in released():
        if protocol.version == version and sha256 in (None, protocol.sha256):
            return protocol
    return None
