"""Name searches over a million saved calls: p50 and p95, beside the old unindexed query.

Run from the repository root: `python -m bench.search [--calls 1000000] [--database-url URL]`.
It loads the calls as bench/stored_calls.py does (a new SQLite file by default; give a
PostgreSQL URL the migrations may build), then times the console's own search, page 1, for
name words and "Last, First" terms drawn from the stored names, beside the query it replaced
(ILIKE with no index and a COUNT for the pager), run on a smaller share of the same terms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.stored_calls import load, names
from checker import create_app
from checker.extensions import db
from checker.nurse.models import Encounter
from checker.nurse.search import name_has, page_of

PER_PAGE = 20


def terms(seed: int, count: int) -> list[str]:
    """Search terms as nurses type them: a surname, a fragment of one, or "Last, First"."""
    rng = random.Random(seed + 1)
    people = names(seed)
    out = []
    for _ in range(count):
        first, last = rng.choice(people).split(" ", 1)
        kind = rng.random()
        if kind < 0.4:
            out.append(last.lower())
        elif kind < 0.7:
            start = rng.randint(0, max(0, len(last) - 4))
            out.append(last[start : start + 4])
        else:
            out.append(f"{last}, {first}")
    return out


def new_search(term: str) -> int:
    """The console's search: the index or the newest-first walk, one page, no count."""
    query = select(Encounter).where(name_has(*term.replace(",", " ").split()))
    query = query.order_by(Encounter.started_at.desc(), Encounter.id.desc())
    return len(page_of(query, 1, PER_PAGE).items)


def old_search(term: str) -> int:
    """The query it replaced: ILIKE on every word, and a COUNT of all matches for the pager."""
    query = select(Encounter)
    for word in term.replace(",", " ").split():
        query = query.where(Encounter.patient_name.ilike(f"%{word}%"))
    db.session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(Encounter.started_at.desc(), Encounter.id.desc()).limit(PER_PAGE)
    return len(list(db.session.scalars(ordered)))


def timed(function, items: list[str]) -> list[float]:
    """Milliseconds per call, one per item."""
    out = []
    for item in items:
        start = time.perf_counter()
        function(item)
        out.append((time.perf_counter() - start) * 1000)
        db.session.rollback()
    return out


def percentiles(values: list[float]) -> str:
    """p50 and p95 in milliseconds."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms ({len(values)} searches)"


def main() -> None:
    """Load, then time both searches and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--old-searches", type=int, default=20)
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true",
                        help="search the calls --database-url already holds instead of loading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'calls.db'}"
        if not (args.reuse and args.database_url):
            started = time.perf_counter()
            load(url, args.calls, args.seed)
            print(f"loaded {args.calls:,} calls in {time.perf_counter() - started:.0f} s")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        wanted = terms(args.seed, args.searches)
        with app.app_context():
            dialect = db.engine.dialect.name
            timed(new_search, wanted[:10])  # warm the caches both ways
            new = timed(new_search, wanted)
            old = timed(old_search, wanted[: args.old_searches])
        print(f"{dialect}, {args.calls:,} calls: indexed search {percentiles(new)}")
        print(f"{dialect}, {args.calls:,} calls: old ILIKE + COUNT {percentiles(old)}")


if __name__ == "__main__":
    main()
