"""What changes between two protocol versions, over the whole space of complete answer sets.

Both versions' thresholds cut every question's answers into classes. Questions linked by a
rule of either version form a component; the disposition is the most urgent of the
components' own results, so counting the classes that move is a product over components,
carried as a table of (old disposition, new disposition) -> count and the mildest example.
Nothing is sampled. An advice item's questions are merged into one component with it, and
the item is judged on every class of that component against every disposition pair the rest
of the answers can give.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rules.conditions import Condition
from rules.diff_texts import (
    RuleChange,
    TextChange,
    call_back_changes,
    rule_changes,
    text_changes,
)
from rules.model import Protocol, Question
from rules.space import ValueClass, answer_json, atoms_of, classes
from rules.typer import DECIDED, DISPOSITION

# (old rank, new rank) -> (classes, severity score of the mildest example, that example)
Table = dict[tuple[int, int], tuple[int, int, dict[str, Any]]]


@dataclass
class Move:
    """Answer classes whose disposition goes from one id to another."""

    old: str
    new: str
    classes: int
    example: dict[str, Any]


@dataclass
class AdviceChange:
    """An advice item given in classes where the other version does not give it."""

    id: str
    old_when: str
    new_when: str
    appears: int = 0
    appears_example: dict[str, Any] | None = None
    disappears: int = 0
    disappears_example: dict[str, Any] | None = None


@dataclass
class Diff:
    """The whole difference between two versions."""

    old: Protocol
    new: Protocol
    classes: int = 0
    down: list[Move] = field(default_factory=list)
    up: list[Move] = field(default_factory=list)
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    advice_added: list[str] = field(default_factory=list)
    advice_removed: list[str] = field(default_factory=list)
    advice_conditions: list[tuple[str, str, str]] = field(default_factory=list)
    advice_moved: list[AdviceChange] = field(default_factory=list)
    rules_changed: list[RuleChange] = field(default_factory=list)
    texts_changed: list[TextChange] = field(default_factory=list)
    languages_changed: list[str] = field(default_factory=list)
    # Call-back sentences: (text, where it comes from), and those reworded, paired by rule.
    call_back_added: list[tuple[str, str]] = field(default_factory=list)
    call_back_removed: list[tuple[str, str]] = field(default_factory=list)
    call_back_changed: list[TextChange] = field(default_factory=list)


class _Space:
    """The classes of both versions' thresholds, and each component's results."""

    def __init__(self, old: Protocol, new: Protocol) -> None:
        self.old, self.new = old, new
        self.questions: dict[str, Question] = {**old.by_id, **new.by_id}
        conditions = [r.when for p in (old, new) for r in p.rules]
        conditions += [a.when for p in (old, new) for a in p.advice]
        atoms = [a for c in conditions for a in atoms_of(c)]
        self.classes: dict[str, list[ValueClass]] = {
            name: classes(q, [a for a in atoms if a.name == name])
            for name, q in self.questions.items()
        }

    def rule_links(self) -> list[frozenset[str]]:
        """The questions each rule of either version reads together."""
        return [r.when.names for p in (self.old, self.new) for r in p.rules]

    def groups(self, links: Iterable[frozenset[str]]) -> list[list[str]]:
        """Questions grouped so that no link spans two groups, in asking order."""
        parent = {name: name for name in self.questions}

        def find(name: str) -> str:
            while parent[name] != name:
                name = parent[name]
            return name

        for names in links:
            ordered = sorted(n for n in names if n in parent)
            for other in ordered[1:]:
                parent[find(other)] = find(ordered[0])
        grouped: dict[str, list[str]] = {}
        for name in self.questions:
            grouped.setdefault(find(name), []).append(name)
        return list(grouped.values())

    def combos(self, names: list[str]) -> Iterable[tuple[int, dict[str, Any]]]:
        """Each class combination of some questions: its severity score and its values."""
        for combo in itertools.product(*(range(len(self.classes[n])) for n in names)):
            yield (
                sum(combo),
                {n: self.classes[n][i].value for n, i in zip(names, combo, strict=True)},
            )

    def level(self, protocol: Protocol, values: dict[str, Any]) -> int:
        """The most urgent rank the protocol's rules give for a group's values."""
        least = len(protocol.dispositions) - 1
        ranks = [
            protocol.rank[r.disposition]
            for r in protocol.rules
            if r.when.names <= values.keys() and r.when.evaluate(values) is True
        ]
        return min(ranks, default=least)

    def table(self, names: list[str]) -> Table:
        """(old, new) level of one group -> classes, and the mildest example."""
        out: Table = {}
        for score, values in self.combos(names):
            key = (self.level(self.old, values), self.level(self.new, values))
            count, best, example = out.get(key, (0, score + 1, {}))
            out[key] = (count + 1, *((score, values) if score < best else (best, example)))
        return out

    def answers(self, values: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
        """A whole answer set for one protocol: the values given, the mildest elsewhere."""
        out = {}
        for question in protocol.questions:
            value = values.get(question.id, self.classes[question.id][0].value)
            out[question.id] = answer_json(question, value)
        return out


def _combine(left: Table, right: Table) -> Table:
    """The table of two independent groups: the most urgent level of each side wins."""
    out: Table = {}
    for (lo, ln), (lc, ls, lx) in left.items():
        for (ro, rn), (rc, rs, rx) in right.items():
            key = (min(lo, ro), min(ln, rn))
            count, best, example = out.get(key, (0, ls + rs + 1, {}))
            if ls + rs < best:
                best, example = ls + rs, {**lx, **rx}
            out[key] = (count + lc * rc, best, example)
    return out


def _product(space: _Space, groups: list[list[str]]) -> Table:
    """The table of several independent groups."""
    total: Table = {(len(space.old.dispositions) - 1, len(space.new.dispositions) - 1): (1, 0, {})}
    for names in groups:
        total = _combine(total, space.table(names))
    return total


def _given(protocol: Protocol, advice_id: str, values: dict[str, Any], rank: int) -> bool:
    """Whether a protocol gives an advice item for complete answers with this disposition."""
    item = next((a for a in protocol.advice if a.id == advice_id), None)
    if item is None:
        return False
    disposition = protocol.dispositions[rank]
    if disposition.only_advice is not None and advice_id not in disposition.only_advice:
        return False
    context = {**values, DISPOSITION: disposition.id, DECIDED: True}
    return item.when.evaluate(context) is True


def _flips(
    space: _Space, advice_id: str, own: list[str], rest: Table
) -> Iterator[tuple[bool, int, int, dict[str, Any]]]:
    """Where one version gives the advice item and the other does not: whether the new one
    gives it, how many classes, their severity score and the values of the mildest."""
    own_combos = space.combos(own) if own else [(0, {})]
    for score, values in own_combos:
        own_old, own_new = space.level(space.old, values), space.level(space.new, values)
        for (ro, rn), (count, rscore, rvalues) in rest.items():
            was = _given(space.old, advice_id, values, min(own_old, ro))
            now = _given(space.new, advice_id, values, min(own_new, rn))
            if was != now:
                yield now, count, score + rscore, {**rvalues, **values}


def _advice_change(space: _Space, advice_id: str, old: Condition, new: Condition) -> AdviceChange:
    """Where one advice item is given by one version and not the other, over every class."""
    read = (old.names | new.names) - {DISPOSITION, DECIDED}
    groups = space.groups([*space.rule_links(), frozenset(read)])
    own = next(g for g in groups if read <= set(g)) if read else []
    rest = _product(space, [g for g in groups if g is not own])
    change = AdviceChange(advice_id, old.text, new.text)
    best = {True: 1 << 30, False: 1 << 30}
    for now, count, score, values in _flips(space, advice_id, own, rest):
        if now:
            change.appears += count
        else:
            change.disappears += count
        if score < best[now]:
            best[now] = score
            example = space.answers(values, space.new)
            if now:
                change.appears_example = example
            else:
                change.disappears_example = example
    return change


def _added_and_removed(
    old_ids: Collection[str], new_ids: Collection[str]
) -> tuple[list[str], list[str]]:
    """The ids only the new version has, and those only the old one has, in file order."""
    return [i for i in new_ids if i not in old_ids], [i for i in old_ids if i not in new_ids]


def _disposition_moves(space: _Space) -> tuple[int, list[Move], list[Move]]:
    """How many classes there are; those whose disposition moves down, and up."""
    old, new = space.old, space.new
    classes = 0
    down: list[Move] = []
    up: list[Move] = []
    table = _product(space, space.groups(space.rule_links()))
    for (o, n), (count, _, values) in sorted(table.items()):
        classes += count
        if o != n:
            move = Move(
                old.dispositions[o].id, new.dispositions[n].id, count, space.answers(values, new)
            )
            (down if n > o else up).append(move)
    return classes, down, up


# An advice item both versions have: its id, its condition before and after.
_Kept = tuple[str, Condition, Condition]


def _kept_advice(old: Protocol, new: Protocol) -> list[_Kept]:
    """The advice items both versions have, in the new order: id, old and new condition."""
    before = {a.id: a for a in old.advice}
    return [
        (advice_id, before[advice_id].when, item.when)
        for advice_id, item in {a.id: a for a in new.advice}.items()
        if advice_id in before
    ]


def _advice_moved(space: _Space, kept: list[_Kept]) -> list[AdviceChange]:
    """The advice items that either version gives in some class where the other does not."""
    changes = (_advice_change(space, advice_id, was, now) for advice_id, was, now in kept)
    return [change for change in changes if change.appears or change.disappears]


def diff(old: Protocol, new: Protocol) -> Diff:
    """Every difference between two versions, over the whole answer space."""
    space = _Space(old, new)
    result = Diff(old, new)
    result.questions_added, result.questions_removed = _added_and_removed(old.by_id, new.by_id)
    result.classes, result.down, result.up = _disposition_moves(space)
    result.advice_added, result.advice_removed = _added_and_removed(
        {a.id: a for a in old.advice}, {a.id: a for a in new.advice}
    )
    kept = _kept_advice(old, new)
    result.advice_conditions = [
        (advice_id, was.text, now.text) for advice_id, was, now in kept if was.text != now.text
    ]
    result.advice_moved = _advice_moved(space, kept)
    result.rules_changed = rule_changes(old, new)
    result.texts_changed, result.languages_changed = text_changes(old, new)
    changes = call_back_changes(old, new)
    result.call_back_changed, result.call_back_removed, result.call_back_added = changes
    return result
