"""Signing nurses in and out."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import redis
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from checker.extensions import db, limiter
from checker.idle import LAST_SEEN
from checker.nurse import SESSION_NURSE, bp
from checker.nurse.forms import LoginForm
from checker.nurse.models import PASSWORD_METHOD, Nurse
from checker.nurse.sessions import SESSION_VERSION, end_every_session, known_versions

log = logging.getLogger(__name__)
# Checked when the account is unknown, so every sign-in costs exactly one slow hash.
_DUMMY_HASH = generate_password_hash("not a password", method=PASSWORD_METHOD)
LOGIN_LIMIT = "10 per minute"
# The sign-in page and the console's "sign in again" block count against one limit.
SIGN_IN_SCOPE = "nurse-sign-in"
WRONG = "The username or password is wrong."
UNAVAILABLE = "Signing in is not possible right now because the record system is unavailable."
TOO_MANY = "Too many sign-in attempts from here. Please wait a minute, then try again."
LOCAL_OFF = ("Signing in with a password is turned off: please sign in with the clinic "
             "account.")
SET_UP_ELSEWHERE = ("This account must set up a second factor before signing in: please sign "
                    "in on the sign-in page.")
# Counts sign-ins from the console's block in this process while the shared store is down.
_LOCAL_LIMIT = FixedWindowRateLimiter(MemoryStorage())


class SignInRefused(Exception):
    """A sign-in that did not succeed, with the message and status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        """Keep the message shown to the nurse and the HTTP status."""
        super().__init__(message)
        self.message = message
        self.status = status


def _safe_next(target: str | None) -> str:
    """Only a path inside the console, never another site or a header-breaking character."""
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/nurse/"):
            return target
    return url_for("nurse.home")


def check_credentials(username: str, password: str) -> Nurse | None:
    """The active nurse with these credentials, after exactly one slow hash whatever the case."""
    if not current_app.config.get("LOCAL_SIGN_IN", True):
        raise SignInRefused(LOCAL_OFF, 403)
    try:
        nurse = db.session.scalar(select(Nurse).filter_by(username=username))
    except DBAPIError:
        db.session.rollback()
        log.error("sign-in failed: the database is unavailable")
        # No chained cause: the database error would carry the username as a SQL parameter.
        raise SignInRefused(UNAVAILABLE, 503) from None
    matches = check_password_hash(nurse.password_hash if nurse else _DUMMY_HASH, password)
    if nurse is None or not matches or not nurse.is_active:
        log.info("a sign-in attempt failed")
        return None
    return nurse


def start_session(nurse: Nurse) -> None:
    """Sign the nurse in on a fresh session that carries the nurse's current session version."""
    session.clear()
    login_user(nurse)
    session[SESSION_NURSE] = {
        "id": nurse.id, "username": nurse.username, "is_admin": nurse.is_admin,
    }
    session[SESSION_VERSION] = nurse.session_version
    known_versions().remember(nurse.id, nurse.session_version)
    session[LAST_SEEN] = time.time()
    log.info("nurse %s signed in", nurse.id)


def _attempt_allowed() -> bool:
    """Count one sign-in attempt against the sign-in page's own limit (same key and window)."""
    if not limiter.enabled:  # RATELIMIT_ENABLED off: no limit is kept, this one neither
        return True
    args = (parse(LOGIN_LIMIT), get_remote_address(), SIGN_IN_SCOPE)
    try:
        return limiter.limiter.hit(*args)
    except redis.RedisError:
        log.error("the shared sign-in limit is unavailable: counting in this process for now")
        return _LOCAL_LIMIT.hit(*args)


def _needs_second_step(nurse: Nurse) -> tuple[bool, bool]:
    """Whether this nurse must give a code after the password, or set a factor up first."""
    try:
        has = second_factor.has_second_factor(db.session, nurse.id)
    except DBAPIError:
        db.session.rollback()
        log.error("sign-in failed: the database is unavailable")
        raise SignInRefused(UNAVAILABLE, 503) from None
    required = bool(current_app.config.get("REQUIRE_SECOND_FACTOR"))
    return has, required and not has


def sign_in_again(username: str, password: str, code: str = "") -> None:
    """Sign in from the console's block, under the same checks and limits as the sign-in page.

    An account with a second factor gives its code (or a recovery code) in the block too, so
    the nurse stays on the call; one that must set a factor up goes to the sign-in page.
    """
    if not _attempt_allowed():
        raise SignInRefused(TOO_MANY, 429)
    nurse = check_credentials(username, password)
    if nurse is None:
        raise SignInRefused(WRONG, 401)
    has, must_enrol = _needs_second_step(nurse)
    if must_enrol:
        raise SignInRefused(SET_UP_ELSEWHERE, 401)
    if has:
        second_factor.check_code_again(nurse, code)
    start_session(nurse)
    if has:
        second_factor.passed()


def _after_password(nurse: Nurse) -> Response:
    """Sign in, or go on to the code step (or to setting a factor up) first."""
    next_page = _safe_next(request.args.get("next"))
    try:
        has, must_enrol = _needs_second_step(nurse)
    except SignInRefused as refused:
        flash(refused.message)
        return redirect(url_for("nurse.login"))
    if has or must_enrol:
        second_factor.begin(nurse, must_enrol, next_page)
        target = "nurse.second_factor" if must_enrol else "nurse.second_factor_step"
        return redirect(url_for(target))
    start_session(nurse)
    return redirect(next_page)


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def login() -> Response | str | tuple[str, int]:
    """Sign in with a username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("nurse.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            nurse = check_credentials(form.username.data or "", form.password.data or "")
        except SignInRefused as refused:
            form.form_errors.append(refused.message)
            return render_template("nurse/login.html", form=form), refused.status
        if nurse is not None:
            return _after_password(nurse)
        form.form_errors.append(WRONG)
        return render_template("nurse/login.html", form=form), 401
    return render_template("nurse/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out here and end every other copy of this nurse's session."""
    nurse_id = current_user.id
    at_provider = single_sign_on.sign_out_at_provider()  # for a nurse signed in through it
    logout_user()
    session.clear()
    try:
        end_every_session(nurse_id)
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        log.error("ending the nurse's other sessions failed: the database is unavailable")
    flash("You are signed out.")
    if at_provider:
        return single_sign_on.leave_for(at_provider)
    return redirect(url_for("nurse.login"))


# The code step's and single sign-on's routes use this module's names, so they are imported
# once those exist.
from checker.nurse import second_factor, single_sign_on  # noqa: E402
