"""Time the rule engine against hand-written ifs and zen-engine, side by side, and verify.

Run from the repository root: `python -m bench.run` (add `--markdown` for the README table).
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if not __package__:  # run as `python bench/run.py`: make the repository importable
    sys.path.insert(0, str(ROOT))

import rules  # noqa: E402
from bench import handwritten, zen_table  # noqa: E402
from rules.compiled import compiled_disposition  # noqa: E402
from rules.engine import assess_interpreted  # noqa: E402

DISPOSITIONS = ("emergency", "call_doctor_now", "call_doctor_today", "self_care")
# The baselines write out one released protocol; the engine is timed running the same one.
PROTOCOL = handwritten.PROTOCOL


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """One key of weights, drawn with those weights."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _complete(rng: random.Random) -> dict[str, Any]:
    """A plausible complete answer set: mostly calm, sometimes with warning signs."""
    pain = rng.choices(range(11), weights=(12, 10, 12, 12, 10, 9, 8, 7, 6, 4, 3))[0]
    unit = _weighted(rng, {"none": 0.4, "C": 0.3, "F": 0.3})
    if unit == "none":
        temperature = None
    else:
        celsius = min(max(rng.gauss(37.3, 0.6), 34.5), 42.5)
        value = celsius if unit == "C" else celsius * 9 / 5 + 32
        temperature = {"value": round(value, 1), "unit": unit}
    answers: dict[str, Any] = {
        "chest_symptoms": rng.random() < 0.03,
        "leg_weakness": rng.random() < 0.03,
        "bladder_bowel": rng.random() < 0.02,
        "fainted": rng.random() < 0.02,
        "bleeding": _weighted(
            rng, {"none": 0.8, "spotting": 0.13, "soaking": 0.05, "uncontrolled": 0.02}
        ),
        "numbness_tingling": rng.random() < 0.05,
        "temperature": temperature,
        "drainage": rng.random() < 0.04,
        "headache": _weighted(rng, {"none": 0.8, "mild": 0.15, "severe": 0.05}),
        "pain_score": pain,
        "activity": _weighted(
            rng,
            {"unable": 0.04, "resting": 0.36, "light": 0.3, "normal": 0.2, "strenuous": 0.1},
        ),
        "pain_trend": _weighted(rng, {"better": 0.55, "same": 0.33, "worse": 0.12}),
        "swelling": _weighted(rng, {"none": 0.7, "stable": 0.26, "increasing": 0.04}),
        "redness": _weighted(rng, {"none": 0.75, "small": 0.21, "spreading": 0.04}),
        "feels_feverish": rng.random() < 0.12,
        "new_back_pain": rng.random() < 0.06,
        "days_since_procedure": rng.choice((0, 0, 1, 1, 2, 3, 4, 5, 7, 10, 14, 21, 30)),
        "osteoporosis": rng.random() < 0.5,
        "blood_thinner": rng.random() < 0.3,
    }
    if pain >= 1:
        answers["pain_relieved"] = rng.random() < 0.8
    return answers


def answer_sets(
    size: int, seed: int, kinds: tuple[str, ...] = ("complete", "partial")
) -> list[dict[str, Any]]:
    """size answer sets, an equal share per disposition and kind (complete or partial).

    Partial sets are what a nurse has after the first questions of a call, in asking order.
    """
    rng = random.Random(seed)
    order = [q.id for q in PROTOCOL.questions]
    share = size // (4 * len(kinds))
    quota = {(d, kind): share for d in DISPOSITIONS for kind in ("complete", "partial")}
    for d, kind in quota:
        if kind not in kinds:
            quota[(d, kind)] = 0
    for extra in range(size - sum(quota.values())):
        quota[(DISPOSITIONS[extra % 4], kinds[0])] += 1
    chosen: list[dict[str, Any]] = []
    while len(chosen) < size:
        answers = _complete(rng)
        kind = "complete"
        if rng.random() < 0.5:
            asked = set(order[: rng.randrange(1, len(order))])
            answers = {key: value for key, value in answers.items() if key in asked}
            kind = "partial"
        key = (rules.assess(answers, PROTOCOL)["disposition"], kind)
        if quota[key]:
            quota[key] -= 1
            chosen.append(answers)
    rng.shuffle(chosen)
    return chosen


def _run_once(function: Callable[[Any], object], items: Sequence[Any]) -> int:
    """Nanoseconds to call function on every item once."""
    start = time.perf_counter_ns()
    for item in items:
        function(item)
    return time.perf_counter_ns() - start


def contenders(sets: list[dict[str, Any]]) -> dict[str, tuple[Callable[[Any], object], list]]:
    """Each contender's function and the inputs it is timed on.

    zen-engine has no answer checks, so it gets answers already checked and converted (°C);
    "+ validation" adds the engine's own checks to its time. Its fastest path is
    ZenEngine.evaluate(key) with a loader; a create_decision handle is timed too.
    """
    protocol = PROTOCOL
    zen_engine = zen_table.engine()
    decision = zen_table.decision()
    checked = [rules.validate_answers(protocol, answers) for answers in sets]
    asked = {q.id for q in protocol.questions if q.asked_when is None}
    # The bare decision is timed on complete answer sets, the only ones an if/else can take.
    complete = [values for values in checked if asked <= values.keys()]
    decisions = {
        "disposition, compiled": (compiled_disposition(protocol), complete),
        "disposition, minimal if/else": (handwritten.decide, complete),
    }
    return {
        "engine": (partial(rules.assess, protocol=protocol), sets),
        "engine, interpreted": (partial(assess_interpreted, protocol=protocol), sets),
        **(decisions if complete else {}),  # none among partial sets alone
        "hand-written": (handwritten.assess, sets),
        "zen-engine": (partial(zen_engine.evaluate, zen_table.KEY), checked),
        "zen-engine + validation": (
            lambda answers: zen_engine.evaluate(
                zen_table.KEY, rules.validate_answers(protocol, answers)
            ),
            sets,
        ),
        "zen-engine, create_decision handle": (decision.evaluate, checked),
    }


def time_contenders(
    sets: list[dict[str, Any]], rounds: int, seed: int, chunk: int = 100
) -> dict[str, list[float]]:
    """Microseconds per assessment, per contender and round, contenders interleaved.

    Each round walks the answer sets in chunks and times every contender on each chunk, in
    a shuffled order, so a burst of load on a shared machine hits all contenders alike.
    """
    runners = contenders(sets)
    names = list(runners)
    rng = random.Random(seed)
    for function, items in runners.values():  # warm caches and zen's first-call setup
        _run_once(function, items[:200])
    timings: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        spent = dict.fromkeys(names, 0)
        gc.collect()
        for start in range(0, len(sets), chunk):
            rng.shuffle(names)
            for name in names:
                function, items = runners[name]
                spent[name] += _run_once(function, items[start : start + chunk])
        for name in names:
            timings[name].append(spent[name] / len(sets) / 1000)
    return timings


def time_verify(runs: int) -> dict[str, Any]:
    """Median wall seconds of `python -m rules verify`, and of a bare `import rules`."""
    command = [sys.executable, "-m", "rules", "verify"]
    baseline = [sys.executable, "-c", "import rules; rules.load_protocol()"]
    result: dict[str, Any] = {"command": "python -m rules verify", "runs": runs}
    for key, argv in (("verify", command), ("import", baseline)):
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
            seconds.append(time.perf_counter() - start)
            if done.returncode != 0:
                result[key] = None
                result[f"{key}_error"] = (done.stderr or done.stdout).strip().splitlines()[-1:]
                break
        else:
            result[key] = statistics.median(seconds)
    return result


def summary(timings: dict[str, list[float]]) -> dict[str, str]:
    """Medians per contender; the engine's ratios as medians of per-round ratios, with range."""
    shown = {
        name: f"{statistics.median(values):.1f} µs per assessment"
        for name, values in timings.items()
    }
    engine = timings["engine"]
    if "disposition, compiled" in timings:
        compiled = timings["disposition, compiled"]
        minimal = timings["disposition, minimal if/else"]
        ratios = [c / m for c, m in zip(compiled, minimal, strict=True)]
        shown["disposition: compiled / minimal if/else"] = (
            f"{statistics.median(ratios):.2f}x (rounds: {min(ratios):.2f} to {max(ratios):.2f})"
        )
    for other in timings:
        if other == "engine" or other.startswith("disposition"):
            continue
        ratios = [e / o for e, o in zip(engine, timings[other], strict=True)]
        shown[f"engine / {other}"] = (
            f"{statistics.median(ratios):.2f}x (rounds: {min(ratios):.2f} to {max(ratios):.2f})"
        )
    return shown


def environment() -> str:
    """Python, zen-engine and machine, for the record."""
    return (
        f"Python {platform.python_version()}, zen-engine {metadata.version('zen-engine')}, "
        f"{platform.machine()}, {platform.system()}"
    )


def report(medians: dict[str, str], verify: dict[str, Any] | None, args, markdown: bool) -> str:
    """The results as plain text or as a Markdown table."""
    lines = []
    spread = (
        f"{args.size} answer sets ({args.kind}), {args.rounds} interleaved rounds, seed {args.seed}"
    )
    if markdown:
        lines += [f"{environment()}; {spread}.", "", "| measure | median |", "| --- | --- |"]
        row = "| {} | {} |"
    else:
        lines += [environment(), spread, ""]
        row = "{:<46} {}"
    for name, value in medians.items():
        lines.append(row.format(name, value))
    if verify:
        for key, label in (("verify", "`python -m rules verify`"), ("import", "`import rules`")):
            if verify.get(key) is None:
                shown = "failed: " + " ".join(verify.get(f"{key}_error", ["not available"]))
            else:
                shown = f"{verify[key]:.2f} s wall (median of {verify['runs']})"
            lines.append(row.format(label if markdown else label.strip("`"), shown))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="answer sets (default 2000)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--seed", type=int, default=20240611, help="random seed")
    parser.add_argument("--verify-runs", type=int, default=5, help="verify runs (default 5)")
    parser.add_argument("--no-verify", action="store_true", help="skip timing verify")
    parser.add_argument(
        "--kind",
        choices=("mixed", "complete", "partial"),
        default="mixed",
        help="answer sets: half complete and half partial (default), or one kind only",
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    kinds = ("complete", "partial") if args.kind == "mixed" else (args.kind,)
    sets = answer_sets(args.size, args.seed, kinds)
    medians = summary(time_contenders(sets, args.rounds, args.seed))
    verify = None if args.no_verify else time_verify(args.verify_runs)
    print(report(medians, verify, args, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
