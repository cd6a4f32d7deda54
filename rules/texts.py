"""Every text of a protocol keyed by (kind, item id, field), and the protocol with new texts.

The keys are those of the file's translations: ("rule", "N2", "sign"), ("question", "bleeding",
"choices.uncontrolled"). A free-text call-back list (protocols older than 1.1) adds
("call_back", "call_back", "items.<n>"); a list built from the rules has no text of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar

from rules.model import Advice, CallBackItem, Disposition, Group, Protocol, Question, Rule

TextKey = tuple[str, str, str]
# (language, kind, item id, field)
LanguageKey = tuple[str, str, str, str]
_Item = TypeVar("_Item", Group, Disposition, Question, Rule, Advice)


# The text fields of each kind of item, in the order the texts are listed; a question's
# choices add one text each ("choices.<choice id>").
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "group": ("title", "hint"),
    "disposition": ("headline", "detail", "call_back_action"),
    "question": ("text", "hint", "note"),
    "rule": ("explain", "sign"),
    "advice": ("text", "note"),
}


def _items(protocol: Protocol) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """Each kind of item with texts, with the protocol's items of that kind."""
    return (
        ("group", protocol.groups),
        ("disposition", protocol.dispositions),
        ("question", protocol.questions),
        ("rule", protocol.rules),
        ("advice", protocol.advice),
    )


def own_texts(protocol: Protocol) -> dict[TextKey, str]:
    """Every non-empty text in the file's own language, notes and free call-back text too."""
    texts: dict[TextKey, str] = {("protocol", "protocol", "title"): protocol.title}
    for kind, items in _items(protocol):
        for item in items:
            texts.update({(kind, item.id, name): getattr(item, name) for name in TEXT_FIELDS[kind]})
            if kind == "question":
                texts.update({(kind, item.id, f"choices.{c.id}"): c.text for c in item.choices})
    if not protocol.call_back_from_rules:
        for index, item in enumerate(protocol.call_back_items):
            texts[("call_back", "call_back", f"items.{index}")] = item.text
    return {key: text for key, text in texts.items() if text}


def every_text(protocol: Protocol) -> dict[LanguageKey, str]:
    """Every text in every language the file has, keyed with its language."""
    texts = {(protocol.language, *key): text for key, text in own_texts(protocol).items()}
    for language in protocol.translated:
        given = protocol.translations.get(language, {})
        texts.update({(language, *key): text for key, text in given.items()})
    return texts


def call_back_text(action: str, sign: str) -> str:
    """One call-back sentence built from a rule: its disposition's action, then its sign."""
    return f"{action} {sign}."


def with_texts(protocol: Protocol, texts: Mapping[TextKey, str]) -> Protocol:
    """The protocol with some of its own texts replaced; the rest, and the logic, unchanged."""

    def say(kind: str, item_id: str, name: str, original: str) -> str:
        return texts.get((kind, item_id, name), original)

    def reworded(kind: str, item: _Item) -> _Item:
        fields: dict[str, Any] = {
            name: say(kind, item.id, name, getattr(item, name)) for name in TEXT_FIELDS[kind]
        }
        return replace(item, **fields)

    questions = tuple(
        replace(
            reworded("question", q),
            choices=tuple(
                replace(c, text=say("question", q.id, f"choices.{c.id}", c.text)) for c in q.choices
            ),
        )
        for q in protocol.questions
    )
    dispositions = tuple(reworded("disposition", d) for d in protocol.dispositions)
    rules = tuple(reworded("rule", r) for r in protocol.rules)
    return replace(
        protocol,
        title=say("protocol", "protocol", "title", protocol.title),
        groups=tuple(reworded("group", g) for g in protocol.groups),
        dispositions=dispositions,
        questions=questions,
        rules=rules,
        advice=tuple(reworded("advice", a) for a in protocol.advice),
        call_back_items=_call_back(protocol, texts, dispositions, rules),
    )


def _call_back(
    protocol: Protocol,
    texts: Mapping[TextKey, str],
    dispositions: tuple[Disposition, ...],
    rules: tuple[Rule, ...],
) -> tuple[CallBackItem, ...]:
    """The call-back list with the new texts: rebuilt from the rules, or its sentences replaced."""
    if not protocol.call_back_from_rules:
        return tuple(
            replace(item, text=texts.get(("call_back", "call_back", f"items.{i}"), item.text))
            for i, item in enumerate(protocol.call_back_items)
        )
    action = {d.id: d.call_back_action for d in dispositions}
    sign = {r.id: r.sign for r in rules}
    return tuple(
        replace(item, text=call_back_text(action[item.disposition or ""], sign[item.rules[0]]))
        for item in protocol.call_back_items
    )
