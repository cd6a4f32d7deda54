"""Threshold placeholders, expanded at load so that the words always say the rules' numbers.

In a rule's own texts, `{temperature}` stands for the number the rule's condition compares
the temperature with; `{N2.temperature}` may be used in any text. A temperature reads
"38.0 °C (100.4 °F)", in each language's way of writing numbers ("38,0 °C (100,4 °F)" in
Spanish), the °F being the exact conversion rounded to one decimal; a whole number reads as
itself. `{emergency_number}` is not a threshold: the engine fills it in when a text is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from rules.answers import to_fahrenheit
from rules.errors import PlaceholderError
from rules.model import TEMPERATURE, Protocol, Question, Rule
from rules.reader import PLACEHOLDERS
from rules.texts import TextKey, own_texts, with_texts

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Languages that write a decimal comma (38,0); every other one writes a point.
DECIMAL_COMMA = frozenset({"ca", "de", "es", "fr", "it", "nl", "pl", "pt", "ro", "ru", "tr", "vi"})

Number = int | float


def decimal_mark(language: str) -> str:
    """The character a language writes between whole and decimal part."""
    return "," if language in DECIMAL_COMMA else "."


def shown(question: Question, value: Number, language: str) -> str:
    """A threshold as a text says it: 38.0 °C (100.4 °F), or a whole number as it is."""
    if question.type != TEMPERATURE:
        return str(int(value))
    mark = decimal_mark(language)
    celsius = f"{value:.1f}".replace(".", mark)
    fahrenheit = f"{to_fahrenheit(value):.1f}".replace(".", mark)
    return f"{celsius} °C ({fahrenheit} °F)"


def numbers_compared(rule: Rule) -> dict[str, list[Number]]:
    """Question id -> the distinct numbers the rule's own comparisons use (guards aside)."""
    found: dict[str, list[Number]] = {}
    for atoms in rule.when.disjuncts:
        for atom in atoms:
            value = atom.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            values = found.setdefault(atom.name, [])
            if value not in values:
                values.append(value)
    return found


class Expander:
    """Expands the threshold placeholders of one protocol's texts, naming file, item, field."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.compared = {rule.id: numbers_compared(rule) for rule in protocol.rules}

    def fail(self, item: str, field: str, message: str) -> PlaceholderError:
        """The error for one text's placeholder."""
        return PlaceholderError(self.protocol.file, item, field, message)

    def value(self, name: str, own: str | None, item: str, field: str) -> tuple[Question, Number]:
        """The question and the number one placeholder stands for."""
        rule_id, dot, question_id = name.rpartition(".")
        if question_id not in self.protocol.by_id:
            raise self.fail(
                item, field, f"unknown placeholder {{{name}}}: no question '{question_id}'"
            )
        if not dot:
            if own is None:
                raise self.fail(
                    item,
                    field,
                    f"{{{name}}} may stand only in a rule's own texts; "
                    f"elsewhere name the rule: {{<RULE>.{name}}}",
                )
            rule_id = own
        if rule_id not in self.compared:
            raise self.fail(item, field, f"unknown placeholder {{{name}}}: no rule '{rule_id}'")
        values = self.compared[rule_id].get(question_id, [])
        rule = next(r for r in self.protocol.rules if r.id == rule_id)
        if not values:
            raise self.fail(
                item,
                field,
                f"{{{name}}}: rule {rule_id} compares {question_id} with no number "
                f"(`{rule.when.text}`)",
            )
        if len(values) > 1:
            listed = ", ".join(str(v) for v in values)
            raise self.fail(
                item,
                field,
                f"{{{name}}}: rule {rule_id} compares {question_id} with several numbers "
                f"({listed}), so which one is meant is ambiguous",
            )
        return self.protocol.by_id[question_id], values[0]

    def expand(self, text: str, key: TextKey, language: str, translated: bool) -> str:
        """One text with its threshold placeholders written out in the language's way."""
        kind, item_id, field = key
        own = item_id if kind == "rule" else None
        item = f"{kind} {item_id}" + (f" ({language})" if translated else "")

        def one(match: re.Match[str]) -> str:
            name = match[1]
            if name in PLACEHOLDERS:
                return match[0]
            return shown(*self.value(name, own, item, field), language)

        return PLACEHOLDER.sub(one, text)


def _has_threshold(text: str) -> bool:
    """Whether a text has a placeholder other than the ones filled in when it is shown."""
    return any(name not in PLACEHOLDERS for name in PLACEHOLDER.findall(text))


def _expanded(
    texts: dict[TextKey, str], expand: Callable[[str, TextKey], str]
) -> tuple[dict[TextKey, str], dict[TextKey, str]]:
    """The texts expanded, and those that had threshold placeholders as written."""
    templates = {key: text for key, text in texts.items() if _has_threshold(text)}
    return {**texts, **{key: expand(text, key) for key, text in templates.items()}}, templates


def expand_protocol(protocol: Protocol) -> Protocol:
    """The protocol with every threshold placeholder, in every language, written out."""
    expander = Expander(protocol)
    language = protocol.language
    own, own_templates = _expanded(
        own_texts(protocol), lambda text, key: expander.expand(text, key, language, False)
    )
    templates = {language: own_templates} if own_templates else {}
    translations = {}
    for other, given in protocol.translations.items():

        def expand(text: str, key: TextKey, other: str = other) -> str:
            return expander.expand(text, key, other, True)

        translations[other], written = _expanded(dict(given), expand)
        if written:
            templates[other] = written
    if not templates:
        return protocol
    return replace(with_texts(protocol, own), translations=translations, templates=templates)
