"""Recovery follow-up: enrolment at discharge, daily check-ins, the worklist and reminders."""

from __future__ import annotations

import logging

from flask import Flask, request

from checker.access_log import HIDE_LINKS


def _forget_old_sheet_tokens() -> None:
    """A nurse's session from an earlier version may hold link tokens: drop them."""
    if request.path.startswith("/nurse/"):
        from checker.followup.views import forget_sheet_tokens

        forget_sheet_tokens()


def init_app(app: Flask) -> None:
    """Register the follow-up records and their commands with the app."""
    # Imported for what they register: routes, tables and the reminder command.
    from checker.followup import desk, models, patient, reminders, retention, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(patient.bp)
    app.cli.add_command(retention.commands)
    app.before_request(_forget_old_sheet_tokens)
    # Whatever prints a path (Flask's "Exception on <path>", the development server's request
    # log) prints a follow-up address without what follows /followup/ (checker/access_log.py).
    for logger in (app.logger, logging.getLogger("werkzeug")):
        logger.addFilter(HIDE_LINKS)
