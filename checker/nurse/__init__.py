"""The nurse's telephone triage console: accounts, calls, the record and its audit log."""

from __future__ import annotations

from flask import Blueprint, Flask, session
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

from checker.extensions import db, login_manager
from checker.idle import sign_out_when_idle
from checker.nurse.sessions import SESSION_VERSION, known_versions, session_interface

bp = Blueprint("nurse", __name__, url_prefix="/nurse")
bp.before_request(sign_out_when_idle)
# What the console needs to know about the signed-in nurse if the database is down.
SESSION_NURSE = "nurse"


def _load_nurse(user_id: str) -> object | None:
    """The signed-in nurse, if this session is still current; in an outage, the session's copy."""
    from checker.nurse.models import Nurse

    try:
        nurse = db.session.get(Nurse, int(user_id))
    except DBAPIError:
        db.session.rollback()
        return _kept_nurse(user_id)
    except ValueError:
        return None
    # Sign-out, a new password or disabling the account raised the version: this copy is void.
    if nurse is None or not nurse.is_active:
        if nurse is not None:
            known_versions().forget(nurse.id)
        return None
    known_versions().remember(nurse.id, nurse.session_version)
    return nurse if session.get(SESSION_VERSION) == nurse.session_version else None


def _kept_nurse(user_id: str) -> object | None:
    """In a database outage, the session's copy of its nurse, if that session is still current.

    A signed-in nurse keeps the call on screen through an outage (nothing can be saved), but
    only while the version the session holds is the one last read from the database: a session
    ended before the outage stays ended.
    """
    from checker.nurse.models import Nurse

    kept = session.get(SESSION_NURSE) or {}
    if str(kept.get("id")) != user_id:
        return None
    newest = known_versions().newest(int(kept["id"]))
    if newest is None or session.get(SESSION_VERSION) != newest:
        return None
    return Nurse(id=kept["id"], username=kept["username"], is_admin=kept["is_admin"],
                 active=True)


def init_app(app: Flask) -> None:
    """Register the nurse console, its CLI and its sign-in handling with the app."""
    from checker import audit
    from checker.nurse import (  # noqa: F401  (routes)
        auth,
        back_channel,
        cli,
        console,
        handout,
        passkeys,
        records,
        replay,
        reports,
        single_sign_on,
    )

    single_sign_on.init_app(app)  # the clinic's identity provider, when one is set up
    app.register_blueprint(bp)
    app.cli.add_command(cli.nurses)
    app.cli.add_command(audit.commands)
    app.cli.add_command(replay.commands)
    app.session_interface = session_interface(app)
    # Templates reach the nurse through the lazy proxy, so a patient's page never loads one.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "nurse.login"
    login_manager.login_message = "Please sign in to use the nurse console."
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_nurse)
