"""Back-channel logout: the identity provider tells the app, server to server, who signed out.

The provider posts a logout token (a JWT it signed) to /nurse/sso/back-channel-logout when an
account signs out there, or its session is ended. The token is checked as OpenID Connect
Back-Channel Logout 1.0 asks: its signature against the provider's published keys (JWKS), the
issuer, the audience (this app's client id), when it was issued, the logout event, a subject
and/or a session id (sid), and no nonce. Then every session of that nurse ends, on every
instance, by raising the nurse's session version. This is the one route without a form token:
the provider holds no session here to carry one.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import abort, jsonify, request
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from werkzeug.wrappers import Response

from checker.extensions import csrf, db
from checker.nurse import bp
from checker.nurse.identities import nurse_of, nurse_of_sid, record
from checker.nurse.sessions import end_every_session
from checker.nurse.single_sign_on import PROVIDER_FAULTS, client, enabled

log = logging.getLogger(__name__)
EVENT = "http://schemas.openid.net/event/backchannel-logout"
LEEWAY_SECONDS = 60  # clocks of the provider and the app may differ this much
MAX_AGE_SECONDS = 10 * 60  # a logout token issued longer ago than this is refused
# The provider's keys are read again for a token signed with an unknown key, at most this
# often, so tokens with made-up key ids cannot make the app hammer the provider.
REFETCH_SECONDS = 60
_refetched_at = 0.0


class BadLogoutToken(ValueError):
    """A logout token that does not say what a back-channel logout must."""


def _key_set(published: dict[str, Any]) -> KeySet:
    """The provider's published keys (its JWKS document)."""
    return KeySet.import_key_set({"keys": published["keys"]})


def _decode(value: str) -> Any:
    """The token, its signature checked against the provider's keys (read again once if new)."""
    global _refetched_at
    provider = client()
    metadata = provider.load_server_metadata()
    algorithms = [name for name in metadata.get("id_token_signing_alg_values_supported",
                                                ["RS256"]) if name != "none"]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        return jwt.decode(value, _key_set(provider.fetch_jwk_set()), registry=registry)
    except InvalidKeyIdError:
        if time.monotonic() - _refetched_at < REFETCH_SECONDS:
            raise
        _refetched_at = time.monotonic()
        return jwt.decode(value, _key_set(provider.fetch_jwk_set(force=True)),
                          registry=registry)


def read_logout_token(value: str) -> tuple[str, str, str]:
    """The issuer, subject and sid a valid logout token names (either of the last two may be
    empty), or BadLogoutToken / a JoseError saying why it is not valid."""
    token = _decode(value)
    issuer = str(client().load_server_metadata()["issuer"])
    claims = token.claims
    jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS, iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client().client_id}, iat={"essential": True},
    ).validate(claims)
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(EVENT), dict):
        raise BadLogoutToken("no back-channel logout event")
    if "nonce" in claims:
        raise BadLogoutToken("a nonce, which a logout token must not have")
    if claims["iat"] < time.time() - MAX_AGE_SECONDS:
        raise BadLogoutToken("issued too long ago")
    subject, sid = claims.get("sub"), claims.get("sid")
    subject = subject if isinstance(subject, str) else ""
    sid = sid if isinstance(sid, str) else ""
    if not subject and not sid:
        raise BadLogoutToken("neither a subject nor a session id")
    return issuer, subject, sid


@bp.route("/sso/back-channel-logout", methods=["POST"])
def sso_back_channel_logout() -> Response | tuple[Response, int]:
    """The provider ended an account's session: end every session of its nurse, everywhere."""
    if not enabled():
        abort(404)
    try:
        issuer, subject, sid = read_logout_token(request.form.get("logout_token", ""))
    except (JoseError, *PROVIDER_FAULTS) as error:
        # The class only: the token itself must never reach a log.
        log.warning("a back-channel logout was refused: %s", type(error).__name__)
        return jsonify({"error": "invalid_request"}), 400
    nurse = nurse_of(issuer, subject) if subject else None
    nurse_id = nurse.id if nurse is not None else (nurse_of_sid(issuer, sid) if sid else None)
    if nurse_id is not None:
        end_every_session(nurse_id)
    record("back_channel_logout", issuer, subject, nurse_id)
    db.session.commit()
    log.info("single sign-on: the provider signed nurse %s out", nurse_id)
    return Response(status=200)


# The provider posts here server to server: there is no session, so no form token to check.
csrf.exempt(sso_back_channel_logout)
