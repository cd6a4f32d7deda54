"""Strict JSON reading: UTF-8 only, no NaN or Infinity, no key given twice, nothing guessed."""

from __future__ import annotations

import json
from typing import Any


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a key given twice."""
    out = dict(pairs)
    if len(out) != len(pairs):  # only then look for which key it was
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} is given twice")
            seen.add(key)
    return out


def _constant(name: str) -> Any:
    """Refuse NaN and Infinity, which are not JSON."""
    raise ValueError(f"{name} is not a JSON number")


# Made once: json.loads would build a new decoder for these options on every call.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)


def _utf8(data: bytes) -> str:
    """The bytes as UTF-8 text; json.loads would also take UTF-16 and UTF-32, which we refuse."""
    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError(
            "not valid JSON: the text starts with a byte order mark; send UTF-8 without one"
        )
    # A NUL byte is never in UTF-8 JSON (it is escaped as \u0000): the text is UTF-16 or 32.
    if b"\x00" in data:
        raise ValueError("not valid JSON: the text is not UTF-8 (it looks like UTF-16 or UTF-32)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("not valid JSON: the text is not UTF-8") from exc


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON strictly; raises ValueError with a plain message."""
    if isinstance(text, bytes):
        text = _utf8(text)
    elif text.startswith("\ufeff"):
        raise ValueError("not valid JSON: the text starts with a byte order mark")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise ValueError("not valid JSON: nested too deeply") from exc
