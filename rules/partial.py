"""The protocol's decision for partial answers, compiled: Kleene's three-valued logic.

Speed machinery for `flask encounters replay` alone (`checker/nurse/replay.py`), where it
earns it: a replay of a million stored calls takes 1.15x the processor time with the engine's
checks and evaluation instead, the plain way (`python -m bench.stored_calls --plain`;
bench/README.md, "Speed machinery"). The patient's check does not use it: there it saved
under 4% of a step.

While a call is under way most answers are still missing. Each atom is then unknown, and a
rule is surely met, surely not, or unknown, exactly as the interpreted engine reads it; the
disposition is that of the most urgent rule surely met. Invalid answers return None and are
left to the engine, which names every error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Any

from rules.compiled import _atom, _seen, _var, compiled_assess, generated_namespace
from rules.conditions import Atom, Condition
from rules.model import CHOICE, INTEGER, YES_NO, Protocol


def _and(*states: bool | None) -> bool | None:
    """Kleene's AND: false if any is false, else unknown if any is unknown."""
    result: bool | None = True
    for state in states:
        if state is False:
            return False
        if state is None:
            result = None
    return result


def _or(*states: bool | None) -> bool | None:
    """Kleene's OR: true if any is true, else unknown if any is unknown."""
    result: bool | None = False
    for state in states:
        if state is True:
            return True
        if state is None:
            result = None
    return result


def _guarded(own: bool | None, applies: bool | None) -> bool | None:
    """An atom on a question asked only under a condition, as Atom.evaluate reads it."""
    if own is False or applies is False:
        return False
    return None if own is None or applies is None else True


def _atom3(atom: Atom) -> str:
    """One atom in three values: None while its question is unanswered."""
    own = f"(None if {_var(atom.name)} is M else {_atom(replace(atom, guard=None))})"
    return own if atom.guard is None else f"G({own}, {_condition3(atom.guard)})"


def _condition3(condition: Condition) -> str:
    """A whole condition in three values."""
    conjunctions = [
        (
            "True"
            if not atoms
            else _atom3(atoms[0])
            if len(atoms) == 1
            else "AND(" + ", ".join(_atom3(a) for a in atoms) + ")"
        )
        for atoms in condition.disjuncts
    ]
    if not conjunctions:
        return "False"
    return conjunctions[0] if len(conjunctions) == 1 else "OR(" + ", ".join(conjunctions) + ")"


def _partial_source(protocol: Protocol) -> str:
    """A decision for partial answers: the most urgent rule that surely matches."""
    lines = ["def decide(a):", "    if type(a) is not dict or not a.keys() <= KNOWN: return None"]
    for question in protocol.questions:
        v = _var(question.id)
        lines.append(f"    {v} = a.get({question.id!r}, M)")
        if question.type == YES_NO:
            lines.append(
                f"    if {v} is not M and {v} is not True and {v} is not False: return None"
            )
        elif question.type == INTEGER:
            low, high = (int(limit) for limit in question.bounds)
            lines.append(
                f"    if {v} is not M and (type({v}) is not int or "
                f"not {low} <= {v} <= {high}): return None"
            )
        elif question.type == CHOICE:
            lines.append(
                f"    if {v} is not M and (type({v}) is not str or "
                f"{v} not in C_{question.id}): return None"
            )
        else:
            lowest, highest = question.bounds
            lines += [
                f"    if {v} is not M and {v} is not None:",
                f"        {v} = T({v}, {lowest!r}, {highest!r}, {_seen(question)})",
                f"        if {v} is M: return None",
            ]
    for index, rule in enumerate(protocol.rules):
        lines.append(f"    r{index} = {_condition3(rule.when)}")
    for rank, disposition in enumerate(protocol.dispositions[:-1]):
        own = [i for i, r in enumerate(protocol.rules) if protocol.rank[r.disposition] == rank]
        if own:
            test = " or ".join(f"r{i} is True" for i in own)
            lines.append(f"    if {test}: return {disposition.id!r}")
    lines.append(f"    return {protocol.default_disposition.id!r}")
    return "\n".join(lines)


@lru_cache(maxsize=16)
def compiled_partial_decision(protocol: Protocol) -> Callable[[Any], Any]:
    """Raw partial answers to the disposition the engine gives; None for an invalid answer."""
    namespace = generated_namespace(protocol)
    namespace.update(AND=_and, OR=_or, G=_guarded)
    source = _partial_source(protocol)
    exec(compile(source, f"<partial {protocol.id}>", "exec"), namespace)  # noqa: S102
    function: Callable[[Any], Any] = namespace["decide"]
    return function


@lru_cache(maxsize=16)
def compiled_decision(protocol: Protocol) -> Callable[[Any], Any]:
    """Raw answers, complete or partial, to the disposition id; None for an invalid answer."""
    complete = compiled_assess(protocol, {"call_back_if": ()}, decision_only=True)
    partial = compiled_partial_decision(protocol)

    def decide(answers: Any) -> Any:
        decided = complete(answers)
        return decided if decided is not None else partial(answers)

    return decide
