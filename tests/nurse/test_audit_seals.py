"""Every record is sealed in the keyed chain, with a key kept outside the database."""

import hashlib
import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from checker import audit as audit_log
from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CallLink, CheckIn, EnrolmentEnd, Reminder
from checker.followup.retention import purge_ended
from checker.settings import ConfigError
from tests.followup.conftest import enrol
from tests.nurse.conftest import add_nurse, make_app, migrated_app, sign_in
from tests.nurse.test_audit_tamper import broken, tamper, verify
from tests.nurse.test_records import save

AUDIT_KEY = "a key of the clinic's, kept in its secrets store only"


@contextmanager
def other_app(url: str, **config: str) -> Iterator[Flask]:
    """Another app on the same database, its connections closed afterwards."""
    app = make_app(url, **config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def keyed(empty_database_url: str) -> Iterator[Flask]:
    """An app with AUDIT_KEY set, its schema (and the chain's first entry) built by the
    migrations with that key, and removed afterwards."""
    with migrated_app(empty_database_url, AUDIT_KEY=AUDIT_KEY) as app:
        yield app


def sealed_tables(app: Flask) -> set[str]:
    """The record tables that have at least one entry in the keyed chain."""
    with app.app_context(), db.engine.connect() as connection:
        return set(connection.execute(text("SELECT DISTINCT record FROM record_seal")).scalars())


def test_every_kind_of_record_is_sealed_and_the_chain_holds(
    app: Flask, client: FlaskClient
) -> None:
    encounter_id = save(client)
    assert client.post(f"/nurse/encounters/{encounter_id}/addenda",
                       data={"text": "Rang back."}).status_code == 302
    assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    enrolment_id, _ = enrol(app)
    long_ago = utcnow() - timedelta(days=400)
    old_id, _ = enrol(app, created_at=long_ago, procedure_date=(long_ago).date())
    with app.app_context():
        checkin_id = db.session.scalar(select(CheckIn.id).filter_by(enrolment_id=enrolment_id))
        db.session.add_all([
            EnrolmentEnd(enrolment_id=enrolment_id, nurse_id=1, nurse_name="ann", reason="Done."),
            CallLink(enrolment_id=enrolment_id, checkin_id=checkin_id, encounter_id=encounter_id),
            Reminder(enrolment_id=enrolment_id, day=utcnow().date(), channel="email"),
        ])
        db.session.commit()
        assert purge_ended(db.session, 365) == [old_id]
        db.session.commit()
    written = {"encounter", "addendum", "audit_event", "followup_enrolment", "followup_end",
               "followup_checkin", "followup_review", "followup_call", "followup_reminder",
               "followup_purge"}
    assert written <= set(audit_log.SEALED)
    assert sealed_tables(app) == {*written, audit_log.START}
    result = verify(app)
    assert result.exit_code == 0, result.output


def test_a_row_is_sealed_in_the_transaction_that_writes_it(app: Flask,
                                                           client: FlaskClient) -> None:
    with app.app_context():
        enrolment_id, _ = enrol(app)
        db.session.add(Reminder(enrolment_id=enrolment_id, day=utcnow().date(), channel="email"))
        db.session.flush()
        db.session.rollback()
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT count(*) FROM record_seal WHERE record = 'followup_reminder'")).scalar() == 0
    assert verify(app).exit_code == 0


def test_the_key_comes_from_audit_key_and_never_reaches_the_database(keyed: Flask) -> None:
    database_url = keyed.config["SQLALCHEMY_DATABASE_URI"]
    add_nurse(keyed)
    client = keyed.test_client()
    assert sign_in(client).status_code == 302
    save(client)
    assert verify(keyed).exit_code == 0
    with keyed.app_context(), db.engine.connect() as connection:
        stored = repr([tuple(row) for table in db.metadata.tables
                       for row in connection.execute(text(f"SELECT * FROM {table}"))])
    assert AUDIT_KEY not in stored and AUDIT_KEY.encode().hex() not in stored
    with other_app(database_url, AUDIT_KEY="another key, at least 32 characters long") as app:
        said = broken(app)
        assert "Entry 1 of the keyed chain does not match its MAC" in said
    with other_app(database_url, AUDIT_KEY=AUDIT_KEY, SECRET_KEY="a new secret key") as app:
        assert verify(app).exit_code == 0, "a new SECRET_KEY must not matter with AUDIT_KEY"


def test_without_audit_key_the_key_is_derived_from_secret_key(
    app: Flask, client: FlaskClient, database_url: str
) -> None:
    save(client)
    derived = hmac.new(b"test", audit_log.KEY_LABEL, hashlib.sha256).digest()
    assert audit_log.audit_key({"SECRET_KEY": "test"}) == derived
    assert verify(app).exit_code == 0
    with app.app_context(), db.engine.connect() as connection:
        stored = repr([tuple(row) for row in connection.execute(text("SELECT * FROM record_seal"))])
    assert derived.hex() not in stored
    with other_app(database_url, SECRET_KEY="a rotated secret key") as other:
        assert "does not match its MAC" in broken(other)


def test_an_audit_key_too_short_is_refused_naming_it(app: Flask, database_url: str) -> None:
    with pytest.raises(ConfigError, match="AUDIT_KEY must be at least 32 characters"):
        audit_log.check_settings({"AUDIT_KEY": "short", "SECRET_KEY": "test"})
    with pytest.raises(ConfigError, match="AUDIT_KEY must be at least 32 characters"):
        make_app(database_url, AUDIT_KEY="short")  # the app refuses to start with it


def test_rows_written_before_the_keyed_chain_are_sealed_by_its_migration(
    app: Flask, client: FlaskClient
) -> None:
    encounter_id = save(client)
    assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    with app.app_context():
        flask_migrate.downgrade(revision="0006")
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                assert connection.execute(text("SELECT count(*) FROM pg_proc WHERE proname = "
                                               "'followup_purge_ended'")).scalar() == 0
            connection.execute(text(
                "INSERT INTO addendum (encounter_id, nurse_id, nurse_name, created_at, text) "
                "VALUES (:e, 1, 'ann', CURRENT_TIMESTAMP, 'Written before the key.')"),
                {"e": encounter_id})
            legacy_head = connection.execute(text(
                "SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1")).scalar()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            first = connection.execute(text(
                "SELECT record, record_id, digest FROM record_seal ORDER BY seq")).all()
    assert first[0] == (audit_log.START, 0, audit_log.row_digest(
        audit_log.START, {"id": 0, "legacy_audit_head": legacy_head}))
    assert [row[0] for row in first[1:]] == ["encounter", "addendum", "audit_event"]
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert "1 events checked, 3 records checked" in result.output
    tamper(app, "UPDATE addendum SET text = 'Rewritten later.' WHERE encounter_id = :e",
           e=encounter_id)
    assert "The addendum 1 was changed after it was written" in broken(app)


def test_a_later_nullable_column_changes_no_older_digest() -> None:
    row = {"id": 3, "text": "Rang back."}
    assert (audit_log.row_digest("addendum", row)
            == audit_log.row_digest("addendum", {**row, "added_later": None}))
    assert (audit_log.row_digest("addendum", row)
            != audit_log.row_digest("addendum", {**row, "text": "Rang back!"}))
