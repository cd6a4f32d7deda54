"""Signing staff out after a time without a request, on every page behind the nurse's sign-in.

The keys it keeps in the session are here too, for the pages that read them.
"""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

LAST_SEEN = "nurse_last_seen"
# Kept through an idle sign-out, so the open call's form can still be posted once more.
CSRF_KEY = "csrf_token"
# The endpoint whose timed-out post is answered with the call itself, not the sign-in page.
SAVE_ENDPOINT = "nurse.save_call"
# Who was signed out for idleness, to fill in the sign-in block (a username, nothing else).
SIGNED_OUT_AS = "nurse_signed_out_as"
SIGN_IN_ENDPOINT = "nurse.login"


def sign_out_when_idle() -> Response | None:
    """Sign a nurse out after the configured minutes without a request (a before_request)."""
    if request.endpoint in (None, SIGN_IN_ENDPOINT, "static"):
        return None
    if not current_user.is_authenticated:
        return None
    now = time.time()
    limit = 60 * int(current_app.config["NURSE_IDLE_MINUTES"])
    last = session.get(LAST_SEEN)
    if last is not None and now - float(last) > limit:
        kept_token = session.get(CSRF_KEY)
        username = current_user.username
        logout_user()
        session.clear()
        if request.endpoint == SAVE_ENDPOINT:
            # The call view answers with the call and a sign-in block, so nothing is lost.
            if kept_token:
                session[CSRF_KEY] = kept_token
            session[SIGNED_OUT_AS] = username
            g.signed_out_idle = True
            return None
        flash("You were signed out after a time without activity. Please sign in again.")
        return redirect(url_for(SIGN_IN_ENDPOINT))
    session[LAST_SEEN] = now
    return None
