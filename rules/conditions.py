"""Conditions: parsing the protocol's condition text and three-valued evaluation."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Three-valued logic: True, False, or None for "not known yet".
Tri = bool | None

NOT_MEASURED = "is not measured"
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_ATOM = re.compile(
    r"^\s*(?P<name>[a-z][a-z0-9_]*)\s*"
    r"(?:(?P<op>!=|>=|<=|=|>|<)\s*(?P<value>[A-Za-z0-9_.\-]+)|(?P<null>is\s+not\s+measured))\s*$"
)


class ConditionSyntaxError(ValueError):
    """Condition text that does not parse; the loader turns it into a ProtocolError."""


@dataclass(frozen=True, slots=True)
class RawAtom:
    """One comparison as written, before its value is typed against the question."""

    name: str
    op: str
    value: str | None


def parse(text: str) -> tuple[tuple[RawAtom, ...], ...]:
    """Parse condition text into a disjunction of conjunctions of raw atoms."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionSyntaxError("the condition is empty")
    if text.strip() == "always":
        return ((),)
    disjuncts = []
    for part in re.split(r"\bor\b", text):
        atoms = []
        for piece in re.split(r"\band\b", part):
            match = _ATOM.match(piece)
            if match is None:
                raise ConditionSyntaxError(
                    f"cannot read {piece.strip()!r}: write `question op value`, "
                    f"with op one of {', '.join(OPERATORS)}, or `question {NOT_MEASURED}`"
                )
            if match["null"]:
                atoms.append(RawAtom(match["name"], NOT_MEASURED, None))
            else:
                atoms.append(RawAtom(match["name"], match["op"], match["value"]))
        disjuncts.append(tuple(atoms))
    return tuple(disjuncts)


@dataclass(frozen=True, slots=True)
class Atom:
    """One typed comparison of an answer with a constant."""

    name: str
    op: str
    value: Any
    text: str
    # The question this one depends on, when it is asked only under a condition.
    guard: Condition | None = None

    def evaluate(self, values: Mapping[str, Any]) -> Tri:
        """True, False, or None when the answer is not known yet."""
        own = self._compare(values)
        if self.guard is None or own is False:
            return own  # a false comparison is false whether or not the question applies
        applies = self.guard.evaluate(values)
        if applies is False:
            return False  # the question does not apply: its answer is ignored
        if applies is None or own is None:
            return None
        return True

    def _compare(self, values: Mapping[str, Any]) -> Tri:
        """The comparison alone, guard aside."""
        if self.name not in values:
            return None
        answer = values[self.name]
        if self.op == NOT_MEASURED:
            return answer is None
        if answer is None:
            return False  # a temperature not measured meets no threshold
        return OPERATORS[self.op](answer, self.value)

    def unknowns(self, values: Mapping[str, Any]) -> list[str]:
        """The unanswered questions that keep this atom from being known."""
        missing = [] if self.guard is None else self.guard.unknowns(values)
        if self.name not in values:
            missing.append(self.name)
        return missing


@dataclass(frozen=True, slots=True)
class Condition:
    """A disjunction of conjunctions of atoms, as written in the protocol."""

    text: str
    disjuncts: tuple[tuple[Atom, ...], ...]
    # The condition compiled to one Python expression in two-valued logic. It raises KeyError
    # when it reads an unanswered question; it is right whenever it returns.
    fast: Callable[[Mapping[str, Any]], bool] = field(init=False, repr=False, compare=False)
    # Every answer id the condition reads, guards included.
    names: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fast", _compile(self))
        object.__setattr__(self, "names", _names(self))

    def evaluate(self, values: Mapping[str, Any]) -> Tri:
        """Three-valued OR of three-valued ANDs."""
        known = values.keys()
        if self.names <= known:
            return self.fast(values)  # every answer it reads is known: two values suffice
        if len(self.disjuncts) == 1 and self.names.isdisjoint(known):
            return None  # one conjunction of atoms that are all unknown
        return self._three_valued(values)

    def _three_valued(self, values: Mapping[str, Any]) -> Tri:
        """Kleene's three-valued logic, atom by atom."""
        result: Tri = False
        for atoms in self.disjuncts:
            conj: Tri = True
            for atom in atoms:
                value = atom.evaluate(values)
                if value is False:
                    conj = False
                    break
                if value is None:
                    conj = None
            if conj is True:
                return True
            if conj is None:
                result = None
        return result

    def matched_atoms(self, values: Mapping[str, Any]) -> tuple[Atom, ...]:
        """The atoms of the first conjunction that surely holds, for a condition that holds."""
        if len(self.disjuncts) == 1:
            return self.disjuncts[0]  # the only conjunction is the one that holds
        for atoms in self.disjuncts:
            if all(atom.evaluate(values) is True for atom in atoms):
                return atoms
        return ()

    def unknowns(self, values: Mapping[str, Any]) -> list[str]:
        """The unanswered questions that could still make this not-yet-known condition hold."""
        if len(self.disjuncts) == 1:
            # One conjunction that is not known yet has no false atom, so every question it
            # reads that is unanswered is one it still waits for.
            return [name for name in self.names if name not in values]
        missing: list[str] = []
        for atoms in self.disjuncts:
            states = [atom.evaluate(values) for atom in atoms]
            if False in states:
                continue
            for atom, state in zip(atoms, states, strict=True):
                if state is None:
                    missing.extend(q for q in atom.unknowns(values) if q not in missing)
        return missing


def _names(condition: Condition) -> frozenset[str]:
    """Every answer id a condition reads, guards included."""
    found: set[str] = set()
    for atoms in condition.disjuncts:
        for atom in atoms:
            found.add(atom.name)
            if atom.guard is not None:
                found |= atom.guard.names
    return frozenset(found)


def _python(atom: Atom) -> str:
    """One atom as a Python expression over the answers `v`; ids and values are validated."""
    answer = f"v[{atom.name!r}]"
    if atom.op == NOT_MEASURED:
        test = f"({answer} is None)"
    elif isinstance(atom.value, float):
        # Only a temperature is a decimal, and an unmeasured one meets no threshold.
        py_op = "==" if atom.op == "=" else atom.op
        test = f"({answer} is not None and {answer} {py_op} {atom.value!r})"
    else:
        py_op = "==" if atom.op == "=" else atom.op
        test = f"({answer} {py_op} {atom.value!r})"
    if atom.guard is None:
        return test
    return f"({_expression(atom.guard)} and {test})"


def _expression(condition: Condition) -> str:
    """A whole condition as one two-valued Python expression."""
    if not condition.disjuncts:
        return "False"
    parts = []
    for atoms in condition.disjuncts:
        parts.append("(" + " and ".join(_python(a) for a in atoms) + ")" if atoms else "True")
    return "(" + " or ".join(parts) + ")"


def _compile(condition: Condition) -> Callable[[Mapping[str, Any]], bool]:
    """Compile a condition once, at load time, so assessing costs a single call."""
    source = f"lambda v: bool({_expression(condition)})"
    compiled: Callable[[Mapping[str, Any]], bool] = eval(
        compile(source, f"<condition {condition.text}>", "eval"), {"__builtins__": {"bool": bool}}
    )  # noqa: S307
    return compiled
