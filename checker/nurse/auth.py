"""Signing nurses in and out."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from checker.extensions import db, limiter
from checker.nurse import LAST_SEEN, SESSION_NURSE, bp
from checker.nurse.forms import LoginForm
from checker.nurse.models import PASSWORD_METHOD, Nurse

log = logging.getLogger(__name__)
# Checked when the username is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method=PASSWORD_METHOD)
LOGIN_LIMIT = "10 per minute"


def _safe_next(target: str | None) -> str:
    """Only a path inside the console, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/nurse/"):
            return target
    return url_for("nurse.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with a username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("nurse.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            nurse = db.session.scalar(select(Nurse).filter_by(username=form.username.data))
        except DBAPIError:
            db.session.rollback()
            log.error("sign-in failed: the database is unavailable")
            form.form_errors.append(
                "Signing in is not possible right now because the record system is unavailable."
            )
            return render_template("nurse/login.html", form=form), 503
        if nurse is None:
            check_password_hash(_DUMMY_HASH, form.password.data or "")
        if nurse is not None and nurse.is_active and nurse.check_password(form.password.data):
            session.clear()
            login_user(nurse)
            session[SESSION_NURSE] = {
                "id": nurse.id, "username": nurse.username, "is_admin": nurse.is_admin,
            }
            session[LAST_SEEN] = time.time()
            log.info("nurse %s signed in", nurse.id)
            return redirect(_safe_next(request.args.get("next")))
        log.info("a sign-in attempt failed")
        form.form_errors.append("The username or password is wrong.")
        return render_template("nurse/login.html", form=form), 401
    return render_template("nurse/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out and forget the session."""
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("nurse.login"))
