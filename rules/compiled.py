"""The protocol compiled, once per protocol, into plain Python functions: the engine's fast path.

What it buys (bench/README.md, "Speed machinery"; `python -m bench.machinery --only engine`):
`rules.assess` on a complete answer set is about 4.3x faster than the interpreted engine, the
plain way (3.7 against 15.8 µs), which is what meets the 5 µs target, and a JSON API
request takes 1.15x to 1.28x as long without it. `rules.engine.assess` is the only caller,
and the seam: it tries `compiled_assess`'s function first.

That function takes the common case, a complete and valid answer set: each answer's check,
each rule, the disposition, the reasons and the advice as straight-line code over local
variables. Anything else (a partial answer set, a wrong type, an unknown key) returns None and
is assessed by the interpreted engine, which names every error; so the compiled path can only
be faster, never different (tests/rules/test_compiled.py). `compiled_disposition`, the bare
decision for validated answers as an if-chain in priority order, is what the benchmark holds
to a minimal hand-written if/else; nothing in the app calls it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from rules.answers import to_celsius
from rules.conditions import NOT_MEASURED, Atom, Condition
from rules.model import CHOICE, INTEGER, YES_NO, Protocol, Question
from rules.typer import DECIDED, DISPOSITION

Assess = Callable[[Any], "dict[str, Any] | None"]
Decide = Callable[[Mapping[str, Any]], str]
_MISSING = object()


# Each generated function keeps, per temperature question, (value, unit) -> °C of the valid
# readings it has seen: the same few hundred come back again and again. Valid means within
# that question's range in that protocol, so the memo is never shared with another question or
# protocol (34.5 °C valid under one is not under a copy whose minimum is 35.0). Only valid
# readings are kept, so True (== 1) can never find 1 °C here.
Seen = dict[tuple[Any, Any], float]
_SEEN_MAX = 20_000


def _seen(question: Question) -> str:
    """The name of one temperature question's memo of valid readings, in the namespace."""
    return f"S_{question.id}"


def _temperature(raw: Any, low: float, high: float, seen: Seen) -> Any:
    """A valid temperature object as °C, None for not measured, or _MISSING when invalid."""
    if raw is None:
        return None
    if type(raw) is not dict or len(raw) != 2:
        return _MISSING
    value: Any = raw.get("value")
    unit = raw.get("unit")
    if unit not in ("C", "F") or type(value) not in (int, float) or abs(value) > 1000:
        return _MISSING
    if value != value or value in (float("inf"), float("-inf")):
        return _MISSING
    celsius = to_celsius(value, unit)
    if not low <= celsius <= high:
        return _MISSING
    if len(seen) >= _SEEN_MAX:
        seen.clear()
    seen[value, unit] = celsius
    return celsius


def _var(name: str) -> str:
    """The local variable that holds one answer's value."""
    return f"v_{name}"


def _check(question: Question) -> list[str]:
    """Lines that read one answer and return None when it is missing or invalid."""
    v, key = _var(question.id), repr(question.id)
    lines = [f"    {v} = g({key}, M)"]
    # A missing answer (M) fails every type test below, so it needs no test of its own, except
    # where the question may be left out (asked only under a condition) or may be None.
    optional = question.asked_when is not None
    present = f"{v} is not M and " if optional else ""
    if question.type not in (YES_NO, INTEGER, CHOICE) and not optional:
        lines.append(f"    if {v} is M: return None")
    if question.type == YES_NO:
        lines.append(f"    if {present}{v} is not True and {v} is not False: return None")
    elif question.type == INTEGER:
        low, high = (int(limit) for limit in question.bounds)
        lines.append(
            f"    if {present}(type({v}) is not int or not {low} <= {v} <= {high}): return None"
        )
    elif question.type == CHOICE:
        ids = f"C_{question.id}"  # a frozenset of the choice ids, in the namespace
        lines.append(f"    if {present}(type({v}) is not str or {v} not in {ids}): return None")
    else:
        lowest, highest = question.bounds
        lines += [
            f"    if {v} is not None:",
            "        c = None",
            f"        if type({v}) is dict and len({v}) == 2:",
            f"            k, u = {v}.get('value'), {v}.get('unit')",
            "            if (type(k) is float or type(k) is int) and (u == 'C' or u == 'F'):",
            f"                c = {_seen(question)}.get((k, u))",
            f"        {v} = c if c is not None else "
            f"T({v}, {lowest!r}, {highest!r}, {_seen(question)})",
            f"        if {v} is M: return None",
        ]
    return lines


def _atom(atom: Atom) -> str:
    """One atom over the local variables, two-valued (its question is answered or unneeded)."""
    v = _var(atom.name)
    if atom.name == DISPOSITION:
        test = f"(d {'==' if atom.op == '=' else '!='} {atom.value!r})"
    elif atom.name == DECIDED:
        test = f"(True {'==' if atom.op == '=' else '!='} {atom.value!r})"
    elif atom.op == NOT_MEASURED:
        test = f"({v} is None)"
    elif isinstance(atom.value, float):
        test = f"({v} is not None and {v} {'==' if atom.op == '=' else atom.op} {atom.value!r})"
    elif isinstance(atom.value, bool):  # a validated yes/no answer is True or False itself
        test = f"({v} {'is' if atom.op == '=' else 'is not'} {atom.value!r})"
    else:
        test = f"({v} {'==' if atom.op == '=' else atom.op} {atom.value!r})"
    return test if atom.guard is None else f"({_condition(atom.guard)} and {test})"


def _condition(condition: Condition) -> str:
    """A whole condition over the local variables."""
    if not condition.disjuncts:
        return "False"
    return (
        "("
        + " or ".join(
            "(" + " and ".join(_atom(a) for a in atoms) + ")" if atoms else "True"
            for atoms in condition.disjuncts
        )
        + ")"
    )


def _reason(protocol: Protocol, index: int, texts: Mapping[str, str]) -> list[str]:
    """Lines that add one matched rule's reason, naming the answers of its matched atoms."""
    rule = protocol.rules[index]
    lines = []
    for number, atoms in enumerate(rule.when.disjuncts):
        names = list(dict.fromkeys(a.name for a in atoms))
        answers = ", ".join(f"{n!r}: a[{n!r}]" for n in names)
        if len(rule.when.disjuncts) == 1:  # the only conjunction is the one that holds
            lines.append(f"        answers = {{{answers}}}")
            break
        keyword = "if" if number == 0 else "elif"
        test = "(" + " and ".join(_atom(a) for a in atoms) + ")"
        lines.append(f"        {keyword} {test}: answers = {{{answers}}}")
    else:
        lines.append("        else: answers = {}")
    text = texts[rule.id]
    lines.append(
        f"        reasons.append({{'rule': {rule.id!r}, 'text': {text!r}, 'answers': answers}})"
    )
    return lines


def _source(protocol: Protocol, texts: Mapping[str, Any], decision_only: bool = False) -> str:
    """The generated assess function's source; with decision_only, it returns the id alone."""
    # Fewer answers than the questions always asked: partial, left to the interpreted engine
    # at once rather than after checking the answers it has.
    lines = [
        "def assess(a):",
        "    if type(a) is not dict or len(a) < REQUIRED or not a.keys() <= KNOWN: return None",
        "    g = a.get",  # one attribute lookup for all the answers
    ]
    for question in protocol.questions:
        lines += _check(question)
    for question in protocol.questions:
        if question.asked_when is not None:  # needed only where it applies: then it must be given
            applies = _condition(question.asked_when)
            lines.append(f"    if {_var(question.id)} is M and {applies}: return None")
    for index, rule in enumerate(protocol.rules):
        lines.append(f"    r{index} = {_condition(rule.when)}")
    by_rank = sorted(
        range(len(protocol.rules)), key=lambda i: protocol.rank[protocol.rules[i].disposition]
    )
    for rank, disposition in enumerate(protocol.dispositions[:-1]):
        own = [i for i in by_rank if protocol.rank[protocol.rules[i].disposition] == rank]
        test = " or ".join(f"r{i}" for i in own) or "False"
        lines.append(f"    {'if' if rank == 0 else 'elif'} {test}: d = {disposition.id!r}")
    lines.append(f"    else: d = {protocol.default_disposition.id!r}")
    if decision_only:
        return "\n".join([*lines, "    return d"])
    lines.append("    reasons = []")
    for index in by_rank:
        lines.append(f"    if r{index}:")
        lines += _reason(protocol, index, texts)
    lines.append("    advice = []")
    for item in protocol.advice:
        only = [
            d.id
            for d in protocol.dispositions
            if d.only_advice is not None and item.id not in d.only_advice
        ]
        blocked = (
            f"d != {only[0]!r} and "
            if len(only) == 1
            else f"d not in {tuple(only)!r} and "
            if only
            else ""
        )
        lines.append(
            f"    if {blocked}{_condition(item.when)}: "
            f"advice.append({{'id': {item.id!r}, 'text': {texts[item.id]!r}}})"
        )
    lines.append(
        "    return {'disposition': d, 'decided': True, 'reasons': reasons, "
        "'advice': advice, 'call_back_if': list(CALL_BACK[d]), 'could_raise': [], "
        "'protocol': dict(IDENTITY)}"
    )
    return "\n".join(lines)


def generated_namespace(protocol: Protocol) -> dict[str, Any]:
    """What generated code may use: the missing marker, the reading of a temperature with a
    fresh memo per question, the question ids, how many are always asked, the choice sets and
    a few builtins; nothing else."""
    namespace: dict[str, Any] = {
        "M": _MISSING,
        "T": _temperature,
        "KNOWN": frozenset(protocol.by_id),
        "REQUIRED": sum(1 for q in protocol.questions if q.asked_when is None),
        "__builtins__": {"type": type, "dict": dict, "list": list, "len": len, "int": int,
                         "float": float, "str": str},
    }
    for question in protocol.questions:
        if question.type == CHOICE:
            namespace[f"C_{question.id}"] = frozenset(c.id for c in question.choices)
        elif question.type not in (YES_NO, INTEGER):
            namespace[_seen(question)] = {}  # this function's own memo: see _temperature
    return namespace


def compiled_assess(
    protocol: Protocol, wording: Mapping[str, Any], decision_only: bool = False
) -> Assess:
    """The generated assess function for one protocol and its texts, numbers filled in."""
    call_back = {
        d.id: tuple(wording["call_back_if"]) if d.call_back else () for d in protocol.dispositions
    }
    namespace = generated_namespace(protocol)
    namespace.update(CALL_BACK=call_back, IDENTITY=protocol.identity)
    exec(
        compile(
            _source(protocol, wording, decision_only),
            f"<compiled {protocol.id} {protocol.version}>",
            "exec",
        ),
        namespace,
    )  # noqa: S102  (source built from validated protocol data)
    function: Assess = namespace["assess"]
    return function


@lru_cache(maxsize=16)
def compiled_disposition(protocol: Protocol) -> Decide:
    """The disposition for complete validated answers, as an if-chain in priority order."""
    lines = ["def decide(v):"]
    for question in protocol.questions:
        if question.id in protocol.rules_read:
            lines.append(f"    {_var(question.id)} = v.get({question.id!r})")
    for rank, disposition in enumerate(protocol.dispositions[:-1]):
        own = [r for r in protocol.rules if protocol.rank[r.disposition] == rank]
        test = " or ".join(_condition(r.when) for r in own) or "False"
        lines.append(f"    if {test}: return {disposition.id!r}")
    lines.append(f"    return {protocol.default_disposition.id!r}")
    namespace: dict[str, Any] = {"__builtins__": {}}
    exec(compile("\n".join(lines), f"<decide {protocol.id}>", "exec"), namespace)  # noqa: S102
    function: Decide = namespace["decide"]
    return function
