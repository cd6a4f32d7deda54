"""Validators every form shares: text a database can store, and each field sent only once."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import Field, Form
from wtforms.validators import StopValidation

# Characters that end a line somewhere: str.splitlines() breaks on every one of them.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# What a multi-line box may hold beyond printable text: what a browser's textarea sends.
MULTI_LINE_EXTRAS = frozenset("\t\n\r")
# Control characters (NUL among them: PostgreSQL cannot store it), lone surrogates (not UTF-8).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})
# Characters that reorder the text around them (a right-to-left override can make a name or a
# note read differently from what is stored): marks, embeddings, overrides and isolates.
DIRECTION_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069")


def composed(value: Any) -> Any:
    """Text in Unicode's composed form (NFC), so "José" is stored and found one way only."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class ComposedValues(ImmutableMultiDict[str, Any]):
    """Posted fields and query arguments with every text value in composed form (NFC)."""

    def __init__(self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
                 ) -> None:
        """Take the parser's pairs (or a mapping), composing each text value."""
        if mapping is None:
            pairs: Iterable[tuple[str, Any]] = ()
        elif isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, Mapping):
            pairs = [(key, each) for key, values in mapping.items()
                     for each in (values if isinstance(values, (list, tuple)) else [values])]
        else:
            pairs = mapping
        super().__init__([(key, composed(value)) for key, value in pairs])


class ComposedRequest(Request):
    """A request whose form and query text is composed (NFC) before any view or form reads it."""

    parameter_storage_class = ComposedValues


def first_unstorable(text: str, *, multiline: bool) -> tuple[int, str] | None:
    """The position (from 1) and kind of the first character the field may not hold."""
    for position, char in enumerate(text, start=1):
        if multiline and char in MULTI_LINE_EXTRAS:
            continue
        if char in LINE_BREAKS:
            return position, "line break"
        if char in DIRECTION_CONTROLS:
            return position, "direction control"
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return position, "control character"
    return None


def _subject(field: Field, subject: Any) -> str:
    """How the message names the field: its label unless the page already shows that beside it."""
    if subject:
        return str(subject)  # a lazy string such as "This answer", in the page's language
    return str(field.label.text) if field.label else field.name


class PlainText:
    """Refuse control characters, and line breaks unless the field has several lines."""

    def __init__(self, *, multiline: bool = False, subject: Any = None) -> None:
        """multiline: whether tab, CR and LF are allowed (a notes box); subject: see _subject."""
        self.multiline = multiline
        self.subject = subject

    def __call__(self, form: Form, field: Field) -> None:
        """Stop with a message naming the field and where the bad character is."""
        for value in field.raw_data or []:
            if not isinstance(value, str):
                continue
            found = first_unstorable(value, multiline=self.multiline)
            if found is None:
                continue
            position, kind = found
            name = _subject(field, self.subject)
            if kind == "line break":
                message = _("%(name)s must be on one line: remove the line break "
                            "(character %(position)d).", name=name, position=position)
            elif kind == "direction control":
                message = _("%(name)s contains a hidden character that changes the direction "
                            "of the text (character %(position)d). Type it again without it.",
                            name=name, position=position)
            else:
                message = _("%(name)s contains a control character that cannot be saved "
                            "(character %(position)d). Type it again without it.",
                            name=name, position=position)
            raise StopValidation(message)


class OneValue:
    """Refuse a field sent more than once: neither value is guessed to be the right one."""

    def __init__(self, *, subject: Any = None) -> None:
        """subject: how the message names the field (see _subject)."""
        self.subject = subject

    def __call__(self, form: Form, field: Field) -> None:
        """Stop with a message naming the field, and keep neither value."""
        if len(field.raw_data or []) > 1:
            field.data = None  # so the page shows no answer as chosen: it must be given again
            name = _subject(field, self.subject)
            raise StopValidation(
                _("%(name)s was sent more than once. Give one answer and send again.", name=name))


def repeated(form_data: object, name: str) -> bool:
    """Whether a posted form (a MultiDict) carries the field more than once."""
    getlist = getattr(form_data, "getlist", None)
    return getlist is not None and len(getlist(name)) > 1
