"""The follow-up worklist at the size of a hospital: its first page, its refresh, a timeline.

Run from the repository root:

    python -m bench.worklist_size --database-url postgresql+psycopg://USER@HOST/DB \
        --patients 1000 10000 50000

Each size drops everything in the database (on PostgreSQL its `public` schema: give a
database made for this bench), builds it again with the migrations, then loads, in the
database itself with `INSERT ... SELECT generate_series`, that many followed patients, each
with 28 daily check-ins (days 1 to 28 of a 30-day follow-up, so everyone is still followed).
Results: 1 in 100 check-ins `emergency`, 2 in 100 `call_doctor_now`, 9 in 100
`call_doctor_today`, the rest `self_care`. Every check-in before the 28th is reviewed; the
28th is unreviewed for one patient in three. Without `--database-url` it uses a new SQLite
file (there a counting CTE stands in for generate_series).

It then times, through the app as a signed-in nurse's browser asks for them, 30 runs each of:
the worklist's first page; its refresh when nothing changed (204); its refresh when something
did (the rows of the page shown, forced with a stale mark); and one patient's page with the
timeline; then, with every check-in reviewed, the first page again (read from the patients
with nothing to review, by name); and prints p50, p95 and the SQL statements each ran.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
from flask import Flask
from sqlalchemy import event, text

from checker import create_app
from checker.extensions import db
from checker.nurse.models import Nurse

ROOT = Path(__file__).resolve().parent.parent
RUNS = 30
DAYS = 28
PASSWORD = "bench-password-long"

ENROLMENTS = """
INSERT INTO followup_enrolment (id, token_hash, nurse_id, nurse_name, created_at, patient_name,
    date_of_birth, record_number, procedure_type, procedure_date, phone, email, language,
    follow_days, consent_note)
SELECT i, md5('t' || i) || md5('u' || i), :nurse, 'bench', :start,
    'Patient ' || lpad(((i * 7919) % :n)::text, 6, '0'), DATE '1945-03-01', 'MRN-' || i,
    'kyphoplasty', :procedure, '555 0100', '', 'en', 30, 'Patient agreed.'
FROM generate_series(1, :n) AS i
"""
CHECKINS = """
INSERT INTO followup_checkin (id, enrolment_id, submitted_at, day_count, answers, assessment,
    disposition, pain_score, protocol_id, protocol_version, protocol_sha256)
SELECT (i - 1) * 28 + d, i, :start + make_interval(days => d, mins => (i % 600)), d, '{}',
    '{}', CASE WHEN (i * 31 + d * 17) % 100 < 1 THEN 'emergency'
               WHEN (i * 31 + d * 17) % 100 < 3 THEN 'call_doctor_now'
               WHEN (i * 31 + d * 17) % 100 < 12 THEN 'call_doctor_today'
               ELSE 'self_care' END, 2, 'bench', '1', repeat('0', 64)
FROM generate_series(1, :n) AS i, generate_series(1, 28) AS d
"""
REVIEWS = """
INSERT INTO followup_review (enrolment_id, checkin_id, nurse_id, nurse_name, at, note)
SELECT enrolment_id, id, :nurse, 'bench', submitted_at + interval '1 hour', 'Read.'
FROM followup_checkin WHERE day_count < 28 OR enrolment_id % 3 <> 0
"""
# The rest reviewed, as a nurse would (the app's review, in one statement).
ALL_REVIEWED = """
INSERT INTO followup_review (enrolment_id, checkin_id, nurse_id, nurse_name, at, note)
SELECT c.enrolment_id, c.id, (SELECT min(id) FROM nurse), 'bench', c.submitted_at, 'Read.'
FROM followup_checkin c WHERE NOT EXISTS (SELECT 1 FROM followup_review r WHERE r.checkin_id = c.id)
"""
# SQLite has no generate_series in every build: the same rows from a counting CTE.
COUNT_TO = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
SQLITE_ENROLMENTS = COUNT_TO + """
INSERT INTO followup_enrolment (id, token_hash, nurse_id, nurse_name, created_at, patient_name,
    date_of_birth, record_number, procedure_type, procedure_date, phone, email, language,
    follow_days, consent_note)
SELECT i, printf('%064d', i), :nurse, 'bench', :start,
    'Patient ' || printf('%06d', (i * 7919) % {n}), '1945-03-01', 'MRN-' || i, 'kyphoplasty',
    :procedure, '555 0100', '', 'en', 30, 'Patient agreed.' FROM s
"""
SQLITE_CHECKINS = COUNT_TO + """, d(d) AS (SELECT 1 UNION ALL SELECT d + 1 FROM d WHERE d < 28)
INSERT INTO followup_checkin (id, enrolment_id, submitted_at, day_count, answers, assessment,
    disposition, pain_score, protocol_id, protocol_version, protocol_sha256)
SELECT (i - 1) * 28 + d, i,
    strftime('%Y-%m-%d %H:%M:%f', :start, '+' || d || ' days', '+' || (i % 600) || ' minutes'),
    d, '{{}}', '{{}}', CASE WHEN (i * 31 + d * 17) % 100 < 1 THEN 'emergency'
                           WHEN (i * 31 + d * 17) % 100 < 3 THEN 'call_doctor_now'
                           WHEN (i * 31 + d * 17) % 100 < 12 THEN 'call_doctor_today'
                           ELSE 'self_care' END, 2, 'bench', '1', printf('%064d', 0)
FROM s, d
"""
SQLITE_REVIEWS = REVIEWS.replace("submitted_at + interval '1 hour'", "submitted_at")


def build(url: str, patients: int) -> Flask:
    """A fresh schema holding `patients` followed patients with 28 check-ins each."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "CLINIC_TIMEZONE": "UTC", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # tables, triggers and functions alike
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.drop_all()
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
        nurse = Nurse(username="bench")
        nurse.set_password(PASSWORD)
        db.session.add(nurse)
        db.session.commit()
        start = datetime.now(UTC) - timedelta(days=DAYS + 1, hours=1)
        values = {"nurse": nurse.id, "start": start, "n": patients,
                  "procedure": date.today() - timedelta(days=DAYS + 1)}
        sqlite = db.engine.dialect.name == "sqlite"
        steps = ((SQLITE_ENROLMENTS, SQLITE_CHECKINS, SQLITE_REVIEWS) if sqlite
                 else (ENROLMENTS, CHECKINS, REVIEWS))
        if sqlite:
            values["start"] = start.strftime("%Y-%m-%d %H:%M:%S.%f")
            values["procedure"] = values["procedure"].isoformat()
        for step in steps:
            db.session.execute(text(step.format(n=patients) if sqlite else step), values)
            db.session.commit()
        if not sqlite:
            for table in ("followup_enrolment", "followup_checkin", "followup_review"):
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', "
                                        f"'id'), (SELECT max(id) FROM {table}))"))
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                # Loading added a waiting row for each of the 1.4 million check-ins and took
                # nearly all away again with the reviews, in minutes; a clinic's table only
                # ever holds what waits, its space reused by autovacuum as it goes.
                conn.execute(text("VACUUM FULL followup_waiting"))
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return app


def timed(app: Flask, ask: Callable[[], Any]) -> tuple[float, float, int]:
    """p50 and p95 in ms over RUNS runs, and the statements of the last run."""
    seen: list[str] = []

    def keep(*args: Any) -> None:
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    ask()  # warm: the first request loads the protocol and templates
    times = []
    for _ in range(RUNS):
        seen.clear()
        event.listen(engine, "before_cursor_execute", keep)
        began = time.perf_counter()
        ask()
        times.append(1000 * (time.perf_counter() - began))
        event.remove(engine, "before_cursor_execute", keep)
    times.sort()
    return statistics.median(times), times[int(0.95 * (RUNS - 1) + 0.5)], len(seen)


def measure(app: Flask, patients: int) -> list[tuple[str, float, float, int]]:
    """Each request's p50, p95 and statements."""
    client = app.test_client()
    response = client.post("/nurse/login", data={"username": "bench", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    first = client.get("/nurse/followup")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    mark = html.split('data-mark="', 1)[1].split('"', 1)[0]
    results = []

    def page() -> None:
        assert client.get("/nurse/followup").status_code == 200

    def unchanged() -> None:
        answer = client.get(f"/nurse/followup?part=rows&since={mark}")
        assert answer.status_code in (200, 204)  # 200 only when the minute turned

    def changed() -> None:
        assert client.get("/nurse/followup?part=rows&since=0").status_code == 200

    def patient() -> None:
        assert client.get(f"/nurse/followup/patients/{patients // 2}").status_code == 200

    for name, ask in (("first page", page), ("refresh, nothing changed", unchanged),
                      ("refresh, rows sent", changed), ("one patient's timeline", patient)):
        if ask is unchanged:
            mark = client.get("/nurse/followup?part=rows").get_data(as_text=True).split(
                'data-mark="', 1)[1].split('"', 1)[0]
        results.append((name, *timed(app, ask)))
    # Then every check-in reviewed: the page is read from the patients who missed a check-in
    # (none here) and the rest, by name.
    with app.app_context():
        db.session.execute(text(ALL_REVIEWED))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    results.append(("first page, nothing to review", *timed(app, page)))
    return results


def main() -> None:
    """Build each size, time it, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--database-url", help="default: a new SQLite file")
    args = parser.parse_args()
    print("| database | patients | request | p50 ms | p95 ms | SQL statements |")
    print("|---|---:|---|---:|---:|---:|")
    for patients in args.patients:
        url = args.database_url
        if url is None:
            folder = tempfile.mkdtemp()
            url = f"sqlite:///{os.path.join(folder, 'worklist.db')}"
        began = time.perf_counter()
        app = build(url, patients)
        loaded = time.perf_counter() - began
        kind = url.split(":", 1)[0].split("+", 1)[0]
        for name, p50, p95, count in measure(app, patients):
            print(f"| {kind} | {patients:,} | {name} | {p50:.0f} | {p95:.0f} | {count} |",
                  flush=True)
        print(f"<!-- {patients:,} patients loaded in {loaded:.0f} s -->", flush=True)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
