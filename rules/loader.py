"""Loading a protocol file: every field checked, one typed error for the first problem."""

from __future__ import annotations

import hashlib
import re
import tomllib
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from rules import conditions
from rules.conditions import Atom, Condition, ConditionSyntaxError, RawAtom
from rules.errors import (
    BadOperatorError,
    DuplicateIdError,
    ImpossibleValueError,
    MissingSourceError,
    SchemaError,
    UnknownQuestionError,
)
from rules.model import (
    CHOICE,
    INTEGER,
    QUESTION_TYPES,
    TEMPERATURE,
    YES_NO,
    Advice,
    Choice,
    Disposition,
    Group,
    Protocol,
    Question,
    Rule,
)

DEFAULT_PROTOCOL = Path(__file__).with_name("protocol.toml")
DISPOSITION = "disposition"  # advice conditions may read the disposition like an answer
PLACEHOLDERS = frozenset({"emergency_number"})
_ID = re.compile(r"^[a-z][a-z0-9_]*$|^[A-Z][A-Z0-9_]*[0-9]$")
_YES_NO = {"yes": True, "no": False}


class _Reader:
    """Reads one protocol file, naming the file, item and field in every error."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, kind: type[SchemaError] | type, item: str, field: str, message: str):
        """Raise an error of the given kind for this file."""
        raise kind(self.file, item, field, message)

    def table(self, data: Any, item: str, required: set[str], optional: set[str]) -> dict:
        """Check that a table has the required keys and no unknown ones."""
        if not isinstance(data, dict):
            self.fail(SchemaError, item, "-", "must be a table")
        for key in sorted(required - data.keys()):
            self.fail(SchemaError, item, key, "is required")
        for key in sorted(data.keys() - required - optional):
            self.fail(SchemaError, item, key, "is not a known field")
        return data

    def text(self, data: dict, item: str, key: str, default: str | None = None) -> str:
        """A non-empty string field with only known placeholders."""
        value = data.get(key, default)
        if not isinstance(value, str) or (not value.strip() and default is None):
            self.fail(SchemaError, item, key, "must be a non-empty string")
        for name in re.findall(r"\{([^{}]*)\}", value):
            if name not in PLACEHOLDERS:
                self.fail(SchemaError, item, key, f"unknown placeholder {{{name}}}")
        return value

    def ident(self, data: dict, item: str, key: str = "id") -> str:
        """An id: lower_snake_case, or a rule code such as E1."""
        value = data.get(key)
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(SchemaError, item, key, f"{value!r} is not a valid id")
        return value

    def array(self, data: Any, key: str) -> list:
        """An array of tables (possibly empty)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(SchemaError, key, "-", "must be an array of tables")
        return value


def _unique(reader: _Reader, kind: str, ids: list[str]) -> None:
    """Reject the first id that appears twice."""
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            reader.fail(DuplicateIdError, f"{kind} {item_id}", "id", "is used twice")
        seen.add(item_id)


def _number(text: str) -> Decimal | None:
    """A plain decimal literal, or None."""
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _satisfiable(op: str, value: Decimal, values: list[Decimal]) -> bool:
    """Whether some allowed value meets the comparison."""
    return any(conditions.OPERATORS[op](v, value) for v in values)


class _ConditionTyper:
    """Types raw condition atoms against the protocol's questions."""

    def __init__(
        self, reader: _Reader, questions: dict[str, Question], dispositions: list[str]
    ) -> None:
        self.reader = reader
        self.questions = questions
        self.dispositions = dispositions

    def condition(self, text: Any, item: str, field: str, allow_disposition: bool) -> Condition:
        """Parse and type one condition."""
        if not isinstance(text, str):
            self.reader.fail(SchemaError, item, field, "must be a condition written as text")
        try:
            raw = conditions.parse(text)
        except ConditionSyntaxError as exc:
            self.reader.fail(BadOperatorError, item, field, str(exc))
        disjuncts = tuple(
            tuple(self.atom(a, item, field, allow_disposition) for a in conj) for conj in raw
        )
        return Condition(text.strip(), disjuncts)

    def atom(self, raw: RawAtom, item: str, field: str, allow_disposition: bool) -> Atom:
        """Type one comparison, rejecting unknown names, bad operators and impossible values."""
        fail = self.reader.fail
        shown = f"{raw.name} {raw.op}" + ("" if raw.value is None else f" {raw.value}")
        if raw.name == DISPOSITION and allow_disposition:
            if raw.op not in ("=", "!="):
                fail(BadOperatorError, item, field, f"{shown}: use = or != with the disposition")
            if raw.value not in self.dispositions:
                fail(ImpossibleValueError, item, field, f"{shown}: no such disposition")
            return Atom(raw.name, raw.op, raw.value, shown)
        question = self.questions.get(raw.name)
        if question is None:
            fail(UnknownQuestionError, item, field, f"{shown}: no question '{raw.name}'")
        equality = raw.op in ("=", "!=")
        if raw.op == conditions.NOT_MEASURED:
            if question.type != TEMPERATURE:
                fail(
                    BadOperatorError, item, field, f"{shown}: only a temperature can be unmeasured"
                )
            value: Any = None
        elif question.type == YES_NO:
            if not equality:
                fail(BadOperatorError, item, field, f"{shown}: use = or != with a yes/no question")
            if raw.value not in _YES_NO:
                fail(ImpossibleValueError, item, field, f"{shown}: the answer is yes or no")
            value = _YES_NO[raw.value]
        elif question.type == CHOICE:
            if not equality:
                fail(BadOperatorError, item, field, f"{shown}: use = or != with a choice")
            if question.choice(raw.value) is None:
                ids = ", ".join(c.id for c in question.choices)
                fail(ImpossibleValueError, item, field, f"{shown}: the choices are {ids}")
            value = raw.value
        else:
            value = self._numeric(question, raw, shown, item, field)
        guard = question.asked_when
        return Atom(raw.name, raw.op, value, shown, guard)

    def _numeric(self, question: Question, raw: RawAtom, shown: str, item: str, field: str):
        """Type a comparison with a whole number or a temperature."""
        fail = self.reader.fail
        number = _number(raw.value or "")
        if number is None:
            fail(ImpossibleValueError, item, field, f"{shown}: {raw.value!r} is not a number")
        if question.type == INTEGER:
            if number != number.to_integral_value():
                fail(ImpossibleValueError, item, field, f"{shown}: answers are whole numbers")
            allowed = [Decimal(v) for v in range(int(question.minimum), int(question.maximum) + 1)]
            typed: Any = int(number)
        else:
            if raw.op in ("=", "!="):
                fail(
                    BadOperatorError,
                    item,
                    field,
                    f"{shown}: compare a temperature with >, >=, < or <=",
                )
            if number.as_tuple().exponent < -1:
                fail(ImpossibleValueError, item, field, f"{shown}: use one decimal (°C)")
            low, high = Decimal(str(question.minimum)), Decimal(str(question.maximum))
            allowed = [low + Decimal("0.1") * i for i in range(int((high - low) * 10) + 1)]
            typed = float(number)
        if not _satisfiable(raw.op, number, allowed):
            fail(
                ImpossibleValueError,
                item,
                field,
                f"{shown}: no answer from {question.minimum} to {question.maximum} can meet it",
            )
        return typed


def _source(reader: _Reader, data: dict, item: str, sources: dict[str, dict]) -> str:
    """A source naming known references, and a known section of S."""
    value = data.get("source")
    if not isinstance(value, str) or not value.strip():
        reader.fail(MissingSourceError, item, "source", "every rule and advice item needs a source")
    for part in value.split(";"):
        words = part.strip()
        key = words.split(" ", 1)[0]
        if key not in sources:
            known = ", ".join(sources)
            reader.fail(MissingSourceError, item, "source", f"{words!r} names no source ({known})")
        sections = sources[key].get("sections")
        if sections:
            rest = words[len(key) :].strip()
            if not any(rest == s or rest.startswith(s + " (") for s in sections):
                reader.fail(
                    MissingSourceError,
                    item,
                    "source",
                    f"{words!r}: name a section of {key}: {', '.join(sections)}",
                )
    return value.strip()


def _sources(reader: _Reader, data: dict) -> dict[str, dict]:
    """The table of references that sources may name."""
    table = data.get("sources")
    if not isinstance(table, dict) or not table:
        reader.fail(SchemaError, "sources", "-", "at least one source is required")
    for key, entry in table.items():
        reader.table(entry, f"source {key}", {"title"}, {"sections"})
        sections = entry.get("sections", [])
        if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
            reader.fail(SchemaError, f"source {key}", "sections", "must be a list of names")
    return table


def _question(reader: _Reader, data: dict, groups: set[str], earlier: dict) -> Question:
    """One question, with its choices or range."""
    item = f"question {data.get('id', '?')}"
    reader.table(
        data,
        item,
        {"id", "group", "type", "text"},
        {
            "hint",
            "min",
            "max",
            "choices",
            "severe",
            "asked_when",
            "context",
            "min_celsius",
            "max_celsius",
        },
    )
    qid = reader.ident(data, item)
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
        "context": bool(data.get("context", False)),
    }
    expected = {
        YES_NO: {"severe"},
        INTEGER: {"min", "max"},
        CHOICE: {"choices"},
        TEMPERATURE: {"min_celsius", "max_celsius"},
    }[kind]
    extra = {"min", "max", "choices", "severe", "min_celsius", "max_celsius"} - expected
    for key in sorted(extra & data.keys()):
        reader.fail(SchemaError, item, key, f"does not apply to a {kind} question")
    if kind == YES_NO:
        severe = data.get("severe", "yes")
        if severe not in _YES_NO:
            reader.fail(SchemaError, item, "severe", "must be yes or no")
        fields["severe_answer"] = _YES_NO[severe]
    elif kind in (INTEGER, TEMPERATURE):
        low_key, high_key = ("min", "max") if kind == INTEGER else ("min_celsius", "max_celsius")
        number = int if kind == INTEGER else (int, float)
        low, high = data.get(low_key), data.get(high_key)
        for key, value in ((low_key, low), (high_key, high)):
            if not isinstance(value, number) or isinstance(value, bool):
                reader.fail(SchemaError, item, key, "is required and must be a number")
        if low >= high:
            reader.fail(SchemaError, item, high_key, "must be greater than the minimum")
        fields["minimum"], fields["maximum"] = low, high
    else:
        fields["choices"] = _choices(reader, data.get("choices"), item)
    if "asked_when" in data:
        typer = _ConditionTyper(reader, earlier, [])
        guard = typer.condition(data["asked_when"], item, "asked_when", False)
        if any(earlier[name].asked_when is not None for name in guard.names):
            reader.fail(SchemaError, item, "asked_when", "may only read questions always asked")
        fields["asked_when"] = guard
    return Question(**fields)


def _choices(reader: _Reader, raw: Any, item: str) -> tuple[Choice, ...]:
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
    _unique(reader, f"{item} choice", [c.id for c in choices])
    return tuple(choices)


def parse_protocol(content: bytes, file: str = "<protocol>") -> Protocol:
    """Build a validated protocol from the bytes of a protocol file."""
    reader = _Reader(file)
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        reader.fail(SchemaError, "file", "-", f"not valid TOML: {exc}")
    reader.table(
        data,
        "file",
        {"protocol", "sources", "disposition", "question", "rule", "advice", "call_back"},
        {"group"},
    )
    head = reader.table(data["protocol"], "protocol", {"id", "version", "title"}, {"language"})
    sources = _sources(reader, data)

    groups = []
    for entry in reader.array(data, "group"):
        item = f"group {entry.get('id', '?') if isinstance(entry, dict) else '?'}"
        reader.table(entry, item, {"id", "title"}, {"hint"})
        groups.append(
            Group(
                reader.ident(entry, item),
                reader.text(entry, item, "title"),
                reader.text(entry, item, "hint", ""),
            )
        )
    _unique(reader, "group", [g.id for g in groups])

    dispositions = []
    for rank, entry in enumerate(reader.array(data, "disposition")):
        item = f"disposition {entry.get('id', '?') if isinstance(entry, dict) else '?'}"
        reader.table(entry, item, {"id", "headline"}, {"detail", "only_advice", "call_back"})
        only = entry.get("only_advice")
        if only is not None and (
            not isinstance(only, list) or not all(isinstance(a, str) for a in only)
        ):
            reader.fail(SchemaError, item, "only_advice", "must be a list of advice ids")
        if not isinstance(entry.get("call_back", True), bool):
            reader.fail(SchemaError, item, "call_back", "must be true or false")
        dispositions.append(
            Disposition(
                reader.ident(entry, item),
                rank,
                reader.text(entry, item, "headline"),
                reader.text(entry, item, "detail", ""),
                None if only is None else tuple(only),
                entry.get("call_back", True),
            )
        )
    if len(dispositions) < 2:
        reader.fail(SchemaError, "disposition", "-", "at least two dispositions are required")
    _unique(reader, "disposition", [d.id for d in dispositions])
    disposition_ids = [d.id for d in dispositions]

    questions: dict[str, Question] = {}
    for entry in reader.array(data, "question"):
        if not isinstance(entry, dict):
            reader.fail(SchemaError, "question", "-", "must be a table")
        question = _question(reader, entry, {g.id for g in groups}, dict(questions))
        if question.id in questions or question.id == DISPOSITION:
            reader.fail(DuplicateIdError, f"question {question.id}", "id", "is used twice")
        questions[question.id] = question
    typer = _ConditionTyper(reader, questions, disposition_ids)

    rules = []
    for entry in reader.array(data, "rule"):
        item = f"rule {entry.get('id', '?') if isinstance(entry, dict) else '?'}"
        reader.table(entry, item, {"id", "disposition", "when", "explain"}, {"source"})
        rule_id = reader.ident(entry, item)
        if entry["disposition"] not in disposition_ids:
            reader.fail(
                SchemaError, item, "disposition", f"no disposition '{entry['disposition']}'"
            )
        rules.append(
            Rule(
                rule_id,
                entry["disposition"],
                typer.condition(entry["when"], item, "when", False),
                reader.text(entry, item, "explain"),
                _source(reader, entry, item, sources),
            )
        )
    _unique(reader, "rule", [r.id for r in rules])

    advice = []
    for entry in reader.array(data, "advice"):
        item = f"advice {entry.get('id', '?') if isinstance(entry, dict) else '?'}"
        reader.table(entry, item, {"id", "when", "text"}, {"source"})
        advice.append(
            Advice(
                reader.ident(entry, item),
                typer.condition(entry["when"], item, "when", True),
                reader.text(entry, item, "text"),
                _source(reader, entry, item, sources),
            )
        )
    advice_ids = [a.id for a in advice]
    _unique(reader, "advice", advice_ids)
    for d in dispositions:
        for advice_id in d.only_advice or ():
            if advice_id not in advice_ids:
                reader.fail(
                    SchemaError, f"disposition {d.id}", "only_advice", f"no advice '{advice_id}'"
                )

    call_back = reader.table(data["call_back"], "call_back", {"items"}, {"source"})
    items = call_back["items"]
    if not isinstance(items, list) or not items:
        reader.fail(SchemaError, "call_back", "items", "must be a non-empty list of sentences")
    texts = tuple(reader.text({"items": t}, "call_back", "items") for t in items)

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
        call_back=texts,
        call_back_source=_source(reader, call_back, "call_back", sources),
    )


def _protocol_id(reader: _Reader, head: dict) -> str:
    """The protocol's id: lowercase words joined by hyphens."""
    value = head.get("id")
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", value):
        reader.fail(SchemaError, "protocol", "id", f"{value!r} is not a valid protocol id")
    return value


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Load and validate a protocol file; the shipped one when no path is given."""
    if path is None:
        return _shipped()
    path = Path(path)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise SchemaError(path.name, "file", "-", f"cannot be read: {exc.strerror}") from exc
    return parse_protocol(content, path.name)


@lru_cache(maxsize=1)
def _shipped() -> Protocol:
    """The shipped protocol, read once per process."""
    return parse_protocol(DEFAULT_PROTOCOL.read_bytes(), DEFAULT_PROTOCOL.name)
