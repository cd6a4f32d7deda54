"""Single sign-on through the clinic's identity provider (OpenID Connect), for nurses.

"Sign in with the clinic account" sends the nurse to the provider (authorization code with PKCE,
through authlib); the provider sends them back to the callback, which exchanges the code for an
ID token and checks it. The nurse is the one whose identity (issuer, subject) the token names,
made at that account's first sign-in, never found by e-mail; the role is read from a claim at
every sign-in, and an account with neither role is refused (identities.py). Signing out here
signs out at the provider too (RP-initiated logout); the provider's back-channel logout ends
every session of the nurse (back_channel.py).

Every sign-in, refusal and sign-out is a SignInEvent with the issuer and subject. No token, code
or secret is kept anywhere but the session (the ID token, for the sign-out), or ever logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from checker.extensions import db, limiter
from checker.nurse import bp, identities, second_factor
from checker.nurse.auth import LOGIN_LIMIT, SIGN_IN_SCOPE, _safe_next, start_session
from checker.settings import ConfigError

log = logging.getLogger(__name__)
EXTENSION = "single_sign_on"
# Seconds to connect to the provider, and to wait for its answer.
PROVIDER_TIMEOUT = (5, 10)
# What a session signed in here keeps for its sign-out: issuer, subject and the ID token.
SIGNED_IN = "single_sign_on"
NEXT = "single_sign_on_next"
MAX_ID_LENGTH = 255  # OpenID Connect's limit for a subject; the issuer is held to it too
# The provider's errors that mean it is down or broken, not that it refused the account.
PROVIDER_BROKEN = frozenset({"server_error", "temporarily_unavailable"})
# Faults of talking to the provider: unreachable, an untrusted certificate, an answer that is
# not what OpenID Connect says, a token whose signature or claims do not check.
PROVIDER_FAULTS = (requests.RequestException, JoseError, ValueError, KeyError, RuntimeError)

NO_ROLE = ("Your clinic account has no role in Recovery Check. Ask the clinic's IT to give it "
           "the nurse or administrator role, then sign in again.")
DISABLED_HERE = ("This account is disabled in Recovery Check. Ask an administrator to check it.")
REFUSED_THERE = ("The clinic's sign-in service did not sign this account in: it may be "
                 "disabled, or not allowed to use Recovery Check. Ask the clinic's IT.")
START_AGAIN = ("This sign-in was started too long ago or in another window. Please sign in "
               "again.")
DOWN = ("The clinic's sign-in service cannot be reached or did not answer as it should, so "
        "signing in with the clinic account is not possible right now. Try again in a few "
        "minutes.")
BREAK_GLASS = ("Meanwhile the clinic's break-glass accounts (Recovery Check's own, with a "
               "password and a second factor) can sign in")


class ProviderSession(OAuth2Session):
    """authlib's HTTP session, trusting OIDC_CA_BUNDLE even where REQUESTS_CA_BUNDLE is set.

    requests lets that environment variable override a session's own CA bundle; proxies set in
    the environment still apply.
    """

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        """The request's settings, with the session's CA bundle when it has one."""
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if isinstance(self.verify, str):
            settings["verify"] = self.verify
        return settings


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse at start single sign-on settings that could not work (ConfigError naming them)."""
    issuer = str(config.get("OIDC_ISSUER") or "")
    if not issuer:
        if not config.get("LOCAL_SIGN_IN", True):
            raise ConfigError("LOCAL_SIGN_IN is off but single sign-on is not set up "
                              "(OIDC_ISSUER): nobody could sign in.")
        return
    parts = urlsplit(issuer)
    if (parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment
            or len(issuer) > MAX_ID_LENGTH):
        raise ConfigError("OIDC_ISSUER must be the provider's https:// address as its "
                          f"discovery document names it, not {issuer!r}.")
    for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ROLE_CLAIM"):
        if not config.get(name):
            raise ConfigError(f"{name} is required when OIDC_ISSUER is set.")
    if "openid" not in str(config.get("OIDC_SCOPES") or "").split():
        raise ConfigError("OIDC_SCOPES must include openid.")
    if not (config.get("OIDC_ADMIN_ROLES") or config.get("OIDC_NURSE_ROLES")):
        raise ConfigError("OIDC_NURSE_ROLES (or OIDC_ADMIN_ROLES) must name the role claim's "
                          "values that may sign in, or nobody could.")
    bundle = str(config.get("OIDC_CA_BUNDLE") or "")
    if bundle and not Path(bundle).is_file():
        raise ConfigError(f"OIDC_CA_BUNDLE must be a PEM file of certificates: {bundle!r} is not "
                          "a file.")


def init_app(app: Flask) -> None:
    """Check the settings and, when single sign-on is set up, register the provider."""
    check_settings(app.config)
    if not app.config.get("OIDC_ISSUER"):
        return
    client_kwargs: dict[str, Any] = {"scope": app.config["OIDC_SCOPES"],
                                     "code_challenge_method": "S256",
                                     "default_timeout": PROVIDER_TIMEOUT}
    if app.config.get("OIDC_CA_BUNDLE"):
        client_kwargs["verify"] = app.config["OIDC_CA_BUNDLE"]
    issuer = str(app.config["OIDC_ISSUER"]).rstrip("/")
    provider = OAuth(app).register(
        "clinic", client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs=client_kwargs)
    provider.client_cls = ProviderSession
    app.extensions[EXTENSION] = provider
    # authlib logs the PKCE verifier at debug level: never let it reach a log.
    logging.getLogger("authlib").setLevel(logging.INFO)


def enabled() -> bool:
    """Whether single sign-on is set up."""
    return EXTENSION in current_app.extensions


def client() -> FlaskOAuth2App:
    """The registered provider (its discovery document is read once, then kept)."""
    provider: FlaskOAuth2App = current_app.extensions[EXTENSION]
    return provider


def issuer() -> str:
    """The provider's issuer as its discovery document names it (and its tokens must)."""
    return str(client().load_server_metadata()["issuer"])


# --- pages -------------------------------------------------------------------------------


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    """A sign-in problem on the console's error page, which gives the emergency line."""
    return render_template("nurse/error.html", title=title, message=message, code=status), status


def _refused(message: str) -> tuple[str, int]:
    """The page for an account the app or the provider does not sign in."""
    return _page("You cannot sign in with this account", message, 403)


def _down(error: BaseException | str) -> tuple[str, int]:
    """The page for a provider that is down or misconfigured; the log names the fault's class."""
    what = error if isinstance(error, str) else type(error).__name__
    log.error("single sign-on failed: the provider is unreachable or misconfigured (%s)", what)
    break_glass = BREAK_GLASS if current_app.config.get("LOCAL_SIGN_IN", True) else (
        BREAK_GLASS + " once an administrator turns signing in with a password back on")
    return _page("Signing in with the clinic account is not possible right now",
                 f"{DOWN} {break_glass}.", 503)


@bp.route("/sso/login")
def sso_login() -> Response | tuple[str, int]:
    """Go to the clinic's identity provider to sign in."""
    if not enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("nurse.home"))
    session[NEXT] = _safe_next(request.args.get("next"))
    try:
        return client().authorize_redirect(url_for("nurse.sso_callback", _external=True))
    except PROVIDER_FAULTS as error:
        return _down(error)


@bp.route("/sso/callback")
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE)
def sso_callback() -> Response | tuple[str, int]:
    """Where the provider sends the nurse back: check the answer and sign them in."""
    if not enabled():
        abort(404)
    configured = str(current_app.config["OIDC_ISSUER"]).rstrip("/")
    error = request.args.get("error")
    if error:
        reason = "".join(c for c in error if c.isalnum() or c == "_")[:40]
        if reason in PROVIDER_BROKEN:
            return _down(reason)
        identities.record("refused", configured, reason=f"provider: {reason}")
        db.session.commit()
        log.info("single sign-on: the provider refused a sign-in (%s)", reason)
        return _refused(REFUSED_THERE)
    try:
        named = request.args.get("iss")  # RFC 9207: which provider answered, when it says
        if named is not None and named != issuer():
            return _down("the answer names another issuer")
        token = client().authorize_access_token()
    except MismatchingStateError:
        return _page("Please sign in again", START_AGAIN, 400)
    except OAuthError as refused:
        if refused.error == "invalid_grant":  # the code was used already, or has expired
            return _page("Please sign in again", START_AGAIN, 400)
        return _down(f"the token endpoint answered {refused.error}")
    except PROVIDER_FAULTS as fault:
        return _down(fault)
    claims = token.get("userinfo") or {}
    if str(claims.get("iss", "")).rstrip("/") != configured:
        return _down("the ID token names another issuer than OIDC_ISSUER")
    return sign_in_with(claims, str(token["id_token"]))


def sign_in_with(claims: Mapping[str, Any], id_token: str) -> Response | tuple[str, int]:
    """Sign the token's nurse in (made at the first sign-in), or refuse the account."""
    issuer_, subject = str(claims["iss"]), str(claims["sub"])
    if len(subject) > MAX_ID_LENGTH:
        return _down("a subject longer than 255 characters")
    role = identities.role_of(claims, current_app.config)
    nurse = identities.nurse_of(issuer_, subject)
    if role is None or (nurse is not None and not nurse.is_active):
        reason = "no role" if role is None else "disabled in Recovery Check"
        identities.record("refused", issuer_, subject, nurse.id if nurse else None, reason)
        db.session.commit()
        log.info("single sign-on: a sign-in was refused (%s)", reason)
        return _refused(NO_ROLE if role is None else DISABLED_HERE)
    if nurse is None:
        nurse = identities.new_nurse(claims, issuer_, subject)
    nurse.is_admin = role == "admin"  # read again at every sign-in
    identities.record("sign_in", issuer_, subject, nurse.id, role)
    db.session.commit()
    next_page = session.get(NEXT) or url_for("nurse.home")
    start_session(nurse)
    # The provider decides how the account proves itself (its own multi-factor rules).
    session[second_factor.PASSED] = True
    session[SIGNED_IN] = {"issuer": issuer_, "subject": subject, "id_token": id_token}
    sid = claims.get("sid")
    if isinstance(sid, str) and sid:
        identities.remember_sid(issuer_, sid, nurse.id)
    return redirect(next_page)


def sign_out_at_provider() -> str | None:
    """For a nurse signed in here: record the sign-out, and give the provider's sign-out address.

    The caller signs the nurse out and commits. None for a session signed in with a password,
    or when the provider cannot be reached (the nurse is signed out here all the same).
    """
    kept = session.get(SIGNED_IN)
    if not isinstance(kept, dict) or not enabled():
        return None
    identities.record("sign_out", kept["issuer"], kept["subject"], int(current_user.id))
    try:
        endpoint = str(client().load_server_metadata()["end_session_endpoint"])
    except PROVIDER_FAULTS as error:
        log.error("single sign-on: signing out at the provider failed (%s)",
                  type(error).__name__)
        return None
    query = urlencode({"id_token_hint": kept["id_token"], "client_id": client().client_id,
                       "post_logout_redirect_uri": url_for("nurse.login", _external=True)})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def leave_for(address: str) -> Response:
    """The page that takes a nurse just signed out here on to the provider's sign-out page."""
    return Response(render_template("nurse/single_sign_on_out.html", address=address),
                    mimetype="text/html")
