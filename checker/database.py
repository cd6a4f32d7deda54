"""Engine options that keep the database's faults cheap and its values out of every log."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

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


def engine_options(configured: dict[str, Any] | None) -> dict[str, Any]:
    """The engine options: the defaults, then the configured ones, then the required ones."""
    return {**DEFAULT_ENGINE_OPTIONS, **(configured or {}), **REQUIRED_ENGINE_OPTIONS}


def init_app(app: Flask) -> None:
    """Set the engine options before Flask-SQLAlchemy creates the engine."""
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config.get("SQLALCHEMY_ENGINE_OPTIONS")
    )
    # addFilter ignores a filter it already has, so several apps add it once.
    logging.getLogger(ENGINE_LOGGER).addFilter(_HIDE_ROW_VALUES)
