"""Proof of the policy's six safety properties over the whole answer space.

The disposition is the most urgent of the matching rules, and a rule reads only the questions
of one component (questions linked by sharing a rule). So the disposition is the minimum, over
components, of each component's own result, and each component is checked exhaustively over
the equivalence classes its thresholds define. Nothing is sampled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rules.callback import check_call_back
from rules.engine import assess
from rules.errors import MissingSourceError, ProtocolError, UnknownQuestionError
from rules.findings import Finding
from rules.loader import RESULT_NAMES
from rules.model import Advice, Protocol, Rule
from rules.space import ValueClass, answer_json, atoms_of, by_mildness, classes, components

EMERGENCY = "emergency"
PROPERTIES = (
    "total",
    "monotone",
    "red flags dominate",
    "no dead rule",
    "traced",
    "call-back consistent",
)


@dataclass
class _Component:
    """One component: its questions, their classes, and its result for every combination."""

    names: list[str]
    classes: list[list[ValueClass]]
    rules: list[Rule]
    combos: list[tuple[int, ...]] = field(default_factory=list)
    result: dict[tuple[int, ...], int] = field(default_factory=dict)
    unknown: list[tuple[int, ...]] = field(default_factory=list)

    def values(self, combo: tuple[int, ...]) -> dict[str, Any]:
        """The normalised answers of one combination."""
        return {n: c[i].value for n, c, i in zip(self.names, self.classes, combo, strict=True)}


class Verifier:
    """Checks the six properties of one loaded protocol."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.rank = protocol.rank
        self.least = len(protocol.dispositions) - 1
        self.emergency = self.rank.get(EMERGENCY, 0)
        self.parts = [self._component(names) for names in components(protocol)]
        # The least and most urgent result each component can reach, and a mildest witness.
        self.quiet = [max(p.result.values()) for p in self.parts]
        self.loud = [min(p.result.values()) for p in self.parts]

    def _component(self, names: list[str]) -> _Component:
        """Enumerate one component's classes and evaluate its rules on every combination."""
        rules = [r for r in self.protocol.rules if r.when.names <= set(names)]
        atoms = [a for r in rules for a in atoms_of(r.when)]
        per_question = [
            classes(self.protocol.by_id[n], [a for a in atoms if a.name == n]) for n in names
        ]
        part = _Component(names, per_question, rules)
        part.combos = by_mildness(per_question)
        for combo in part.combos:
            values = part.values(combo)
            states = [(r, r.when.evaluate(values)) for r in rules]
            if any(state is None for _, state in states):
                part.unknown.append(combo)
            part.result[combo] = min(
                (self.rank[r.disposition] for r, s in states if s is True), default=self.least
            )
        return part

    def answer_set(
        self, chosen: dict[int, tuple[int, ...]], pick: Callable[[int], int]
    ) -> dict[str, Any]:
        """A whole answer set: chosen combinations, other components at `pick`, the rest mildest."""
        values: dict[str, Any] = {}
        for index, part in enumerate(self.parts):
            combo = chosen.get(index)
            if combo is None:
                target = pick(index)
                combo = next(c for c in part.combos if part.result[c] == target)
            values.update(part.values(combo))
        answers: dict[str, Any] = {}
        for question in self.protocol.questions:
            if question.id in values:
                answers[question.id] = answer_json(question, values[question.id])
            else:
                mildest = classes(question, [])[0].value
                answers[question.id] = answer_json(question, mildest)
        return answers

    def others(self, index: int, levels: list[int], pick: Callable[..., int]) -> int:
        """The level the other components reach at their quietest or loudest."""
        return pick((lvl for i, lvl in enumerate(levels) if i != index), default=self.least)

    def covered(self) -> int:
        """How many answer-set classes the components stand for, over every question."""
        in_parts = {n for p in self.parts for n in p.names}
        total = math.prod(len(c) for p in self.parts for c in p.classes)
        for question in self.protocol.questions:
            if question.id not in in_parts:
                total *= len(classes(question, []))
        return total

    def total(self) -> Finding:
        """1. Every valid answer set, complete or partial, yields exactly one disposition.

        For partial answers it also proves the three-valued logic sound: every completion is at
        least as urgent as the rules that surely match, and no more urgent than those that
        still could, so a result reported as decided cannot change.
        """
        finding = Finding(1, "total")
        for index, part in enumerate(self.parts):
            if part.unknown:
                answers = self.answer_set({index: part.unknown[0]}, lambda i: self.quiet[i])
                finding.failure = "a complete answer set leaves a rule neither true nor false"
                finding.counterexample = answers
                return finding
            for partial in itertools.product(*([None, *range(len(c))] for c in part.classes)):
                values = {
                    n: c[i].value
                    for n, c, i in zip(part.names, part.classes, partial, strict=True)
                    if i is not None
                }
                states = [(self.rank[r.disposition], r.when.evaluate(values)) for r in part.rules]
                sure = min((lvl for lvl, s in states if s is True), default=self.least)
                could = min((lvl for lvl, s in states if s is not False), default=self.least)
                for combo in part.combos:
                    if any(i is not None and i != j for i, j in zip(partial, combo, strict=True)):
                        continue
                    finding.cases += 1
                    if not could <= part.result[combo] <= sure:
                        finding.failure = (
                            "a partial answer set is reported wrongly: a completion of it "
                            "has a disposition outside what its known answers allow"
                        )
                        finding.counterexample = {
                            self.protocol.by_id[n].id: answer_json(self.protocol.by_id[n], v)
                            for n, v in values.items()
                        }
                        return finding
        ranks = sorted(self.rank.values())
        if ranks != list(range(len(ranks))):
            finding.failure = "dispositions do not have one distinct urgency each"
        return finding

    def monotone(self) -> Finding:
        """2. Making one answer more severe never lowers the disposition."""
        finding = Finding(2, "monotone")
        for index, part in enumerate(self.parts):
            quiet = self.others(index, self.quiet, min)
            for q, value_classes in enumerate(part.classes):
                pairs = [
                    (a, b)
                    for a, low in enumerate(value_classes)
                    for b, high in enumerate(value_classes)
                    if a != b and min(low.severities) < max(high.severities)
                ]
                for combo in part.combos:
                    for a, b in pairs:
                        if combo[q] != a:
                            continue
                        finding.cases += 1
                        worse = combo[:q] + (b,) + combo[q + 1 :]
                        before, after = part.result[combo], part.result[worse]
                        if after > before and before < quiet:
                            pair = (value_classes[a], value_classes[b])
                            return self._monotone_failure(finding, index, combo, worse, q, pair)
        return finding

    def _monotone_failure(
        self,
        finding: Finding,
        index: int,
        combo: tuple[int, ...],
        worse: tuple[int, ...],
        q: int,
        pair: tuple[ValueClass, ValueClass],
    ) -> Finding:
        """Describe a drop in urgency with two real answers, checked again with the engine."""
        part = self.parts[index]
        question = self.protocol.by_id[part.names[q]]
        mild, mild_level = pair[0].members[0]
        severe = next(value for value, level in pair[1].members if level > mild_level)
        before = self.answer_set({index: combo}, lambda i: self.quiet[i])
        after = self.answer_set({index: worse}, lambda i: self.quiet[i])
        before[question.id] = answer_json(question, mild)
        after[question.id] = answer_json(question, severe)
        got = (
            assess(before, self.protocol)["disposition"],
            assess(after, self.protocol)["disposition"],
        )
        finding.failure = (
            f"making '{question.id}' more severe ({before[question.id]!r} -> "
            f"{after[question.id]!r}) lowers the disposition from {got[0]} to {got[1]}"
        )
        finding.counterexample = before
        finding.more_severe = after
        return finding

    def red_flags(self) -> Finding:
        """3. Any emergency rule matching gives the emergency disposition, whatever else."""
        finding = Finding(3, "red flags dominate")
        for index, part in enumerate(self.parts):
            loudest = self.others(index, self.loud, min)
            for rule in part.rules:
                if self.rank[rule.disposition] != self.emergency:
                    continue
                for combo in part.combos:
                    if rule.when.evaluate(part.values(combo)) is not True:
                        continue
                    finding.cases += 1
                    if min(part.result[combo], loudest) != self.emergency:
                        return self._red_flag_failure(finding, rule, index, combo)
        return finding

    def _red_flag_failure(
        self, finding: Finding, rule: Rule, index: int, combo: tuple[int, ...]
    ) -> Finding:
        """The mildest answers where a red flag matches and the result is not an emergency."""
        chosen = {index: combo}
        if self.parts[index].result[combo] == self.emergency:
            # Another component outranks the emergency: add its mildest such answers.
            other = next(
                i for i, lvl in enumerate(self.loud) if i != index and lvl < self.emergency
            )
            part = self.parts[other]
            chosen[other] = next(c for c in part.combos if part.result[c] < self.emergency)
        answers = self.answer_set(chosen, lambda i: self.quiet[i])
        got = assess(answers, self.protocol)["disposition"]
        finding.failure = f"rule {rule.id} matches but the disposition is {got}"
        finding.counterexample = answers
        return finding

    def dead_rules(self) -> Finding:
        """4. Every rule decides the disposition for at least one answer set."""
        finding = Finding(4, "no dead rule")
        for index, part in enumerate(self.parts):
            quiet = self.others(index, self.quiet, min)
            for rule in part.rules:
                level = self.rank[rule.disposition]
                matching = [c for c in part.combos if rule.when.evaluate(part.values(c)) is True]
                finding.cases += len(matching)
                if any(part.result[c] == level and level <= quiet for c in matching):
                    continue
                finding.failure = f"rule {rule.id} never decides the disposition"
                if matching:
                    answers = self.answer_set({index: matching[0]}, lambda i: self.quiet[i])
                    got = assess(answers, self.protocol)["disposition"]
                    finding.failure += f": where it matches, the result is already {got}"
                    finding.counterexample = answers
                else:
                    finding.failure += ": no answer set matches it"
                    finding.counterexample = {"rule": rule.id, "when": rule.when.text}
                return finding
        return finding

    def traced(self) -> Finding:
        """5. Every rule and advice item has a source; every question a rule reads exists."""
        return traced(self.protocol)

    def run(self) -> list[Finding]:
        """All six properties, in the policy's order."""
        return [
            self.total(),
            self.monotone(),
            self.red_flags(),
            self.dead_rules(),
            self.traced(),
            check_call_back(self.protocol),
        ]


def load_failure(error: ProtocolError) -> list[Finding]:
    """Findings for a protocol that does not load: a tracing error fails property 5."""
    if isinstance(error, MissingSourceError | UnknownQuestionError):
        finding = Finding(5, "traced", failure=str(error), counterexample=error.as_dict())
        return [finding]
    return [Finding(0, "loads", failure=str(error), counterexample=error.as_dict())]


def traced(protocol: Protocol) -> Finding:
    """5. Every rule and advice item has a source; every question a rule reads exists."""
    finding = Finding(5, "traced")
    items: list[Rule | Advice] = [*protocol.rules, *protocol.advice]
    for item in items:
        finding.cases += 1
        if not item.source.strip():
            finding.failure = f"{item.id} has no source"
            return finding
        for name in item.when.names - RESULT_NAMES:
            finding.cases += 1
            if name not in protocol.by_id:
                finding.failure = f"{item.id} reads unknown question '{name}'"
                return finding
    return finding
