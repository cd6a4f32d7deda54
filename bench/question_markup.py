"""What the question markup kept per choice (checker/public/markup.py) buys on a patient's step.

Run from the repository root: `python -m bench.question_markup [--posts 1500] [--batch 25]`.
Every step of a full check, in English and Spanish, is posted to the whole app as a WSGI call
in this process (as `python -m bench.pages` does), each answered so the next step is shown
with no error: once as shipped, where a question with no error comes from the markup kept for
its choice, and once the plain way, where the step template renders every question through
the macro (`_question.html`). The two ways are first checked to give the same pages, then timed
in alternating batches; times are this process's CPU time, so other work on a shared machine
weighs less. Printed: the median time per step of each way and the median of the per-batch
ratios shipped / plain.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import checker.public.pages as check_pages  # noqa: E402
from bench import pages  # noqa: E402

Way = Callable[..., Any]
SHIPPED: Way = check_pages.question_markup


def _plain(*args: object, **kwargs: object) -> None:
    """No kept markup: the step template renders each question through the macro."""
    return None


def run(posts: int, batch: int) -> tuple[list[float], list[float]]:
    """Microseconds of CPU per step, batch by batch, as shipped and the plain way."""
    app = pages._app()
    steps = [(language, body) for language in ("en", "es")
             for name, body in pages._requests(app, language)
             if body and name not in ("review", "result")]
    served: dict[Way, list[bytes]] = {}
    for way in (SHIPPED, _plain):
        check_pages.question_markup = way  # type: ignore[assignment]
        served[way] = [_page(app, body, language) for language, body in steps]
    assert served[SHIPPED] == served[_plain], "the two ways give different pages"
    shipped: list[float] = []
    plain: list[float] = []
    for turn in range(posts // batch):
        ways: list[tuple[Way, list[float]]] = [(SHIPPED, shipped), (_plain, plain)]
        for way, times in ways if turn % 2 == 0 else reversed(ways):
            check_pages.question_markup = way  # type: ignore[assignment]
            started = time.process_time()
            for i in range(batch):
                language, body = steps[i % len(steps)]
                pages._call(app, "/", body, language)
            times.append((time.process_time() - started) / batch * 1e6)
    check_pages.question_markup = SHIPPED
    return shipped, plain


def _page(app: object, body: bytes, language: str) -> bytes:
    """The page served for one posted step."""
    chunks = app(pages._environ("/", body, language), lambda *a: None)  # type: ignore[operator]
    return b"".join(chunks)


def main() -> None:
    """Time both ways and print the medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=25)
    args = parser.parse_args()
    shipped, plain = run(args.posts, args.batch)
    ratios = sorted(s / p for s, p in zip(shipped, plain, strict=True))
    low, _, high = statistics.quantiles(ratios, n=4)
    print(f"{args.posts} posted steps each way, batches of {args.batch}, alternating")
    print(f"kept markup: {statistics.median(shipped):.0f} µs CPU a step; "
          f"every question through the macro: {statistics.median(plain):.0f} µs")
    print(f"kept / plain: {statistics.median(ratios):.3f} (quartiles {low:.3f} to {high:.3f})")


if __name__ == "__main__":
    main()
