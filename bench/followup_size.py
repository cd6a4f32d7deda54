"""Follow-up at size: a reminder run to a local SMTP server, and the retention purge.

Run from the repository root, with a PostgreSQL database the migrations may build (it is
emptied first):

    python -m bench.followup_size --database-url postgresql+psycopg://.../db --patients 10000
    python -m bench.followup_size --database-url ... --purge 1000,2000,5000,10000

The data is made in the database with INSERT ... SELECT generate_series: each followed patient
enrolled 27 days ago with an e-mail address and one check-in a day on the 27 days before today
(none today, so every one is due a reminder). The reminder run sends to an aiosmtpd server on
127.0.0.1 that keeps a count of what it receives. The purge sets are follow-ups that ended 200
days ago, with 28 check-ins each, removed with a retention of 60 days.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from typing import Any

import flask_migrate
from aiosmtpd.controller import Controller
from sqlalchemy import text

from checker import create_app
from checker.extensions import db
from checker.followup.reminders import send_reminders
from checker.followup.retention import purge_ended
from checker.nurse.models import Nurse

CHECKINS = 28
SENDER = "followup@clinic.example"


class Counter:
    """An SMTP handler that only counts what it is given."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Count one message (the name is aiosmtpd's)."""
        with self.lock:
            self.count += 1
        return "250 OK"


def fresh(url: str, **config: Any) -> Any:
    """An app on an emptied, migrated database, with one nurse."""
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "CLINIC_TIMEZONE": "UTC", **config})
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
        flask_migrate.upgrade()
        db.session.add(Nurse(username="ann", password_hash="x"))
        db.session.commit()
    return app


def load(count: int, enrolled_days_ago: int, follow_days: int, ended_days_ago: int | None) -> None:
    """Enrolments, their check-ins and (when given) their ends, made by the database."""
    params = {"n": count, "ago": enrolled_days_ago, "follow": follow_days, "k": CHECKINS}
    db.session.execute(text(
        "INSERT INTO followup_enrolment (token_hash, nurse_id, nurse_name, created_at, "
        "patient_name, date_of_birth, record_number, procedure_type, procedure_date, phone, "
        "email, language, follow_days, consent_note) "
        "SELECT md5(g::text) || md5((-g)::text), 1, 'ann', now() - make_interval(days => :ago), "
        "'Patient ' || g, DATE '1941-05-11', 'MRN-' || g, 'kyphoplasty', "
        "current_date - :ago, '555 0100', 'p' || g || '@example.org', "
        "CASE WHEN g % 5 = 0 THEN 'es' ELSE 'en' END, :follow, 'Agreed in person.' "
        "FROM generate_series(1, :n) g"), params)
    db.session.execute(text(
        "INSERT INTO followup_checkin (enrolment_id, submitted_at, day_count, answers, "
        "assessment, disposition, pain_score, protocol_id, protocol_version, protocol_sha256) "
        "SELECT e.id, e.created_at + make_interval(days => d - 1, hours => 2), d, "
        "'{\"pain_score\": \"2\"}', '{\"disposition\": \"self_care\"}', 'self_care', 2, "
        "'bench', '1.0', repeat('0', 64) "
        "FROM followup_enrolment e CROSS JOIN generate_series(1, :k) d "
        "WHERE e.created_at + make_interval(days => d - 1, hours => 2) < current_date"), params)
    if ended_days_ago is not None:
        db.session.execute(text(
            "INSERT INTO followup_end (enrolment_id, nurse_id, nurse_name, at, reason) "
            "SELECT id, 1, 'ann', now() - make_interval(days => :ended), 'Done.' "
            "FROM followup_enrolment"), {"ended": ended_days_ago})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def reminders(url: str, patients: int) -> None:
    """Time one reminder run to every due patient."""
    handler = Counter()
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = fresh(url, SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none",
                    SMTP_SENDER=SENDER)
        with app.app_context():
            began = time.perf_counter()
            load(patients, 27, 30, None)
            loaded = time.perf_counter() - began
            began = time.perf_counter()
            outcome = send_reminders(db.session.execute(text("SELECT current_date")).scalar())
            spent = time.perf_counter() - began
    finally:
        controller.stop()
    print(f"reminders: {patients} patients (loaded in {loaded:.1f} s): {outcome.line()} "
          f"received {handler.count} in {spent:.1f} s = {outcome.sent / spent:.0f} e-mails/s")


def purge(url: str, count: int) -> None:
    """Time the retention purge of `count` follow-ups over long ago."""
    app = fresh(url)
    with app.app_context():
        load(count, 230, 28, 200)
        began = time.perf_counter()
        ids = purge_ended(db.session, 60)
        db.session.commit()
        spent = time.perf_counter() - began
    print(f"purge: {len(ids)} of {count} enrolments ({count * CHECKINS} check-ins) removed "
          f"in {spent:.1f} s = {len(ids) / spent:.0f} enrolments/s")


def main() -> None:
    """Parse the options and run what they ask for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to empty")
    parser.add_argument("--patients", type=int, default=0, help="followed patients to remind")
    parser.add_argument("--purge", default="", help="enrolment counts to purge, e.g. 1000,2000")
    options = parser.parse_args()
    if options.patients:
        reminders(options.database_url, options.patients)
    for count in (int(c) for c in options.purge.split(",") if c):
        purge(options.database_url, count)


if __name__ == "__main__":
    main()
