"""Saved calls, addenda and audit events cannot be changed or deleted, whatever path is taken."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checker.audit import AuditEvent
from checker.extensions import db
from checker.nurse.models import Addendum, Encounter, Nurse
from tests.nurse.test_records import save

# Every way a change can reach the database without going through an ORM flush.
CHANGES: dict[str, Callable[[Session], object]] = {
    "bulk update of encounters": lambda s: s.execute(update(Encounter).values(notes="forged")),
    "Query.update of encounters": lambda s: s.query(Encounter).update({"notes": "forged"}),
    "Core delete of encounters": lambda s: s.execute(delete(Encounter)),
    "raw SQL update of encounters": lambda s: s.execute(
        text("UPDATE encounter SET final_disposition = 'self_care'")),
    "raw SQL delete of an encounter": lambda s: s.execute(
        text("DELETE FROM encounter WHERE id = (SELECT MIN(id) FROM encounter)")),
    "bulk update of addenda": lambda s: s.execute(update(Addendum).values(text="forged")),
    "raw SQL delete of addenda": lambda s: s.execute(text("DELETE FROM addendum")),
    "bulk update of audit events": lambda s: s.execute(update(AuditEvent).values(action="x")),
    "Query.update of audit events": lambda s: s.query(AuditEvent).update({"nurse_name": "x"}),
    "Core delete of the audit log": lambda s: s.execute(delete(AuditEvent)),
    "raw SQL delete of the audit log": lambda s: s.execute(text("DELETE FROM audit_event")),
    "raw SQL update of the keyed chain": lambda s: s.execute(
        text("UPDATE record_seal SET digest = mac")),
    "raw SQL delete of the keyed chain": lambda s: s.execute(text("DELETE FROM record_seal")),
}


def _fill(app: Flask, client: FlaskClient) -> int:
    """A saved call with an addendum and an audit event; return the call's id."""
    encounter_id = save(client)
    assert client.post(f"/nurse/encounters/{encounter_id}/addenda",
                       data={"text": "Rang back."}).status_code == 302
    assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    return encounter_id


def _snapshot(app: Flask) -> list[tuple[object, ...]]:
    """Every row of the three record tables and of the keyed chain that seals them."""
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(row) for table in ("encounter", "addendum", "audit_event", "record_seal")
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_database_refuses_every_change_to_a_record(
    app: Flask, client: FlaskClient, change: str
) -> None:
    _fill(app, client)
    before = _snapshot(app)
    with app.app_context():
        with pytest.raises(IntegrityError, match="part of the record"):
            CHANGES[change](db.session)
            db.session.commit()
        db.session.rollback()
    assert _snapshot(app) == before


def test_the_audit_log_cannot_be_emptied_at_once(app: Flask, client: FlaskClient) -> None:
    _fill(app, client)
    with app.app_context():
        # PostgreSQL's TRUNCATE skips row triggers; SQLite has no TRUNCATE, only DELETE.
        empty = ("TRUNCATE audit_event" if db.engine.dialect.name == "postgresql"
                 else "DELETE FROM audit_event")
        with pytest.raises(IntegrityError, match="part of the record"):
            db.session.execute(text(empty))
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_the_keyed_chain_cannot_be_emptied_at_once(app: Flask, client: FlaskClient) -> None:
    _fill(app, client)
    with app.app_context():
        empty = ("TRUNCATE record_seal" if db.engine.dialect.name == "postgresql"
                 else "DELETE FROM record_seal")
        with pytest.raises(IntegrityError, match="part of the record"):
            db.session.execute(text(empty))
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM record_seal")) == 4


def test_a_nurse_with_calls_cannot_be_deleted(app: Flask, client: FlaskClient) -> None:
    _fill(app, client)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(delete(Nurse).where(Nurse.username == "ann"))
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(Nurse.id).filter_by(username="ann")) is not None


def test_sqlite_connections_enforce_foreign_keys(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError):
            connection.execute(text(
                "INSERT INTO addendum (encounter_id, nurse_id, nurse_name, created_at, text) "
                "VALUES (4711, 4711, 'nobody', CURRENT_TIMESTAMP, 'orphan')"))
