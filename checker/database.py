"""Engine options that keep the database's faults cheap and its values out of every log."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# SQLAlchemy's engine logger: at DEBUG it writes every fetched row, patient names included.
ENGINE_LOGGER = "sqlalchemy.engine.Engine"
# Options a deployment may change: a pooled connection is tested before use, so a database
# restart costs no request (the dead connection is replaced, the request goes on).
DEFAULT_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
# Options nobody may turn off: SQL parameters never appear in exception texts or SQL logs.
REQUIRED_ENGINE_OPTIONS: dict[str, Any] = {"hide_parameters": True}


class HideRowValues(logging.Filter):
    """Replace the values of result rows in SQLAlchemy's DEBUG log with a placeholder."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, without the row it would print."""
        if record.msg == "Row %r":
            record.msg = "Row [values hidden]"
            record.args = ()
        return True


_HIDE_ROW_VALUES = HideRowValues()


# The largest id a record can have: the ids are INTEGER columns, 32 bits on PostgreSQL.
LARGEST_ID = 2**31 - 1


class RecordId(IntegerConverter):
    """A record's id in a URL: 1 up to the largest id a column holds, else no such page (404).

    A larger number would reach the database and fail there as an error of the data, which is
    no outage; a number no record can have is a page that does not exist.
    """

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        """Bound every id to the range a record's id can take."""
        super().__init__(map, min=1, max=LARGEST_ID)


def engine_options(configured: dict[str, Any] | None) -> dict[str, Any]:
    """The engine options: the defaults, then the configured ones, then the required ones."""
    return {**DEFAULT_ENGINE_OPTIONS, **(configured or {}), **REQUIRED_ENGINE_OPTIONS}


def with_timeouts(
    options: dict[str, Any], uri: str, lock: float, statement: float
) -> dict[str, Any]:
    """PostgreSQL connections that give up waiting for a lock, or on a statement, in time.

    A stalled database must be answered with the 503 page (and its emergency line) before
    gunicorn gives up on the worker and answers its own bare error: so a statement waits at most
    `lock` seconds for a lock and runs at most `statement` seconds (0: no limit). SQLite waits
    for its write lock a few seconds (its driver's own timeout) and has no statement timeout.
    """
    if not uri.startswith("postgresql") or not (lock or statement):
        return options
    connect_args = dict(options.get("connect_args") or {})
    settings = f"-c lock_timeout={int(lock * 1000)} -c statement_timeout={int(statement * 1000)}"
    connect_args["options"] = f"{connect_args.get('options', '')} {settings}".strip()
    return {**options, "connect_args": connect_args}


def init_app(app: Flask) -> None:
    """Set the engine options before Flask-SQLAlchemy creates the engine."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = with_timeouts(
        engine_options(app.config.get("SQLALCHEMY_ENGINE_OPTIONS")),
        app.config.get("SQLALCHEMY_DATABASE_URI") or "",
        float(app.config.get("DATABASE_LOCK_TIMEOUT") or 0),
        float(app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0),
    )
    # Every `<int:…>` in this app's routes is a record's id (set before any route is added).
    app.url_map.converters["int"] = RecordId
    # addFilter ignores a filter it already has, so several apps add it once.
    logging.getLogger(ENGINE_LOGGER).addFilter(_HIDE_ROW_VALUES)
