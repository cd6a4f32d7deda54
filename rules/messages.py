"""A problem with an answer, said in English, with what a translation needs kept beside it."""

from __future__ import annotations

from typing import Any


class Message(str):
    """An English message that also keeps its template and values, so it can be translated.

    It is a plain string everywhere (JSON, comparisons, logs of ids); a translator's catalog
    maps the template, and the values are put back in the other language's way.
    """

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        """The message with its values filled in; decimals shown with one place."""
        shown = {k: f"{v:.1f}" if isinstance(v, float) else v for k, v in values.items()}
        message = super().__new__(cls, template % shown if values else template)
        message.template = template
        message.values = values
        return message


def message_of(error: Exception) -> str:
    """The message an error was raised with, kept as a Message when it is one."""
    first = error.args[0] if error.args else ""
    return first if isinstance(first, Message) else str(error)
