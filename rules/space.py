"""The answer space cut into equivalence classes by the thresholds the rules use."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rules.conditions import NOT_MEASURED, OPERATORS, Atom, Condition
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO, Protocol, Question


@dataclass(frozen=True)
class ValueClass:
    """Answers to one question that every rule treats alike; `value` is the mildest of them."""

    value: Any
    members: tuple[tuple[Any, int], ...]  # (answer, severity level), mildest first

    @property
    def severities(self) -> set[int]:
        """The severity levels of the class's answers."""
        return {severity for _, severity in self.members}


def domain(question: Question) -> list[tuple[Any, int]]:
    """Every valid normalised answer with its severity level, mildest first."""
    if question.type == YES_NO:
        mild = not question.severe_answer
        return [(mild, 0), (not mild, 1)]
    if question.type == INTEGER:
        first, last = question.bounds
        values = range(int(first), int(last) + 1)
        return [(v, 0 if question.context else v) for v in values]
    if question.type == CHOICE:
        ordered = sorted(question.choices, key=lambda c: c.severity)
        return [(c.id, c.severity) for c in ordered]
    low, high = (round(limit * 10) for limit in question.bounds)
    return [(None, 0)] + [(t / 10, t - low + 1) for t in range(low, high + 1)]


def atoms_of(condition: Condition) -> Iterator[Atom]:
    """Every atom a condition reads, those of question guards included."""
    for conj in condition.disjuncts:
        for atom in conj:
            yield atom
            if atom.guard is not None:
                yield from atoms_of(atom.guard)


def _signature(value: Any, atoms: list[Atom]) -> tuple[bool, ...]:
    """How each atom on this question judges one answer, guards aside."""
    out = []
    for atom in atoms:
        if atom.op == NOT_MEASURED:
            out.append(value is None)
        else:
            out.append(value is not None and OPERATORS[atom.op](value, atom.value))
    return tuple(out)


def classes(question: Question, atoms: list[Atom]) -> list[ValueClass]:
    """The question's answers grouped by how the given atoms judge them, mildest first."""
    groups: dict[tuple[bool, ...], list[tuple[Any, int]]] = {}
    for value, severity in domain(question):
        groups.setdefault(_signature(value, atoms), []).append((value, severity))
    return [ValueClass(members[0][0], tuple(members)) for members in groups.values()]


def components(protocol: Protocol) -> list[list[str]]:
    """Questions grouped so that no rule reads two groups: the disposition is a min over them."""
    parent = {q.id: q.id for q in protocol.questions}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    read = set()
    for rule in protocol.rules:
        names = sorted(rule.when.names)
        read.update(names)
        for other in names[1:]:
            parent[find(other)] = find(names[0])
    groups: dict[str, list[str]] = {}
    for question in protocol.questions:
        if question.id in read:
            groups.setdefault(find(question.id), []).append(question.id)
    return list(groups.values())


def answer_json(question: Question, value: Any) -> Any:
    """A normalised answer written back as the answer JSON."""
    if question.type == TEMPERATURE:
        return None if value is None else {"value": value, "unit": "C"}
    return value


def by_mildness(choices: list[list[ValueClass]]) -> list[tuple[int, ...]]:
    """Every combination of class indexes, the mildest combinations first."""
    combos = itertools.product(*(range(len(c)) for c in choices))
    return sorted(combos, key=lambda combo: (sum(combo), combo))
