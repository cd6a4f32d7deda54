"""Reading one protocol file's tables: every field checked, naming file, item and field."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from rules.errors import DuplicateIdError, MissingSourceError, ProtocolError, SchemaError

# Filled in when a text is shown; every other placeholder names a rule's threshold and is
# expanded at load (rules/placeholders.py): `{temperature}` in a rule's own texts, or
# `{N2.temperature}` anywhere.
PLACEHOLDERS = frozenset({"emergency_number"})
THRESHOLD = re.compile(r"^(?:[A-Z][A-Z0-9_]*[0-9]\.)?[a-z][a-z0-9_]*$")
YES_NO_WORDS = {"yes": True, "no": False}
_ID = re.compile(r"^[a-z][a-z0-9_]*$|^[A-Z][A-Z0-9_]*[0-9]$")

Table = dict[str, Any]
# (kind, item id, field) -> text; a choice's field is "choices.<choice id>".
TextKey = tuple[str, str, str]


class Reader:
    """Reads one protocol file, naming the file, item and field in every error."""

    def __init__(self, file: str) -> None:
        self.file = file
        # Languages the file translates its texts into, each a sub-table of every item.
        self.languages: tuple[str, ...] = ()
        self.translations: dict[str, dict[TextKey, str]] = {}

    def fail(self, kind: type[ProtocolError], item: str, field: str, message: str) -> NoReturn:
        """Raise an error of the given kind for this file."""
        raise kind(self.file, item, field, message)

    def table(self, data: Any, item: str, required: set[str], optional: set[str]) -> Table:
        """Check that a table has the required keys and no unknown ones."""
        if not isinstance(data, dict):
            self.fail(SchemaError, item, "-", "must be a table")
        for key in sorted(required - data.keys()):
            self.fail(SchemaError, item, key, "is required")
        for key in sorted(data.keys() - required - optional - set(self.languages)):
            self.fail(SchemaError, item, key, "is not a known field")
        return data

    def text(self, data: Table, item: str, key: str, default: str | None = None) -> str:
        """A non-empty string field with only known placeholders."""
        value = data.get(key, default)
        if not isinstance(value, str) or (not value.strip() and default is None):
            self.fail(SchemaError, item, key, "must be a non-empty string")
        for name in re.findall(r"\{([^{}]*)\}", value):
            if name not in PLACEHOLDERS and not THRESHOLD.match(name):
                self.fail(SchemaError, item, key, f"unknown placeholder {{{name}}}")
        return value

    def ident(self, data: Table, item: str, key: str = "id") -> str:
        """An id: lower_snake_case, or a rule code such as E1."""
        value = data.get(key)
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(SchemaError, item, key, f"{value!r} is not a valid id")
        return value

    def array(self, data: Table, key: str) -> list[Any]:
        """An array of tables (possibly empty)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            self.fail(SchemaError, key, "-", "must be an array of tables")
        return value

    def entries(self, data: Table, key: str, kind: str) -> list[tuple[str, Table]]:
        """The tables of an array, each with the name its errors use ("rule E1")."""
        named = []
        for entry in self.array(data, key):
            label = entry.get("id", "?") if isinstance(entry, dict) else "?"
            named.append((f"{kind} {label}", entry))
        return named

    def translated(self, kind: str, item_id: str, entry: Table, fields: tuple[str, ...]) -> None:
        """Keep an item's texts in each translated language, checked like the originals."""
        for language in self.languages:
            if language not in entry:
                continue
            item = f"{kind} {item_id} ({language})"
            table = self.table(entry[language], item, set(), set(fields))
            texts = self.translations.setdefault(language, {})
            for field in fields:
                if field not in table:
                    continue
                if field == "choices":
                    choices = table["choices"]
                    if not isinstance(choices, dict):
                        self.fail(SchemaError, item, "choices", "must be a table of choice texts")
                    for choice_id in choices:
                        key = (kind, item_id, f"choices.{choice_id}")
                        texts[key] = self.text(choices, item, choice_id)
                else:
                    texts[(kind, item_id, field)] = self.text(table, item, field)

    def unique(self, kind: str, ids: list[str]) -> None:
        """Reject the first id that appears twice."""
        seen: set[str] = set()
        for item_id in ids:
            if item_id in seen:
                self.fail(DuplicateIdError, f"{kind} {item_id}", "id", "is used twice")
            seen.add(item_id)

    def source(self, data: Table, item: str, sources: dict[str, Table]) -> str:
        """A source naming known references, and a known section of S."""
        value = data.get("source")
        if not isinstance(value, str) or not value.strip():
            needed = "every rule and advice item needs a source"
            self.fail(MissingSourceError, item, "source", needed)
        for part in value.split(";"):
            words = part.strip()
            key = words.split(" ", 1)[0]
            if key not in sources:
                known = ", ".join(sources)
                named = f"{words!r} names no source ({known})"
                self.fail(MissingSourceError, item, "source", named)
            sections = sources[key].get("sections")
            if sections:
                rest = words[len(key) :].strip()
                if not any(rest == s or rest.startswith(s + " (") for s in sections):
                    self.fail(
                        MissingSourceError,
                        item,
                        "source",
                        f"{words!r}: name a section of {key}: {', '.join(sections)}",
                    )
        return value.strip()

    def sources(self, data: Table) -> dict[str, Table]:
        """The table of references that sources may name."""
        table = data.get("sources")
        if not isinstance(table, dict) or not table:
            self.fail(SchemaError, "sources", "-", "at least one source is required")
        for key, entry in table.items():
            self.table(entry, f"source {key}", {"title"}, {"sections"})
            sections = entry.get("sections", [])
            if not isinstance(sections, list) or not all(isinstance(s, str) for s in sections):
                self.fail(SchemaError, f"source {key}", "sections", "must be a list of names")
        return table
