"""The six properties proved from the rules' monotone structure, without enumerating groups.

Every rule is an OR of ANDs of comparisons. When each comparison is upward closed (if an answer
meets it, every more severe answer of that question does too), each rule can only switch on as
answers get worse, and the properties follow from one small check per comparison or per rule:

1. total: the disposition is the most urgent matching rule, one per answer set by
   construction; Kleene's three-valued logic is sound, so a decided partial result holds for
   every completion. Each rule is checked to read only known questions with typed values.
2. monotone: an OR of ANDs of upward-closed comparisons is itself upward closed, so no rule
   switches off as an answer gets worse, and neither can the most urgent one that matches.
3. red flags dominate: no disposition is more urgent than the emergency one.
4. no dead rule: a conjunction holds from its least severe point upward, so a rule decides the
   result somewhere exactly when, at that point (the rest mildest), nothing more urgent holds.
5, 6: as the exhaustive proof does them, one item at a time.

A comparison that is not upward closed leaves nothing to build on: `applies` says so, and the
exhaustive proof in `verify` must be used. Counterexamples are the least severe points,
re-checked by the engine.
"""

from __future__ import annotations

import math
from typing import Any

from rules.callback import check_call_back
from rules.conditions import NOT_MEASURED, OPERATORS, Atom
from rules.engine import assess
from rules.findings import Finding
from rules.model import Protocol, Rule
from rules.space import answer_json, atoms_of, classes, components, domain
from rules.verify import EMERGENCY, traced

# Above this many partial class combinations in one linked group, enumeration takes minutes
# (3^10 took about two minutes on a generated protocol; the shipped one has 180).
EXHAUSTIVE_LIMIT = 20_000


def exhaustive_cost(protocol: Protocol) -> int:
    """Partial class combinations in the largest linked group: what enumeration must walk."""
    atoms = [a for rule in protocol.rules for a in atoms_of(rule.when)]
    sizes = {
        q.id: len(classes(q, [a for a in atoms if a.name == q.id])) + 1  # or not yet asked
        for q in protocol.questions
    }
    return max((math.prod(sizes[n] for n in group) for group in components(protocol)), default=1)


def answer_classes(protocol: Protocol) -> int:
    """Classes of complete answer sets that the rules' thresholds define, over every question."""
    atoms = [a for rule in protocol.rules for a in atoms_of(rule.when)]
    return math.prod(
        len(classes(q, [a for a in atoms if a.name == q.id])) for q in protocol.questions
    )


def _meets(atom: Atom, value: Any) -> bool:
    """Whether one normalised answer meets a comparison, its question's guard aside."""
    if atom.op == NOT_MEASURED:
        return value is None
    if value is None:
        return False
    return bool(OPERATORS[atom.op](value, atom.value))


def _covered(protocol: Protocol, rule: Rule, name: str, value: Any) -> bool:
    """Whether this answer alone makes a rule at least as urgent as `rule` hold."""
    limit = protocol.rank[rule.disposition]
    return any(
        all(a.name == name and a.guard is None and _meets(a, value) for a in atoms)
        for other in protocol.rules
        if protocol.rank[other.disposition] <= limit
        for atoms in other.when.disjuncts
        if atoms
    )


def not_upward_closed(protocol: Protocol) -> list[tuple[str, str]]:
    """(rule, comparison) for each comparison a worse answer fails with nothing to cover it.

    `bleeding = soaking` fails for uncontrolled bleeding, but uncontrolled bleeding is itself
    a more urgent rule, so making the answer worse cannot lower the result: that is covered.
    """
    found = []
    for rule in protocol.rules:
        for atom in atoms_of(rule.when):
            answers = domain(protocol.by_id[atom.name])
            for value, level in answers:
                if not _meets(atom, value):
                    continue
                if any(
                    worse > level
                    and not _meets(atom, other)
                    and not _covered(protocol, rule, atom.name, other)
                    for other, worse in answers
                ):
                    found.append((rule.id, atom.text))
                    break
    return found


def applies(protocol: Protocol) -> bool:
    """Whether every rule is built from upward-closed comparisons, so this proof holds."""
    return not not_upward_closed(protocol)


def _least_point(protocol: Protocol, atoms: tuple[Atom, ...]) -> dict[str, Any] | None:
    """The least severe answers that meet a conjunction (guards too), the rest mildest."""
    values: dict[str, Any] = {q.id: domain(q)[0][0] for q in protocol.questions}
    needed = [a for atom in atoms for a in atoms_of_conjunct(atom)]
    for name in dict.fromkeys(a.name for a in needed):
        own = [a for a in needed if a.name == name]
        value = next(
            (v for v, _ in domain(protocol.by_id[name]) if all(_meets(a, v) for a in own)),
            _NOTHING,
        )
        if value is _NOTHING:
            return None  # no single answer meets all its comparisons on this question
        values[name] = value
    return values


_NOTHING = object()


def atoms_of_conjunct(atom: Atom) -> list[Atom]:
    """An atom and the first conjunction of its guard: what must hold for it to hold."""
    if atom.guard is None or not atom.guard.disjuncts:
        return [atom]
    return [atom, *(a for g in atom.guard.disjuncts[0] for a in atoms_of_conjunct(g))]


def _rank_at(protocol: Protocol, values: dict[str, Any]) -> int:
    """The most urgent rank whose rule holds for complete normalised answers."""
    ranks = [protocol.rank[r.disposition] for r in protocol.rules if r.when.fast(values)]
    return min(ranks, default=len(protocol.dispositions) - 1)


def _answers(protocol: Protocol, values: dict[str, Any]) -> dict[str, Any]:
    """Normalised values as an answer set, leaving out questions that are not asked."""
    return {
        q.id: answer_json(q, values[q.id])
        for q in protocol.questions
        if q.asked_when is None or q.asked_when.fast(values)
    }


def _witness(protocol: Protocol, rule: Rule) -> tuple[dict[str, Any] | None, int]:
    """The least severe point of a conjunction where the rule decides, or the rank met there."""
    met = len(protocol.dispositions)
    for atoms in rule.when.disjuncts:
        values = _least_point(protocol, atoms)
        if values is None:
            continue
        rank = _rank_at(protocol, values)
        if rank == protocol.rank[rule.disposition]:
            return values, rank
        met = min(met, rank)
    return None, met


def prove(protocol: Protocol) -> list[Finding]:
    """The six properties; call only when `applies(protocol)`."""
    rank = protocol.rank
    total = Finding(1, "total", cases=len(protocol.rules))
    monotone = Finding(
        2, "monotone", cases=sum(1 for r in protocol.rules for _ in atoms_of(r.when))
    )
    red = Finding(3, "red flags dominate", cases=len(protocol.rules))
    emergency = rank.get(EMERGENCY, 0)
    louder = [r for r in protocol.rules if rank[r.disposition] < emergency]
    flags = [r for r in protocol.rules if rank[r.disposition] == emergency]
    if louder and flags:
        values: dict[str, Any] = {**(_least_point(protocol, flags[0].when.disjuncts[0]) or {})}
        more = _least_point(protocol, louder[0].when.disjuncts[0]) or {}
        values.update({k: v for k, v in more.items() if k in louder[0].when.names})
        answers = _answers(protocol, values)
        got = assess(answers, protocol)["disposition"]
        if got != protocol.dispositions[emergency].id:
            red.failure = f"rule {flags[0].id} matches but the disposition is {got}"
            red.counterexample = answers
    dead = Finding(4, "no dead rule")
    for rule in protocol.rules:
        dead.cases += 1
        witness, _ = _witness(protocol, rule)
        if witness is None:
            dead.failure = f"rule {rule.id} never decides the disposition"
            point = next(
                (p for a in rule.when.disjuncts if (p := _least_point(protocol, a)) is not None),
                None,
            )
            if point is None:
                dead.failure += ": no answer set matches it"
                dead.counterexample = {"rule": rule.id, "when": rule.when.text}
            else:
                dead.counterexample = _answers(protocol, point)
                got = assess(dead.counterexample, protocol)["disposition"]
                dead.failure += f": where it matches, the result is already {got}"
            break
        answers = _answers(protocol, witness)
        got = assess(answers, protocol)["disposition"]
        if got != rule.disposition:  # the engine must agree with the proof's own reading
            dead.failure = f"rule {rule.id}: the engine gives {got} where the proof finds it"
            dead.counterexample = answers
            break
    return [total, monotone, red, dead, traced(protocol), check_call_back(protocol)]
