"""The protocol in another language: its own translated texts, keyed by the same ids.

A translation changes words only: the same questions, rules, conditions, version and file
hash. `check` is what `python -m rules verify` runs: every text translated, and every
placeholder such as `{emergency_number}` kept.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from rules.model import CallBackItem, Disposition, Protocol, Rule
from rules.reader import TextKey

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def source_texts(protocol: Protocol) -> dict[TextKey, str]:
    """Every text a translation must give, in the file's own language, keyed like one."""
    texts: dict[TextKey, str] = {("protocol", "protocol", "title"): protocol.title}
    for g in protocol.groups:
        texts.update({("group", g.id, "title"): g.title, ("group", g.id, "hint"): g.hint})
    for d in protocol.dispositions:
        for name in ("headline", "detail", "call_back_action"):
            texts[("disposition", d.id, name)] = getattr(d, name)
    for q in protocol.questions:
        texts.update({("question", q.id, "text"): q.text, ("question", q.id, "hint"): q.hint})
        texts.update({("question", q.id, f"choices.{c.id}"): c.text for c in q.choices})
    for r in protocol.rules:
        texts.update({("rule", r.id, "explain"): r.explain, ("rule", r.id, "sign"): r.sign})
    for a in protocol.advice:
        texts[("advice", a.id, "text")] = a.text
    return {key: text for key, text in texts.items() if text}


def check(protocol: Protocol) -> list[str]:
    """Each missing or extra translated text, and each placeholder dropped or added."""
    problems = []
    wanted = source_texts(protocol)
    for language in protocol.translated:
        given = protocol.translations.get(language, {})
        for (kind, item_id, name), text in wanted.items():
            where = f"{kind} {item_id}: field '{name}' ({language})"
            if (kind, item_id, name) not in given:
                problems.append(f"{where}: no translation")
                continue
            own, theirs = (
                _PLACEHOLDER.findall(text),
                _PLACEHOLDER.findall(given[kind, item_id, name]),
            )
            if sorted(own) != sorted(theirs):
                problems.append(f"{where}: placeholders {own} in the original, {theirs} here")
        for kind, item_id, name in given.keys() - wanted.keys():
            problems.append(f"{kind} {item_id}: field '{name}' ({language}): no such text")
    return problems


@lru_cache(maxsize=16)
def in_language(protocol: Protocol, language: str) -> Protocol:
    """The protocol worded in one language; its own words for a language it lacks."""
    if language not in protocol.translated:
        return protocol
    texts = protocol.translations.get(language, {})

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
    advice = tuple(replace(a, text=say("advice", a.id, "text", a.text)) for a in protocol.advice)
    return replace(
        protocol,
        title=say("protocol", "protocol", "title", protocol.title),
        language=language,
        groups=groups,
        dispositions=dispositions,
        questions=questions,
        rules=rules,
        advice=advice,
        call_back_items=_call_back(protocol, dispositions, rules),
    )


def _call_back(
    protocol: Protocol, dispositions: tuple[Disposition, ...], rules: tuple[Rule, ...]
) -> tuple[CallBackItem, ...]:
    """The call-back list rebuilt from the translated actions and signs."""
    if not protocol.call_back_from_rules:
        return protocol.call_back_items
    action = {d.id: d.call_back_action for d in dispositions}
    sign = {r.id: r.sign for r in rules}
    return tuple(
        replace(item, text=f"{action[item.disposition or '']} {sign[item.rules[0]]}.")
        for item in protocol.call_back_items
    )
