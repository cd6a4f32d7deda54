"""Every text of a protocol keyed by (kind, item id, field), and the protocol with new texts.

The keys are those of the file's translations: ("rule", "N2", "sign"), ("question", "bleeding",
"choices.uncontrolled"). A free-text call-back list (protocols older than 1.1) adds
("call_back", "call_back", "items.<n>"); a list built from the rules has no text of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rules.model import CallBackItem, Disposition, Protocol, Rule

TextKey = tuple[str, str, str]
# (language, kind, item id, field)
LanguageKey = tuple[str, str, str, str]


def own_texts(protocol: Protocol) -> dict[TextKey, str]:
    """Every non-empty text in the file's own language, notes and free call-back text too."""
    texts: dict[TextKey, str] = {("protocol", "protocol", "title"): protocol.title}
    for g in protocol.groups:
        texts.update({("group", g.id, "title"): g.title, ("group", g.id, "hint"): g.hint})
    for d in protocol.dispositions:
        for name in ("headline", "detail", "call_back_action"):
            texts[("disposition", d.id, name)] = getattr(d, name)
    for q in protocol.questions:
        for name in ("text", "hint", "note"):
            texts[("question", q.id, name)] = getattr(q, name)
        texts.update({("question", q.id, f"choices.{c.id}"): c.text for c in q.choices})
    for r in protocol.rules:
        texts.update({("rule", r.id, "explain"): r.explain, ("rule", r.id, "sign"): r.sign})
    for a in protocol.advice:
        texts.update({("advice", a.id, "text"): a.text, ("advice", a.id, "note"): a.note})
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

    groups = tuple(
        replace(
            g, title=say("group", g.id, "title", g.title), hint=say("group", g.id, "hint", g.hint)
        )
        for g in protocol.groups
    )
    dispositions = tuple(
        replace(
            d,
            headline=say("disposition", d.id, "headline", d.headline),
            detail=say("disposition", d.id, "detail", d.detail),
            call_back_action=say("disposition", d.id, "call_back_action", d.call_back_action),
        )
        for d in protocol.dispositions
    )
    questions = tuple(
        replace(
            q,
            text=say("question", q.id, "text", q.text),
            hint=say("question", q.id, "hint", q.hint),
            note=say("question", q.id, "note", q.note),
            choices=tuple(
                replace(c, text=say("question", q.id, f"choices.{c.id}", c.text)) for c in q.choices
            ),
        )
        for q in protocol.questions
    )
    rules = tuple(
        replace(
            r,
            explain=say("rule", r.id, "explain", r.explain),
            sign=say("rule", r.id, "sign", r.sign),
        )
        for r in protocol.rules
    )
    advice = tuple(
        replace(
            a, text=say("advice", a.id, "text", a.text), note=say("advice", a.id, "note", a.note)
        )
        for a in protocol.advice
    )
    return replace(
        protocol,
        title=say("protocol", "protocol", "title", protocol.title),
        groups=groups,
        dispositions=dispositions,
        questions=questions,
        rules=rules,
        advice=advice,
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
