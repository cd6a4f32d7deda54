"""Assessment: from an answer set to a disposition, reasons, advice and what is still open."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from rules.answers import validate_answers
from rules.compiled import Assess, compiled_assess
from rules.loader import DECIDED, DISPOSITION, load_protocol
from rules.model import Protocol

DEFAULT_EMERGENCY_NUMBER = "911"

__all__ = [
    "DEFAULT_EMERGENCY_NUMBER",
    "assess",
    "assess_interpreted",
    "evaluate",
    "fill",
    "validate_answers",
]


def fill(text: str, emergency_number: str) -> str:
    """Put the configured emergency number into a protocol text."""
    return text.replace("{emergency_number}", emergency_number)


@lru_cache(maxsize=16)
def _texts(protocol: Protocol, emergency_number: str) -> dict[str, Any]:
    """Advice, reason and call-back texts with the number filled in, once per number."""
    texts: dict[str, Any] = {a.id: fill(a.text, emergency_number) for a in protocol.advice}
    texts.update({r.id: fill(r.explain, emergency_number) for r in protocol.rules})
    texts["call_back_if"] = tuple(fill(t, emergency_number) for t in protocol.call_back)
    return texts


@lru_cache(maxsize=16)
def _compiled(protocol: Protocol, emergency_number: str) -> Assess:
    """The protocol compiled with its texts, once per protocol and number (rules.compiled)."""
    return compiled_assess(protocol, _texts(protocol, emergency_number))


def evaluate(protocol: Protocol, values: Mapping[str, Any]) -> dict[str, Any]:
    """Disposition, matched rules, decidedness and open questions for validated values."""
    rank = protocol.rank
    undecided = []
    if protocol.rules_read <= values.keys():  # every question a rule reads is answered
        matched = [rule for rule in protocol.rules if rule.when.fast(values)]
    else:
        matched = []
        for rule in protocol.rules:
            state = rule.when.evaluate(values)
            if state is True:
                matched.append(rule)
            elif state is None:
                undecided.append(rule)
    best = min((rank[r.disposition] for r in matched), default=len(protocol.dispositions) - 1)
    disposition = protocol.dispositions[best]
    open_rules = [r for r in undecided if rank[r.disposition] < best]
    could_raise: list[str] = []
    if open_rules:
        unknown: set[str] = set()
        for rule in open_rules:
            unknown.update(rule.when.unknowns(values))
        could_raise = [q.id for q in protocol.questions if q.id in unknown]
    if len(matched) > 1:
        matched.sort(key=lambda r: rank[r.disposition])  # stable: file order within a level
    return {
        "disposition": disposition,
        "matched": matched,
        "decided": not open_rules,
        "could_raise": could_raise,
    }


def assess(
    answers: Any,
    protocol: Protocol | None = None,
    *,
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
) -> dict[str, Any]:
    """The assessment JSON for one answer set; raises AnswerError for invalid answers."""
    if protocol is None:
        protocol = load_protocol()
    # The seam: a complete, valid answer set takes the generated function (rules.compiled,
    # about 4x faster, equal by test); anything else, and every error, the interpreted engine.
    result = _compiled(protocol, emergency_number)(answers)
    if result is not None:
        return result
    return assess_interpreted(answers, protocol, emergency_number=emergency_number)


def assess_interpreted(
    answers: Any,
    protocol: Protocol | None = None,
    *,
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
) -> dict[str, Any]:
    """The same assessment, condition by condition: partial answers and every error."""
    protocol = protocol or load_protocol()
    values = validate_answers(protocol, answers)
    result = evaluate(protocol, values)
    disposition = result["disposition"]

    texts = _texts(protocol, emergency_number)
    reasons = []
    for rule in result["matched"]:
        names = dict.fromkeys(a.name for a in rule.when.matched_atoms(values))
        reasons.append(
            {
                "rule": rule.id,
                "text": texts[rule.id],
                "answers": {name: answers[name] for name in names if name in answers},
            }
        )

    context = dict(values)
    context[DISPOSITION] = disposition.id
    context[DECIDED] = result["decided"]
    only = disposition.only_advice
    advice = [
        {"id": item.id, "text": texts[item.id]}
        for item in protocol.advice
        if (only is None or item.id in only) and item.when.evaluate(context) is True
    ]
    call_back = list(texts["call_back_if"]) if disposition.call_back else []
    return {
        "disposition": disposition.id,
        "decided": result["decided"],
        "reasons": reasons,
        "advice": advice,
        "call_back_if": call_back,
        "could_raise": result["could_raise"],
        "protocol": protocol.identity,
    }
