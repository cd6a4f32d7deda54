"""The migrations build exactly the schema the models describe, and carry old rows along."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from checker.audit import AuditEvent
from checker.extensions import db
from checker.nurse.search import outside_models
from tests.nurse.test_records import find, save


def test_the_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        opts = {"compare_type": True, "include_object": outside_models}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, db.metadata) == []


def test_the_migrations_create_the_unique_submit_token(app: Flask) -> None:
    with app.app_context():
        inspector = inspect(db.engine)
        unique = inspector.get_unique_constraints("encounter")
        assert [c["column_names"] for c in unique] == [["submit_token"]]
        assert {"nurse", "encounter", "addendum", "audit_event"} <= set(
            inspector.get_table_names())


def add_olga(connection: Connection) -> None:
    """A nurse written at revision 0002, with id 7."""
    connection.execute(text(
        "INSERT INTO nurse (id, username, password_hash, is_admin, active, created_at) "
        "VALUES (7, 'olga', 'x', :no, :yes, '2026-01-01 08:00:00')"), {"no": False, "yes": True})


def test_the_upgrade_names_the_authors_and_chains_the_events_written_before_it(
    app: Flask,
) -> None:
    with app.app_context():
        flask_migrate.downgrade(revision="0002")
        with db.engine.begin() as connection:
            add_olga(connection)
            for minute in (1, 2):
                connection.execute(text(
                    "INSERT INTO audit_event (nurse_id, action, at) "
                    f"VALUES (7, 'view', '2026-01-01 08:0{minute}:00')"))
        flask_migrate.upgrade()
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert [(e.nurse_name, e.shown_ids) for e in events] == [("olga", []), ("olga", [])]
        assert events[1].prev_hash == events[0].hash != ""
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 events checked" in result.output


def test_the_downgrade_removes_the_triggers(app: Flask) -> None:
    with app.app_context():
        flask_migrate.downgrade(revision="0002")
        with db.engine.begin() as connection:
            add_olga(connection)
            connection.execute(text("INSERT INTO audit_event (nurse_id, action, at) "
                                    "VALUES (7, 'view', '2026-01-01 08:01:00')"))
            assert connection.execute(text("DELETE FROM audit_event")).rowcount == 1


def search_index_names(connection: Connection) -> set[str]:
    """The names of the name-search index objects migration 0004 makes, as they stand now."""
    if connection.dialect.name == "postgresql":
        query = "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_encounter_name_trgm'"
    else:
        query = ("SELECT name FROM sqlite_master WHERE name IN "
                 "('encounter_name', 'encounter_name_insert')")
    return set(connection.execute(text(query)).scalars())


def test_the_search_index_goes_on_downgrade_and_comes_back_holding_earlier_calls(
    app: Flask, client: FlaskClient,
) -> None:
    save(client, patient_name="Harriet Quimby")
    with app.app_context():
        flask_migrate.downgrade(revision="0003")
        with db.engine.connect() as connection:
            assert search_index_names(connection) == set()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            assert search_index_names(connection) == (
                {"ix_encounter_name_trgm"} if connection.dialect.name == "postgresql"
                else {"encounter_name", "encounter_name_insert"})
    assert "Harriet Quimby" in find(client, name="quimb")  # saved before the index was built
