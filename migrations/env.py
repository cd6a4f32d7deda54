"""Alembic environment: migrations run against the app's own database and models."""

import logging
import os
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from checker.nurse.search import outside_models

config = context.config

# Tests keep their own logging (and captured logs); the command line gets alembic's output.
if config.config_file_name is not None and not current_app.config.get("TESTING"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def _migration_url():
    """MIGRATION_DATABASE_URL (the owner role's), from the settings or, outside tests, the
    environment; empty: migrate on the app's own connection (SQLite, or a single role)."""
    url = current_app.config.get("MIGRATION_DATABASE_URL") or ""
    if not url and not current_app.config.get("TESTING"):
        url = os.environ.get("MIGRATION_DATABASE_URL", "")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


_MIGRATION_URL = _migration_url()
# The owner role's engine lives only as long as this migration run.
_OWNER_ENGINE = (create_engine(_MIGRATION_URL, poolclass=NullPool, hide_parameters=True)
                 if _MIGRATION_URL else None)


def get_engine():
    """The engine migrations run on: the owner role's when set, else the app's own."""
    return _OWNER_ENGINE if _OWNER_ENGINE is not None else target_db.engine


def get_metadata():
    """The metadata of every model."""
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    """Write the SQL for the migrations without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection to the app's database."""

    def process_revision_directives(context, revision, directives):
        # An autogenerate with no schema change writes no empty revision file.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("compare_type", True)
    # The search's trigram indexes are made by hand in 0004; autogenerate must not drop them.
    conf_args.setdefault("include_object", outside_models)

    with get_engine().connect() as connection:
        # SQLite alters a table by copying it; with foreign keys enforced, dropping the old copy
        # of a table that others reference fails. They are off while migrating (the pragma is
        # ignored inside a transaction, hence the commits) and on again afterwards.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                # Nothing may be left pointing nowhere; raising here rolls the migration back.
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows whose foreign keys point nowhere")
        finally:
            if sqlite:
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


try:
    if context.is_offline_mode():
        run_migrations_offline()
    else:
        run_migrations_online()
finally:
    if _OWNER_ENGINE is not None:
        _OWNER_ENGINE.dispose()
