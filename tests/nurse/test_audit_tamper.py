"""`flask audit verify` names each of nine tampers a superuser can make past the triggers."""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from checker import audit as audit_log
from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup.models import CheckIn, Review
from tests.followup.conftest import enrol
from tests.nurse.test_records import save


def verify(app: Flask, *args: str) -> Result:
    """Run `flask audit verify` with any options."""
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def head(app: Flask) -> str:
    """The head `flask audit head` prints, to keep elsewhere."""
    result = app.test_cli_runner().invoke(args=["audit", "head"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@contextmanager
def past_the_triggers(app: Flask) -> Iterator[Connection]:
    """A superuser's connection on which no append-only trigger fires."""
    with app.app_context(), db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield connection
            return
        triggers = connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _ in triggers:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")
        yield connection
        for _, statement in triggers:
            connection.exec_driver_sql(statement)


def tamper(app: Flask, statement: str, **params: Any) -> None:
    """Run one statement past the triggers."""
    with past_the_triggers(app) as connection:
        connection.execute(text(statement), params)


def broken(app: Flask, *args: str) -> str:
    """What a failing `flask audit verify` said; it must fail."""
    result = verify(app, *args)
    assert result.exit_code == 1, result.output
    assert "The audit chain does not hold" in result.output
    return result.output


def events(app: Flask) -> list[AuditEvent]:
    """Every audit event, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


@pytest.fixture
def viewed(app: Flask, client: FlaskClient) -> list[int]:
    """A saved call opened four times: four audit events, and the chain holding."""
    encounter_id = save(client)
    for _ in range(4):
        assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    assert verify(app).exit_code == 0
    return [event.id for event in events(app)]


def test_a_the_detail_of_an_event_altered_is_named(app: Flask, viewed: list[int]) -> None:
    tamper(app, "UPDATE audit_event SET nurse_name = 'eve' WHERE id = :id", id=viewed[1])
    said = broken(app)
    assert f"The audit event {viewed[1]} was changed after it was written" in said


def test_b_an_event_deleted_in_the_middle_is_named(app: Flask, viewed: list[int]) -> None:
    tamper(app, "DELETE FROM audit_event WHERE id = :id", id=viewed[1])
    said = broken(app)
    assert f"The audit event {viewed[1]} sealed in entry" in said
    assert "is missing: it was removed." in said


def test_c_an_event_inserted_around_the_app_is_named(app: Flask, viewed: list[int]) -> None:
    tamper(app, "INSERT INTO audit_event (id, nurse_id, nurse_name, action, at) SELECT "
                "id + 100, nurse_id, nurse_name, 'view', at FROM audit_event WHERE id = :id",
           id=viewed[1])
    assert f"The audit event {viewed[1] + 100} is not in the keyed chain" in broken(app)


def test_d_a_forged_event_with_a_correct_unkeyed_hash_is_named(
    app: Flask, viewed: list[int]
) -> None:
    last = events(app)[-1]
    forged = audit_log.content_hash(last.hash, last.nurse_id, last.nurse_name, "print",
                                    last.encounter_id, [], last.at)
    tamper(app, "INSERT INTO audit_event (id, nurse_id, nurse_name, action, encounter_id, at, "
                "shown_ids, prev_hash, hash) SELECT id + 1, nurse_id, nurse_name, 'print', "
                "encounter_id, at, '[]', hash, :forged FROM audit_event WHERE id = :id",
           forged=forged, id=last.id)
    said = broken(app)
    assert "The audit chain is broken at event" not in said  # the unkeyed links hold
    assert f"The audit event {last.id + 1} is not in the keyed chain" in said


def _rewrite_events(connection: Connection) -> None:
    """Recompute every event's unkeyed hash and link, as the app would."""
    prev = audit_log.GENESIS
    for row in connection.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).all():
        new = audit_log.content_hash(prev, row.nurse_id, row.nurse_name, row.action,
                                     row.encounter_id, row.shown_ids, row.at)
        connection.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
                           {"p": prev, "h": new, "i": row.id})
        prev = new


def _rewrite_seals(connection: Connection) -> None:
    """Recompute every seal's digest, and its MAC with plain sha256 for want of the key."""
    seal, prev = audit_log.record_seal, audit_log.GENESIS
    for entry in connection.execute(select(seal).order_by(seal.c.seq)).mappings().all():
        values = dict(entry)
        if values["record"] in audit_log.SEALED:
            table = audit_log.table_of(values["record"])
            row = connection.execute(select(table).where(table.c.id == values["record_id"]))
            values["digest"] = audit_log.row_digest(values["record"], dict(row.mappings().one()))
        values["prev_mac"] = prev
        content = {k: v for k, v in values.items() if k != "mac"}
        prev = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()
                              ).hexdigest()
        connection.execute(seal.update().where(seal.c.seq == values["seq"]).values(
            digest=values["digest"], prev_mac=values["prev_mac"], mac=prev))


def test_e_the_events_rewritten_with_recomputed_unkeyed_hashes_are_named(
    app: Flask, viewed: list[int]
) -> None:
    with past_the_triggers(app) as connection:
        connection.execute(text("UPDATE audit_event SET action = 'print' WHERE id = :id"),
                           {"id": viewed[2]})
        _rewrite_events(connection)
    said = broken(app)
    assert "The audit chain is broken at event" not in said  # the unkeyed links hold
    assert f"The audit event {viewed[2]} was changed after it was written" in said


def test_e_the_seals_rewritten_too_without_the_key_are_named(
    app: Flask, viewed: list[int]
) -> None:
    with past_the_triggers(app) as connection:
        connection.execute(text("UPDATE audit_event SET action = 'print' WHERE id = :id"),
                           {"id": viewed[2]})
        _rewrite_events(connection)
        _rewrite_seals(connection)
    said = broken(app)
    assert "The audit chain is broken at event" not in said
    assert ("Entry 1 of the keyed chain does not match its MAC: it was forged or changed by "
            "someone without the audit key") in said


def _cut_newest(app: Flask, count: int) -> None:
    """Remove the newest events and their seals, as someone hiding them would."""
    with past_the_triggers(app) as connection:
        seal = audit_log.record_seal
        newest = connection.execute(select(seal.c.seq, seal.c.record_id).where(
            seal.c.record == "audit_event").order_by(seal.c.seq.desc()).limit(count)).all()
        for seq, record_id in newest:
            connection.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": record_id})
            connection.execute(text("DELETE FROM record_seal WHERE seq >= :seq"), {"seq": seq})


def test_f_the_newest_events_cut_are_named_by_the_head_kept(
    app: Flask, viewed: list[int]
) -> None:
    kept = head(app)
    _cut_newest(app, 2)
    assert verify(app).exit_code == 0  # the chain alone cannot tell its tail was cut
    said = broken(app, "--head", kept)
    seq = int(kept.split(":")[0])
    assert (f"The keyed chain ends at entry {seq - 2}, but the head kept names entry {seq}: "
            "the newest entries were cut.") in said


def test_f_a_cut_tail_written_over_by_new_events_is_named_by_the_head_kept(
    app: Flask, client: FlaskClient, viewed: list[int]
) -> None:
    kept = head(app)
    _cut_newest(app, 2)
    for _ in range(3):
        assert client.get("/nurse/encounters").status_code == 200
    said = broken(app, "--head", kept)
    assert (f"Entry {kept.split(':')[0]} of the keyed chain is not the one the head kept "
            "names") in said


def test_a_head_still_in_the_chain_holds(app: Flask, client: FlaskClient,
                                         viewed: list[int]) -> None:
    kept = head(app)
    assert client.get("/nurse/encounters").status_code == 200
    assert verify(app, "--head", kept).exit_code == 0
    assert verify(app, "--head", "12:nothex").exit_code == 2


def test_g_a_saved_calls_content_changed_is_named(app: Flask, client: FlaskClient) -> None:
    encounter_id = save(client)
    tamper(app, "UPDATE encounter SET final_disposition = 'self_care', notes = 'all fine' "
                "WHERE id = :id", id=encounter_id)
    assert f"The saved call {encounter_id} was changed after it was written" in broken(app)


def test_h_a_check_ins_answers_or_disposition_changed_are_named(
    app: Flask, client: FlaskClient
) -> None:
    enrolment_id, _ = enrol(app)
    with app.app_context():
        checkin_id = db.session.scalar(select(CheckIn.id).filter_by(enrolment_id=enrolment_id))
    tamper(app, "UPDATE followup_checkin SET disposition = 'call_911' WHERE id = :id",
           id=checkin_id)
    assert f"The check-in {checkin_id} was changed after it was written" in broken(app)
    tamper(app, "UPDATE followup_checkin SET disposition = 'self_care', "
                "answers = '{\"pain_score\": \"0\"}' WHERE id = :id", id=checkin_id)
    assert f"The check-in {checkin_id} was changed after it was written" in broken(app)


def test_i_a_review_changed_is_named(app: Flask, client: FlaskClient) -> None:
    enrolment_id, _ = enrol(app)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id).filter_by(enrolment_id=enrolment_id))
    tamper(app, "UPDATE followup_review SET note = 'Rang back; no answer.' WHERE id = :id",
           id=review_id)
    assert f"The review {review_id} was changed after it was written" in broken(app)


def test_check_ins_deleted_behind_a_forged_purge_record_are_named(
    app: Flask, client: FlaskClient
) -> None:
    enrolment_id, _ = enrol(app)
    with app.app_context():
        checkin_id = db.session.scalar(select(CheckIn.id).filter_by(enrolment_id=enrolment_id))
    tamper(app, "INSERT INTO followup_purge (id, enrolment_id, enrolled_at, purged_at, "
                "retention_days) VALUES (77, :e, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
           e=enrolment_id)
    with past_the_triggers(app) as connection:
        for table in ("followup_review", "followup_checkin"):
            connection.execute(text(f"DELETE FROM {table} WHERE enrolment_id = :e"),
                               {"e": enrolment_id})
    said = broken(app)
    assert "The purge record 77 is not in the keyed chain" in said
    assert (f"The check-in {checkin_id} sealed in entry") in said
    assert "is missing: it was removed and no sealed purge record names its enrolment." in said
