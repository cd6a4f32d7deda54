"""Seconds to prove the six properties at scale: the monotone proof beside enumeration.

Run from the repository root: `python -m bench.proof`. The generated protocols come from
tests/rules/synthetic.py (yes/no, choice and 0-10 questions; a chain of rules links a group).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from rules import Protocol
from rules.prove import exhaustive_cost, prove
from rules.verify import Verifier
from tests.rules.synthetic import synthetic


def seconds(function: Callable[[], object], runs: int) -> float:
    """Median wall seconds of several runs."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(label: str, protocol: Protocol, exhaustive: bool) -> str:
    """One Markdown row: the protocol's size, and each method's time."""
    size = f"{len(protocol.questions)} questions, {len(protocol.rules)} rules"
    monotone = seconds(lambda: prove(protocol), 5)
    enumerated = (
        f"{seconds(lambda: Verifier(protocol).run(), 1):.2f} s"
        if exhaustive
        else (f"not run ({exhaustive_cost(protocol):,} partial classes in one group)")
    )
    return f"| {label} | {size} | {monotone:.3f} s | {enumerated} |"


def main() -> None:
    """Print the table."""
    print("| protocol | size | monotone proof | enumeration |")
    print("| --- | --- | --- | --- |")
    for linked in (6, 8):
        print(row(f"generated, {linked}-question linked group", synthetic(40, 30, linked), True))
    print(row("generated, 16-question linked group", synthetic(100, 95, 16), False))


if __name__ == "__main__":
    main()
