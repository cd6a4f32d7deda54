"""Server time of each page of the patient's check, beside a bare route, in one run.

Run from the repository root: `python -m bench.pages [--rounds 15] [--repeat 200]`.
Each page is asked of the whole app (middleware, hooks, the view, the template), called as a
WSGI application in this process, so only the server's own time is counted: no network, no
test client. The pages are those of a full check (the first step, every later step with the
answers so far, "Check your answers", the result) in English and Spanish. The baseline is a
route of the same app returning a static HTML page of about the same size, timed in the same
rounds in turns, so the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from checker import create_app  # noqa: E402
from tests.checker.check_pages import press, start  # noqa: E402
from tests.checker.samples import form_answers  # noqa: E402

BARE = "/bench-bare-page"


def _app() -> Flask:
    """The app as deployed (production settings), with one bare route added for the baseline."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    size = {"size": 0}

    @app.get(BARE)
    def bare() -> str:
        return "x" * size["size"]

    app.config["BENCH_BARE"] = size
    return app


def _requests(app: Flask, language: str) -> list[tuple[str, bytes]]:
    """The form bodies a patient posts through a full check: ("" for the first GET)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = start(client)
    bodies: list[tuple[str, bytes]] = [("first step", b"")]
    answers = {**form_answers("call_doctor_today"), "temperature_value": "37.2",
               "temperature_unit": "C"}
    while page.step not in ("review", "result"):
        data = dict(page.hidden)
        data.update({k: v for k, v in answers.items() if k in page.visible})
        data["action"] = "next"
        body = urlencode(data).encode()
        page = press(client, page, answers, action="next")
        bodies.append((f"after {data.get('step', '')}" if page.step != "review" else "review",
                       body))
    data = {**dict(page.hidden), "action": "submit"}
    bodies.append(("result", urlencode(data).encode()))
    return bodies


def _environ(path: str, body: bytes, language: str) -> dict[str, Any]:
    """A WSGI environ for a GET (no body) or a form POST."""
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "HTTP_ACCEPT_LANGUAGE": language, "REMOTE_ADDR": "127.0.0.1",
    }
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call(app: Flask, path: str, body: bytes, language: str) -> int:
    """Serve one request through the whole app; the size of the page."""
    status: list[str] = []
    chunks = app(_environ(path, body, language), lambda s, h, e=None: status.append(s))
    size = sum(len(chunk) for chunk in chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    assert status[0].startswith(("200", "422")), status
    return size


def _time(function: Callable[[], object], repeat: int) -> float:
    """Microseconds per call, over a batch."""
    started = time.perf_counter_ns()
    for _ in range(repeat):
        function()
    return (time.perf_counter_ns() - started) / repeat / 1000


def run(rounds: int, repeat: int) -> dict[str, list[float]]:
    """Per page and for the bare route, the microseconds of each round."""
    app = _app()
    pages = [(f"{language}: {name}", language, body) for language in ("en", "es")
             for name, body in _requests(app, language)]
    sizes = [_call(app, "/", body, language) for _, language, body in pages]
    app.config["BENCH_BARE"]["size"] = int(statistics.median(sizes))
    times: dict[str, list[float]] = {name: [] for name, _, _ in pages}
    times["bare route"] = []
    for _ in range(rounds):
        for name, language, body in pages:
            page = lambda b=body, lang=language: _call(app, "/", b, lang)  # noqa: E731
            times[name].append(_time(page, repeat))
            times["bare route"].append(_time(lambda: _call(app, BARE, b"", "en"), repeat))
    return times


def report(times: dict[str, list[float]]) -> Iterable[str]:
    """One line per page: median µs, the worst round, and the ratio to the bare route."""
    bare = statistics.median(times["bare route"])
    yield f"{'page':40} {'median':>9} {'worst round':>12} {'x bare':>7}"
    for name, values in times.items():
        median = statistics.median(values)
        yield f"{name:40} {median:7.0f} µs {max(values):9.0f} µs {median / bare:6.1f}x"
    steps = [statistics.median(v) for k, v in times.items() if k != "bare route"]
    yield f"slowest page {max(steps):.0f} µs, median page {statistics.median(steps):.0f} µs"


def main() -> None:
    """Time the pages and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    for line in report(run(args.rounds, args.repeat)):
        print(line)


if __name__ == "__main__":
    main()
