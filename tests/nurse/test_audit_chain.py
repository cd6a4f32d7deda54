"""The audit log's own unkeyed links: `flask audit verify` names a changed or removed event."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from checker import audit as audit_log
from checker.audit import AuditEvent
from checker.extensions import db
from tests.nurse.test_records import find, save


def verify(app: Flask) -> Result:
    """Run `flask audit verify`."""
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def event_ids(app: Flask) -> list[int]:
    """The ids of every audit event, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def views(app: Flask, client: FlaskClient, count: int) -> None:
    """Save a call and open it the given number of times, one audit event each."""
    encounter_id = save(client)
    for _ in range(count):
        assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200


@contextmanager
def as_superuser(app: Flask) -> Iterator[Connection]:
    """A connection on which the append-only triggers do not fire, as a superuser could get."""
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield connection
        else:
            for verb in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER audit_event_no_{verb}")
            yield connection
            for verb, statement in (("UPDATE", "UPDATE"), ("DELETE", "DELETE")):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {statement} ON "
                    "audit_event BEGIN SELECT RAISE(ABORT, 'audit_event rows are part of the "
                    "record and cannot be changed or deleted'); END")


def tamper_and_verify(app: Flask, statement: str, event_id: int) -> str:
    """Run one statement past the triggers on the given event; return what a failed verify said."""
    with as_superuser(app) as connection:
        connection.execute(text(statement), {"id": event_id})
    result = verify(app)
    assert result.exit_code == 1
    return result.output


def test_an_untouched_chain_verifies_and_names_its_head(
    app: Flask, client: FlaskClient
) -> None:
    views(app, client, 3)
    head = app.test_cli_runner().invoke(args=["audit", "head"]).output.strip()
    result = verify(app)
    assert result.exit_code == 0, result.output
    # Three events and the saved call, each sealed after the chain's start entry.
    assert head.startswith("5:") and len(head) == 2 + 64
    assert (f"The audit chain holds: 3 events checked, 4 records checked against their seals. "
            f"The head is {head};") in result.output


def test_verify_reads_the_log_in_batches_and_checks_across_them(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_log, "BATCH", 2)
    views(app, client, 5)
    assert "5 events checked" in verify(app).output
    fourth = event_ids(app)[3]
    said = tamper_and_verify(app, "UPDATE audit_event SET nurse_name = 'eve' WHERE id = :id",
                             fourth)
    assert f"broken at event {fourth}: its content does not match" in said


def test_each_event_carries_the_hash_of_the_one_before(app: Flask, client: FlaskClient) -> None:
    views(app, client, 3)
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert events[0].prev_hash == audit_log.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert len({e.hash for e in events}) == 3
    assert all(len(e.hash) == 64 and int(e.hash, 16) >= 0 for e in events)


def test_verify_names_a_row_a_superuser_changed(app: Flask, client: FlaskClient) -> None:
    views(app, client, 4)
    second = event_ids(app)[1]
    said = tamper_and_verify(app, "UPDATE audit_event SET action = 'print' WHERE id = :id",
                             second)
    assert (f"The audit chain is broken at event {second}: its content does not match its "
            "hash") in said


def test_verify_names_the_event_after_a_removed_one(app: Flask, client: FlaskClient) -> None:
    views(app, client, 4)
    ids = event_ids(app)
    said = tamper_and_verify(app, "DELETE FROM audit_event WHERE id = :id", ids[1])
    assert (f"The audit chain is broken at event {ids[2]}: its link to event {ids[0]} does "
            "not match") in said


def test_verify_finds_an_event_inserted_around_the_app(app: Flask, client: FlaskClient) -> None:
    views(app, client, 2)
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_event (nurse_id, nurse_name, action, at) "
            "SELECT nurse_id, nurse_name, 'view', at FROM audit_event WHERE id = "
            "(SELECT MAX(id) FROM audit_event)"))
    result = verify(app)
    assert result.exit_code == 1
    assert f"broken at event {event_ids(app)[-1]}: its link to event" in result.output


def test_appends_from_many_threads_at_once_keep_one_chain(
    app: Flask, client: FlaskClient
) -> None:
    views(app, client, 1)
    with app.app_context():
        nurse_id = db.session.scalar(select(AuditEvent.nurse_id))
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def append_many() -> None:
        try:
            with app.app_context():
                start.wait()
                for _ in range(15):
                    audit_log.append(db.session, nurse_id=nurse_id, nurse_name="ann",
                                     action="list", shown_ids=[1, 2])
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, so a failing thread fails the test
            failures.append(error)

    threads = [threading.Thread(target=append_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with app.app_context():
        prev_hashes = list(db.session.scalars(select(AuditEvent.prev_hash)))
    assert len(prev_hashes) == 61
    assert len(set(prev_hashes)) == 61, "two events were chained to the same one: a fork"
    result = verify(app)
    assert result.exit_code == 0, result.output


def test_listing_and_searching_record_the_ids_shown_and_never_the_words(
    app: Flask, client: FlaskClient
) -> None:
    coleman = save(client, patient_name="Bessie Coleman")
    earhart = save(client, patient_name="Amelia Earhart")
    assert client.get("/nurse/encounters").status_code == 200
    assert "Bessie Coleman" in find(client, name="Coleman")
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        rows = [tuple(r) for r in db.session.execute(text("SELECT * FROM audit_event"))]
    assert [(e.action, e.shown_ids) for e in events] == [
        ("list", [earhart, coleman]), ("search", [coleman])]
    assert "Coleman" not in repr(rows)
    assert verify(app).exit_code == 0
