"""The nurse's telephone triage console: accounts, calls, the record and its audit log."""

from __future__ import annotations

import time

from flask import Blueprint, Flask, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response

from checker.extensions import db, login_manager

bp = Blueprint("nurse", __name__, url_prefix="/nurse")
# What the console needs to know about the signed-in nurse if the database is down.
SESSION_NURSE = "nurse"
LAST_SEEN = "nurse_last_seen"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure if configured, or if this request is HTTPS (ProxyFix sets that behind a proxy)."""
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def _load_nurse(user_id: str) -> object | None:
    """The signed-in nurse; while the database is down, the identity kept in the session."""
    from checker.nurse.models import Nurse

    try:
        nurse = db.session.get(Nurse, int(user_id))
    except DBAPIError:
        db.session.rollback()
        # A signed-in nurse keeps the call on screen through an outage; nothing can be saved.
        kept = session.get(SESSION_NURSE) or {}
        if str(kept.get("id")) != user_id:
            return None
        return Nurse(id=kept["id"], username=kept["username"], is_admin=kept["is_admin"],
                     active=True)
    except ValueError:
        return None
    return nurse


@bp.before_request
def _idle_timeout() -> Response | None:
    """Sign a nurse out after the configured minutes without a request."""
    if request.endpoint in (None, "nurse.login", "static"):
        return None
    if not current_user.is_authenticated:
        return None
    now = time.time()
    limit = 60 * int(current_app.config["NURSE_IDLE_MINUTES"])
    last = session.get(LAST_SEEN)
    if last is not None and now - float(last) > limit:
        logout_user()
        session.clear()
        flash("You were signed out after a time without activity. Please sign in again.")
        return redirect(url_for("nurse.login"))
    session[LAST_SEEN] = now
    return None


def init_app(app: Flask) -> None:
    """Register the nurse console, its CLI and its sign-in handling with the app."""
    from checker.nurse import auth, cli, console, records  # noqa: F401  (they add routes)

    app.register_blueprint(bp)
    app.cli.add_command(cli.nurses)
    app.session_interface = HttpsAwareSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "nurse.login"
    login_manager.login_message = "Please sign in to use the nurse console."
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_nurse)
