"""Recovery follow-up: enrolment at discharge, daily check-ins, the worklist and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the follow-up records and their commands with the app."""
    # Imported for what they register: routes, tables and the reminder command.
    from checker.followup import desk, models, patient, reminders, retention, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.register_blueprint(patient.bp)
    app.cli.add_command(retention.commands)
