"""A realistic set of saved calls, and the replay of all of them under another protocol version.

Run from the repository root:

    python -m bench.stored_calls --calls 1000000 --protocol rules/protocols/1.0.0.toml

It builds a SQLite file with the migrations, loads the calls (answers drawn from the
protocol's own questions: each answer the mildest with probability 0.85, any other valid
answer otherwise; a third of the calls partial, as a nurse stops once the answer is decided),
then times `flask encounters replay` on it in a separate process and prints its report. Or
give `--database-url` for a PostgreSQL database that the migrations may build. `--plain` then
replays again with each call decided by the engine's checks and evaluation alone, without
`rules.partial.compiled_decision`, to show what it buys.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from sqlalchemy import insert

from checker import create_app
from checker.extensions import db
from checker.nurse.models import Encounter, Nurse
from rules import assess, load_protocol
from rules.space import answer_json, domain

ROOT = Path(__file__).resolve().parent.parent
BATCH = 10_000


def answer_sets(count: int, seed: int) -> list[dict[str, Any]]:
    """Answer sets as callers give them: mostly mild, some partial."""
    protocol = load_protocol()
    rng = random.Random(seed)
    values = {q.id: [v for v, _ in domain(q)] for q in protocol.questions}
    out = []
    for _ in range(count):
        answers = {}
        for question in protocol.questions:
            options = values[question.id]
            value = options[0] if rng.random() < 0.85 else rng.choice(options)
            answers[question.id] = answer_json(question, value)
        if rng.random() < 1 / 3:  # stopped early: the later questions not asked
            keep = rng.randint(4, len(protocol.questions))
            answers = dict(list(answers.items())[:keep])
        out.append(answers)
    return out


SYLLABLES = (
    "an",
    "bel",
    "cor",
    "da",
    "el",
    "fen",
    "gar",
    "hol",
    "is",
    "jo",
    "ka",
    "lin",
    "mar",
    "nor",
    "ol",
    "per",
    "quin",
    "ros",
    "sam",
    "tor",
    "ul",
    "ven",
    "wil",
    "yor",
)


def names(seed: int, count: int = 4000) -> list[str]:
    """Made-up first and last names, some shared, as a clinic's list of patients has."""
    rng = random.Random(seed)
    word = lambda parts: "".join(rng.choice(SYLLABLES) for _ in range(parts)).title()  # noqa: E731
    first = [word(rng.randint(1, 2)) for _ in range(300)]
    last = [word(rng.randint(2, 3)) for _ in range(count)]
    return [f"{rng.choice(first)} {surname}" for surname in last]


def load(url: str, count: int, seed: int) -> None:
    """Build the schema and insert `count` saved calls in batches."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    protocol = load_protocol()
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        nurse = Nurse(username="bench")
        nurse.set_password("bench-password-long")
        db.session.add(nurse)
        db.session.commit()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        assessed: dict[str, dict[str, Any]] = {}
        people = names(seed)
        for first in range(0, count, BATCH):
            rows = []
            for offset, answers in enumerate(answer_sets(min(BATCH, count - first), seed + first)):
                number = first + offset
                key = json.dumps(answers, sort_keys=True)
                if key not in assessed:
                    assessed[key] = assess(answers, protocol)
                assessment = assessed[key]
                moment = start + timedelta(minutes=number)
                rows.append(
                    {
                        "submit_token": f"bench-{number}",
                        "nurse_id": nurse.id,
                        "nurse_name": "bench",
                        "started_at": moment,
                        "ended_at": moment + timedelta(minutes=6),
                        "patient_name": people[number % len(people)],
                        "date_of_birth": date(1940, 1, 1),
                        "record_number": f"MRN-{number}",
                        "callback_number": "555 0100",
                        "caller": "patient",
                        "procedure_type": "kyphoplasty",
                        "procedure_date": date(2025, 12, 28),
                        "answers": answers,
                        "assessment": assessment,
                        "protocol_id": protocol.id,
                        "protocol_version": protocol.version,
                        "protocol_sha256": protocol.sha256,
                        "engine_disposition": assessment["disposition"],
                        "final_disposition": assessment["disposition"],
                        "override_reason": "",
                        "advice_given": [],
                        "notes": "",
                        "note": "",
                    }
                )
            db.session.execute(insert(Encounter), rows)
            db.session.commit()
        db.engine.dispose()


def main() -> None:
    """Load the calls, then replay them all and print the command's report and its time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--protocol", default=str(ROOT / "rules" / "protocols" / "1.0.0.toml"))
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--plain", action="store_true",
                        help="then replay again without the compiled decision, to compare")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'calls.db'}"
        started = time.perf_counter()
        load(url, args.calls, args.seed)
        print(f"loaded {args.calls:,} calls in {time.perf_counter() - started:.0f} s")
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        command = [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "checker",
            "encounters",
            "replay",
            "--protocol",
            args.protocol,
            "--show",
            "5",
        ]
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=ROOT, check=True)
        print(f"replay process: {time.perf_counter() - started:.1f} s wall")
        if args.plain:  # the same replay, each call decided by the engine's checks alone
            plain = [sys.executable, "-c", "import bench.plain_apps as p; "
                     "p.replay_without_compiled_decision()", *command[6:]]
            started = time.perf_counter()
            subprocess.run(plain, env=env, cwd=ROOT, check=True)
            print(f"replay process without the compiled decision: "
                  f"{time.perf_counter() - started:.1f} s wall")


if __name__ == "__main__":
    main()
