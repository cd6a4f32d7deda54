"""The migrations in the repository build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from checker.extensions import db


def test_the_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_migrations_create_the_unique_submit_token(app: Flask) -> None:
    with app.app_context():
        inspector = inspect(db.engine)
        unique = inspector.get_unique_constraints("encounter")
        assert [c["column_names"] for c in unique] == [["submit_token"]]
        assert {"nurse", "encounter", "addendum", "audit_event"} <= set(
            inspector.get_table_names())
