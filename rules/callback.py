"""Property 6: every rule's sign is in the call-back list once, under its own disposition's
action, and nothing else is: no sentence that names no rule, no sign under another action.

Protocols from 1.1 build the list from the rules, so each sentence carries its rule and action.
An older free-text list is checked through a reading kept beside the released files
(`protocols/readings/<version>.toml`): for each sentence, the action it tells and the rules whose
signs it names. The file itself stays unchanged, since saved calls name its hash.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rules.conditions import OPERATORS, Atom
from rules.engine import assess
from rules.findings import Finding
from rules.loader import PROTOCOLS
from rules.model import Protocol, Rule
from rules.space import answer_json, domain

NAME = "call-back consistent"
READINGS = PROTOCOLS / "readings"


@dataclass(frozen=True)
class Reading:
    """One call-back sentence as read: the action it tells and the rules whose signs it names."""

    text: str
    action: str
    rules: tuple[str, ...]


def readings(protocol: Protocol, folder: Path | None = None) -> list[Reading] | None:
    """How each call-back sentence reads; None for a free-text list with no reading kept."""
    if protocol.call_back_from_rules:
        return [
            Reading(item.text, item.disposition or "", item.rules)
            for item in protocol.call_back_items
        ]
    path = (folder or READINGS) / f"{protocol.version}.toml"
    if not path.is_file():
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("protocol_sha256") != protocol.sha256:
        return None  # a reading of another file with the same version says nothing of this one
    read = [
        Reading(entry["text"], entry["action"], tuple(entry["signs"])) for entry in data["sentence"]
    ]
    return read if [r.text for r in read] == list(protocol.call_back) else None


def _satisfies(atom: Atom, value: Any) -> bool:
    """Whether one normalised answer meets an atom, its question's guard aside."""
    if atom.value is None:  # `is not measured`
        return value is None
    return value is not None and OPERATORS[atom.op](value, atom.value)


def witness(protocol: Protocol, rule: Rule) -> dict[str, Any] | None:
    """The mildest answer set whose result comes from this rule, re-checked by the engine."""
    for conj in rule.when.disjuncts:
        values = {q.id: domain(q)[0][0] for q in protocol.questions}
        for atom in conj:
            guards = atom.guard.disjuncts[0] if atom.guard is not None else ()
            for needed in (*guards, atom):
                question = protocol.by_id[needed.name]
                values[needed.name] = next(
                    (v for v, _ in domain(question) if _satisfies(needed, v)), values[needed.name]
                )
        answers = {
            q.id: answer_json(q, values[q.id])
            for q in protocol.questions
            if q.asked_when is None or q.asked_when.evaluate(values) is not False
        }
        if assess(answers, protocol)["disposition"] == rule.disposition:
            return answers
    return None


def check_call_back(protocol: Protocol, folder: Path | None = None) -> Finding:
    """6. Every rule's sign once, under its own disposition's action, and nothing else."""
    finding = Finding(6, NAME)
    read = readings(protocol, folder)
    if read is None:
        finding.failure = "the call-back list is free text and no reading of it is kept"
        return finding
    rules = {r.id: r for r in protocol.rules}
    seen: dict[str, str] = {}
    for sentence in read:
        finding.cases += 1
        if not sentence.rules:
            finding.failure = (
                f"the call-back list says {sentence.text!r}, which names no rule's sign"
            )
            finding.counterexample = {"sentence": sentence.text, "action": sentence.action}
            return finding
        for rule_id in sentence.rules:
            finding.cases += 1
            rule = rules.get(rule_id)
            if rule is None:
                finding.failure = (
                    f"the call-back list says {sentence.text!r} for a rule {rule_id} that "
                    "does not exist"
                )
                finding.counterexample = {"sentence": sentence.text, "rule": rule_id}
                return finding
            if sentence.action != rule.disposition:
                finding.failure = (
                    f"the call-back list says {sentence.text!r} ({sentence.action}) for the sign "
                    f"of rule {rule.id}, whose disposition is {rule.disposition}"
                )
                finding.counterexample = witness(protocol, rule)
                return finding
            if rule_id in seen:
                finding.failure = (
                    f"the call-back list names the sign of rule {rule.id} twice: in "
                    f"{seen[rule_id]!r} and in {sentence.text!r}"
                )
                finding.counterexample = witness(protocol, rule)
                return finding
            seen[rule_id] = sentence.text
    for rule in protocol.rules:
        finding.cases += 1
        if rule.id not in seen:
            finding.failure = f"the call-back list does not name the sign of rule {rule.id}"
            finding.counterexample = witness(protocol, rule)
            return finding
    return finding


def grouped(
    protocol: Protocol, leaving_out: frozenset[str] = frozenset()
) -> list[tuple[str, list[str]]]:
    """The call-back list as it reads best: each action once, with its signs under it.

    `leaving_out` names rules whose signs are not listed (the patient already has them). A
    free-text list (older than 1.1) is one group of whole sentences with no action above.
    """
    if not protocol.call_back_from_rules:
        return [("", list(protocol.call_back))]
    signs = {r.id: r.sign for r in protocol.rules}
    groups: dict[str, list[str]] = {}
    for item in protocol.call_back_items:
        action = protocol.disposition(item.disposition or "").call_back_action
        groups.setdefault(action, []).extend(
            signs[rule_id] for rule_id in item.rules if rule_id not in leaving_out
        )
    return list(groups.items())
