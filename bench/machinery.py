"""Each piece of speed machinery on the main path against the plain way, in the same rounds.

Run from the repository root: `python -m bench.machinery [--only api|engine|replay|pages]`.
Each group times the app (or the engine) as shipped and with one piece replaced by the plain
way, in short batches taken in shuffled turns over many rounds, so a burst of load on a shared
machine falls on both alike, and prints the median time of each and the median of the
per-round ratios plain / shipped:

- hooks: `POST /api/v1/assessments` served by the whole app as a WSGI call, with the API's
  requests skipping the CSRF, rate-limit and sign-in hooks (`checker/api/hooks.py`) and with
  every hook run.
- compiled engine: `rules.assess` against `rules.engine.assess_interpreted` on complete and
  partial answer sets, and the same API request with each.
- compiled decision: `flask encounters replay`'s loop over stored answer texts
  (`checker/nurse/replay.py`) with `rules.partial.compiled_decision`, and with the engine's
  checks and evaluation alone.
- per-thread form: every page of a patient's check (bench.pages) with the answer form bound
  once per thread (`checker.answer_form.read_answers`) and with a form bound per request.

`python -m bench.api --plain hooks|engine` measures the first two under gunicorn and wrk, as
the README's API target is stated.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

import checker.answer_form as answer_form  # noqa: E402
import checker.api.views as api_views  # noqa: E402
import checker.nurse.replay as replay  # noqa: E402
import checker.public.flow as flow  # noqa: E402
import rules  # noqa: E402
from bench import pages  # noqa: E402
from bench.plain_apps import app_without_hook_skipping, interpreted  # noqa: E402
from bench.run import answer_sets  # noqa: E402
from bench.stored_calls import answer_sets as stored_answer_sets  # noqa: E402
from checker import create_app  # noqa: E402
from rules.engine import assess_interpreted  # noqa: E402

BODY = (ROOT / "bench" / "api_answers.json").read_bytes()
CONFIG = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
Timer = Callable[[], float]  # one timed batch: microseconds per item


@contextmanager
def _swapped(module: Any, name: str, value: Any) -> Iterator[None]:
    """module.name replaced for the duration of one timed batch."""
    kept = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, kept)


def _batch(function: Callable[[], object], count: int, per: int = 1) -> float:
    """Microseconds per item of calling function count times (each call doing per items)."""
    started = time.perf_counter_ns()
    for _ in range(count):
        function()
    return (time.perf_counter_ns() - started) / count / per / 1000


def interleaved(timers: dict[str, Timer], rounds: int, seed: int = 1) -> dict[str, list[float]]:
    """Each timer once per round, in a shuffled order; a warm-up round first."""
    rng = random.Random(seed)
    names = list(timers)
    for name in names:
        timers[name]()
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        gc.collect()
        rng.shuffle(names)
        for name in names:
            times[name].append(timers[name]())
    return times


def _post(app: Flask) -> None:
    """One POST /api/v1/assessments through the whole app."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/assessments", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(BODY), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "HTTP_ACCEPT_LANGUAGE": "en", "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(BODY)),
    }
    status: list[str] = []
    chunks = app(environ, lambda s, h, e=None: status.append(s))
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    if not status[0].startswith("200"):
        raise RuntimeError(f"the API answered {status[0]}")


def api_timers(count: int = 25) -> dict[str, Timer]:
    """The API request as shipped, without hook skipping, and with the interpreted engine."""
    shipped, every_hook = create_app(CONFIG), app_without_hook_skipping(CONFIG)

    def plain_engine() -> float:
        with _swapped(api_views, "assess", interpreted):
            return _batch(lambda: _post(shipped), count)

    return {
        "API request, shipped": lambda: _batch(lambda: _post(shipped), count),
        "API request, every hook run": lambda: _batch(lambda: _post(every_hook), count),
        "API request, interpreted engine": plain_engine,
    }


def engine_timers(kind: str, size: int = 500) -> dict[str, Timer]:
    """rules.assess against the interpreted engine on one kind of answer set."""
    sets = answer_sets(size, 20240611, (kind,))
    protocol = rules.load_protocol()

    def compiled() -> None:
        for answers in sets:
            rules.assess(answers, protocol)

    def interpreted() -> None:
        for answers in sets:
            assess_interpreted(answers, protocol)

    return {
        f"assess {kind}, shipped": lambda: _batch(compiled, 1, len(sets)),
        f"assess {kind}, interpreted": lambda: _batch(interpreted, 1, len(sets)),
    }


def replay_timers(calls: int = 100_000) -> dict[str, Timer]:
    """The replay's loop over stored answer texts, with and without the compiled decision."""
    protocol = rules.find_release("1.0.0") or rules.load_protocol()
    rows = [(i, "2024-01-01", json.dumps(answers), "self_care")
            for i, answers in enumerate(stored_answer_sets(calls, 2026))]

    def run() -> None:
        replay.replay(protocol, iter(rows))

    def plain() -> float:
        # No generated decision: the replay's own fallback, the engine's checks and evaluation.
        with _swapped(replay, "compiled_decision", lambda p: lambda answers: None):
            return _batch(run, 1, len(rows))

    return {"replay, shipped": lambda: _batch(run, 1, len(rows)), "replay, plain": plain}


def _fresh_form(protocol: rules.Protocol, formdata: Any) -> Any:
    """read_answers with a form bound for this request alone."""
    data = formdata if formdata is not None else MultiDict()
    return answer_form.answer_form_class(protocol)(formdata=data).read()


def page_timers(repeat: int = 1) -> dict[str, Timer]:
    """Every page of a patient's check, with the per-thread form and with a fresh one."""
    app = pages._app()
    bodies = [(language, body) for language in ("en", "es")
              for _, body in pages._requests(app, language)]

    def run() -> None:
        for language, body in bodies:
            pages._call(app, "/", body, language)

    def fresh() -> float:
        with _swapped(flow, "read_answers", _fresh_form):
            return _batch(run, repeat, len(bodies))

    return {"patient page, shipped": lambda: _batch(run, repeat, len(bodies)),
            "patient page, form bound per request": fresh}


def report(times: dict[str, list[float]]) -> list[str]:
    """Median µs of each, and each plain variant's ratio to the shipped one of its group."""
    lines = []
    shipped = ""
    for name, values in times.items():
        line = f"{name:44} {statistics.median(values):9.1f} µs"
        if name.endswith(", shipped"):
            shipped = name
        else:
            ratios = [plain / base for plain, base in zip(values, times[shipped], strict=True)]
            line += (f"   plain / shipped {statistics.median(ratios):.2f}x "
                     f"(rounds {min(ratios):.2f}x to {max(ratios):.2f}x)")
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    """Time each group in its own interleaved rounds and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, help="rounds per group (default: 7 for the "
                        "replay, 101 for the others, whose batches are a few ms)")
    parser.add_argument("--only", choices=("api", "engine", "replay", "pages"), action="append")
    args = parser.parse_args(argv)
    groups: dict[str, Callable[[], dict[str, Timer]]] = {
        "api": api_timers,
        "engine": lambda: {**engine_timers("complete"), **engine_timers("partial")},
        "replay": replay_timers,
        "pages": page_timers,
    }
    for name in args.only or list(groups):
        timers = groups[name]()
        ordered = interleaved(timers, args.rounds or (7 if name == "replay" else 101))
        for line in report({key: ordered[key] for key in timers}):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
