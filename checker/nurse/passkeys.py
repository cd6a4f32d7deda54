"""Passkeys (WebAuthn) as a second factor for local accounts, through py_webauthn.

A nurse adds one or more named passkeys on the account page, and then signs in with the
password and a passkey (the TOTP code and the recovery codes stay as the fallback). A passkey
is a `second_factor` row of kind "passkey" whose `secret` holds, as JSON, its name, credential
id, public key and transports: public material, nothing that signs in by itself. Each use is
a `second_factor_use` row; an authenticator's sign count, when it keeps one, is its `step`, so
a count not above the last one seen is refused (a replayed or cloned credential).

Each ceremony's challenge is kept in the session (server-side in Redis with REDIS_URL, else
in the signed cookie), bound to the nurse and its purpose, for two minutes, and taken out at
the first answer, right or wrong. The relying party is the host of PUBLIC_URL when it is set,
else the host the request came to. Neither a challenge nor any credential reaches a log.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from checker.extensions import db, limiter
from checker.form_fields import ONE_LINE
from checker.nurse import bp
from checker.nurse.auth import LOGIN_LIMIT, SIGN_IN_SCOPE
from checker.nurse.models import Nurse, SecondFactor, SecondFactorUse
from checker.nurse.second_factor import (
    PASSKEY,
    TOO_MANY_CODES,
    ConfirmForm,
    Pending,
    account,
    account_allowed,
    account_page,
    active_factors,
    audit,
    commit_use,
    confirmed_or_elsewhere,
    finish,
    first_codes,
    pending,
    removed,
    set_up,
    step_page,
)
from checker.validators import OneValue

log = logging.getLogger(__name__)
RP_NAME = "Recovery Check"
CHALLENGE = "passkey_challenge"  # the session's key
CHALLENGE_SECONDS = 120
REGISTER, SIGN_IN = "register", "sign-in"
# A credential as the browser sends it: about 1 KB with attestation "none"; 16 KB is ample.
CREDENTIAL_LENGTH = 16_000
PASSKEY_FAILED = "The passkey did not sign you in. Try it again, or enter a code below."
NOT_ADDED = "The passkey was not added. Please try again."


class PasskeyForm(FlaskForm):
    """A new passkey: its name, and the browser's answer to the registration."""

    name = StringField("Name of the passkey",
                       validators=[*ONE_LINE, DataRequired(), Length(max=60)])
    credential = HiddenField(validators=[OneValue(), DataRequired(),
                                         Length(max=CREDENTIAL_LENGTH)])


class PasskeySignInForm(FlaskForm):
    """The browser's answer to the sign-in challenge."""

    credential = HiddenField(validators=[OneValue(), DataRequired(),
                                         Length(max=CREDENTIAL_LENGTH)])


class RemovePasskeyForm(ConfirmForm):
    """Which passkey to remove, with a current code or the password."""

    passkey = StringField(validators=[OneValue(), DataRequired(), Length(max=20)])


# --- the relying party, the challenge and the stored credential ----------------------------


def relying_party() -> tuple[str, str]:
    """The RP id and origin: PUBLIC_URL's when it is set, else the request's own host."""
    address = current_app.config.get("PUBLIC_URL") or request.host_url
    parts = urlsplit(address)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"


def _remember(purpose: str, nurse_id: int, challenge: bytes) -> None:
    """Keep this ceremony's challenge in the session, for this nurse and purpose only."""
    session[CHALLENGE] = {"purpose": purpose, "nurse": nurse_id,
                          "value": bytes_to_base64url(challenge),
                          "until": time.time() + CHALLENGE_SECONDS}


def _take(purpose: str, nurse_id: int) -> bytes | None:
    """The session's challenge, taken out so it serves once; None if stale or another's."""
    kept = session.pop(CHALLENGE, None)
    if (not isinstance(kept, dict) or kept.get("purpose") != purpose
            or kept.get("nurse") != nurse_id or float(kept.get("until", 0)) < time.time()):
        return None
    return base64url_to_bytes(str(kept["value"]))


def stored(factor: SecondFactor) -> dict[str, Any]:
    """A passkey's stored fields: name, id, public_key (base64url) and transports."""
    kept: dict[str, Any] = json.loads(factor.secret)
    return kept


def _descriptors(passkeys: list[SecondFactor]) -> list[PublicKeyCredentialDescriptor]:
    """The nurse's passkeys as the browser is told of them."""
    known = {t.value for t in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(
        id=base64url_to_bytes(stored(f)["id"]),
        transports=[AuthenticatorTransport(t) for t in stored(f)["transports"] if t in known])
        for f in passkeys]


def passkeys_of(nurse_id: int) -> list[SecondFactor]:
    """The nurse's passkeys in use, oldest first."""
    return [f for f in active_factors(db.session, nurse_id) if f.kind == PASSKEY]


def _options(options: Any) -> Response:
    """The ceremony's options as the JSON the page's script reads."""
    return Response(options_to_json(options), mimetype="application/json")


# --- adding a passkey -----------------------------------------------------------------------


@bp.route("/account/second-factor/passkeys/options", methods=["POST"])
def passkey_options() -> Response | tuple[Response, int]:
    """Options for adding a passkey, with a fresh challenge kept for this nurse."""
    nurse, _ = account()
    if nurse is None:
        return jsonify(error="not signed in"), 401
    rp_id, _origin = relying_party()
    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_name=nurse.username,
        user_id=f"nurse-{nurse.id}".encode(), timeout=CHALLENGE_SECONDS * 1000,
        exclude_credentials=_descriptors(passkeys_of(nurse.id)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED))
    _remember(REGISTER, nurse.id, options.challenge)
    return _options(options)


def _registered(nurse: Nurse, form: PasskeyForm) -> SecondFactor | None:
    """The new passkey from the browser's answer to this nurse's challenge, else None."""
    challenge = _take(REGISTER, nurse.id)
    if challenge is None or not form.validate_on_submit():
        return None
    rp_id, origin = relying_party()
    try:
        answer = json.loads(form.credential.data or "")
        verified = verify_registration_response(
            credential=answer, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin)
        transports = [str(t) for t in answer["response"].get("transports") or []][:10]
    except (WebAuthnException, ValueError, KeyError, TypeError, AttributeError) as error:
        log.info("nurse %s: a passkey was refused (%s)", nurse.id, type(error).__name__)
        return None
    credential_id = bytes_to_base64url(verified.credential_id)
    if any(stored(f)["id"] == credential_id for f in passkeys_of(nurse.id)):
        return None
    secret = {"name": form.name.data, "id": credential_id,
              "public_key": bytes_to_base64url(verified.credential_public_key),
              "transports": transports}
    factor = SecondFactor(nurse_id=nurse.id, kind=PASSKEY, secret=json.dumps(secret))
    db.session.add(factor)
    db.session.flush()
    if verified.sign_count > 0:
        db.session.add(SecondFactorUse(factor_id=factor.id, step=verified.sign_count))
    return factor


@bp.route("/account/second-factor/passkeys", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def passkey_add() -> Response | tuple[str, int]:
    """Store a new passkey the browser made; the recovery codes once, if it is the first."""
    nurse, step = account()
    if nurse is None:
        return redirect(url_for("nurse.login"))
    form = PasskeyForm()
    factor = _registered(nurse, form)
    if factor is None:
        db.session.rollback()
        audit(nurse, "passkey_failed")
        db.session.commit()
        form.form_errors.append(NOT_ADDED)
        return account_page(nurse, passkey_form=form, status=400)
    codes = first_codes(nurse.id)
    audit(nurse, "passkey_enrol")
    log.info("nurse %s added a passkey", nurse.id)
    return set_up(nurse, step, codes, f"The passkey “{form.name.data}” is added.")


@bp.route("/account/second-factor/passkeys/remove", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def passkey_remove() -> Response:
    """Remove one passkey, after a current code or the password."""
    form = RemovePasskeyForm()
    nurse = confirmed_or_elsewhere(form)
    if isinstance(nurse, Response):
        return nurse
    chosen = [f for f in passkeys_of(nurse.id) if str(f.id) == form.passkey.data]
    if not chosen:
        flash("Nothing was changed: that passkey is not one of yours.")
        return redirect(url_for("nurse.second_factor"))
    return removed(nurse, chosen, "passkey_remove")


# --- signing in with a passkey ----------------------------------------------------------


def _pending_with_passkeys() -> tuple[Pending | None, list[SecondFactor]]:
    """The nurse at the code step and their passkeys (none when nobody is at the step)."""
    step = pending()
    if step is None or step.enrol:
        return None, []
    return step, passkeys_of(step.nurse.id)


@bp.route("/login/passkey/options", methods=["POST"])
def passkey_sign_in_options() -> Response | tuple[Response, int]:
    """Options for signing in with one of the pending nurse's passkeys, with a new challenge."""
    step, passkeys = _pending_with_passkeys()
    if step is None or not passkeys:
        return jsonify(error="no sign-in in progress"), 401
    rp_id, _origin = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id, timeout=CHALLENGE_SECONDS * 1000, allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED)
    _remember(SIGN_IN, step.nurse.id, options.challenge)
    return _options(options)


def check_assertion(nurse: Nurse, credential: str, challenge: bytes | None) -> bool:
    """Whether this answer signs the challenge with one of the nurse's passkeys.

    Its use is stored (the caller commits; the unique step refuses the same count twice).
    """
    if challenge is None:
        log.info("nurse %s: a passkey answered no current challenge", nurse.id)
        return False
    rp_id, origin = relying_party()
    try:
        answer = json.loads(credential)
        passkey = next(f for f in passkeys_of(nurse.id) if stored(f)["id"] == answer["rawId"])
        newest = db.session.scalar(select(func.max(SecondFactorUse.step))
                                   .where(SecondFactorUse.factor_id == passkey.id))
        verified = verify_authentication_response(
            credential=answer, expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin, credential_current_sign_count=newest or 0,
            credential_public_key=base64url_to_bytes(stored(passkey)["public_key"]))
    except (StopIteration, WebAuthnException, ValueError, KeyError, TypeError,
            AttributeError) as error:
        log.info("nurse %s: a passkey was refused (%s)", nurse.id, type(error).__name__)
        return False
    step = verified.new_sign_count or None  # an authenticator that keeps no count says 0
    db.session.add(SecondFactorUse(factor_id=passkey.id, step=step))
    return True


@bp.route("/login/passkey", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def passkey_sign_in() -> Response | tuple[str, int]:
    """Finish signing in with a passkey; else back to the code step, which offers it again."""
    step, passkeys = _pending_with_passkeys()
    if step is None:
        return redirect(url_for("nurse.login"))
    challenge = _take(SIGN_IN, step.nurse.id)
    form = PasskeySignInForm()
    if not account_allowed(step.nurse.id):
        return step_page(step, status=429, error=TOO_MANY_CODES)
    if passkeys and form.validate_on_submit() and check_assertion(
            step.nurse, form.credential.data or "", challenge):
        audit(step.nurse, "passkey_used")
        if commit_use():
            return finish(step)
    db.session.rollback()
    audit(step.nurse, "passkey_failed")
    db.session.commit()
    return step_page(step, status=401, error=PASSKEY_FAILED)
