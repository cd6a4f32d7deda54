"""A second factor for local accounts: TOTP, one-time recovery codes, and the sign-in step.

After the right password a nurse with a second factor is not signed in: the session only
remembers, for a few minutes, who gave the password (PENDING). No nurse page opens in that
state; the code step (`second_factor_step`) signs the nurse in. With REQUIRE_SECOND_FACTOR on,
a nurse without one is sent to set it up instead, and is signed in once it is confirmed.

A TOTP code is taken for the current time step and one step either side, and never twice: each
step used is stored, and a step at or before the newest one used is refused. Recovery codes
are kept as sha256 hashes; each works once. Secrets, codes and recovery codes never reach a log
or the audit log, only what happened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import pyotp
import redis
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from limits import parse
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from checker import audit as audit_log
from checker.extensions import AnySession, db, limiter
from checker.nurse import bp
from checker.nurse.auth import LOGIN_LIMIT, SIGN_IN_SCOPE, SignInRefused, start_session
from checker.nurse.forms import LoginForm
from checker.nurse.models import (
    Nurse,
    RecoveryCode,
    SecondFactor,
    SecondFactorEnd,
    SecondFactorUse,
)
from checker.nurse.sessions import end_every_session
from checker.validators import OneValue

log = logging.getLogger(__name__)

TOTP = "totp"
RECOVERY = "recovery"
PASSKEY = "passkey"  # checker/nurse/passkeys.py
# Factors a nurse signs in with; recovery codes only stand in for one.
SIGN_IN_KINDS = (TOTP, PASSKEY)
ISSUER = "Recovery Check"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_LENGTH = 10  # about 49 bits each
# Who gave the right password and must now give a code (or set a factor up), and until when.
PENDING = "second_factor_pending"
PENDING_SECONDS = 5 * 60
# Set on a session signed in through this step, so REQUIRE_SECOND_FACTOR can tell it apart.
PASSED = "second_factor_passed"
CODE_LIMIT = "10 per minute"  # per account, besides the sign-in page's limit per address
CODE_SCOPE = "nurse-second-factor"
WRONG_CODE = "That code is wrong or was already used. Please try the next one."
TOO_MANY_CODES = "Too many codes for this account. Please wait a minute."
CODE_NEEDED = ("This account signs in with a second factor: enter the code your authenticator "
               "app shows now, or a recovery code, with your password.")
# Pages a nurse may open while REQUIRE_SECOND_FACTOR sends them to set a factor up.
SETUP_ENDPOINTS = frozenset({
    "nurse.login", "nurse.logout", "nurse.second_factor_step", "nurse.second_factor",
    "nurse.second_factor_enrol", "nurse.passkey_options", "nurse.passkey_add",
    "nurse.passkey_sign_in_options", "nurse.passkey_sign_in", "static",
})


def now() -> float:
    """The clock the codes are checked against (tests replace it)."""
    return time.time()


# --- the secret at rest -------------------------------------------------------------------


@lru_cache(maxsize=4)
def _cipher(secret_key: str) -> AESGCM:
    """AES-GCM under a key derived from SECRET_KEY for this one use."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"recovery-check: second factor secrets").derive(secret_key.encode())
    return AESGCM(key)


def seal_secret(secret: str, nurse_id: int) -> str:
    """A TOTP secret encrypted for one nurse, as text for the database or a hidden field."""
    nonce = secrets.token_bytes(12)
    sealed = _cipher(str(current_app.secret_key)).encrypt(
        nonce, secret.encode("ascii"), f"totp:{nurse_id}".encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_secret(sealed: str, nurse_id: int) -> str | None:
    """The TOTP secret, or None when it was not sealed for this nurse under this SECRET_KEY."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        plain = _cipher(str(current_app.secret_key)).decrypt(
            raw[:12], raw[12:], f"totp:{nurse_id}".encode())
        return plain.decode("ascii")
    except (InvalidTag, ValueError, UnicodeError):
        return None


# --- codes -------------------------------------------------------------------------------


def matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step (current, or one either side) whose code this is, else None."""
    totp = pyotp.TOTP(secret)
    typed = "".join(code.split())
    if not typed.isdigit() or len(typed) != totp.digits:
        return None
    step = totp.timecode(int(at))
    for offset in (0, -1, 1):
        expected = totp.generate_otp(step + offset)
        if hmac.compare_digest(expected, typed):
            return step + offset
    return None


def _recovery_hash(code: str) -> str:
    """The stored form of a recovery code, as typed with or without dashes and capitals."""
    plain = "".join(c for c in code.lower() if c.isalnum())
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def new_recovery_codes() -> list[str]:
    """Ten random codes, written as two groups of five."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


# --- the factors of a nurse ----------------------------------------------------------------


def active_factors(session_: AnySession, nurse_id: int) -> list[SecondFactor]:
    """The nurse's factors that no end row names, oldest first."""
    ended = exists().where(SecondFactorEnd.factor_id == SecondFactor.id)
    query = (select(SecondFactor).where(SecondFactor.nurse_id == nurse_id, ~ended)
             .order_by(SecondFactor.id))
    return list(session_.scalars(query))


def has_second_factor(session_: AnySession, nurse_id: int) -> bool:
    """Whether the nurse signs in with a second factor."""
    return any(f.kind in SIGN_IN_KINDS for f in active_factors(session_, nurse_id))


def _end(session_: AnySession, factors: list[SecondFactor], reason: str) -> None:
    """End these factors (the caller commits)."""
    for factor in factors:
        session_.add(SecondFactorEnd(factor_id=factor.id, reason=reason))


def issue_recovery_codes(session_: AnySession, nurse_id: int) -> list[str]:
    """End the nurse's recovery codes and add a new set; the plain codes, shown once."""
    _end(session_, [f for f in active_factors(session_, nurse_id) if f.kind == RECOVERY],
         "replaced")
    factor = SecondFactor(nurse_id=nurse_id, kind=RECOVERY, secret="")
    session_.add(factor)
    session_.flush()
    codes = new_recovery_codes()
    session_.add_all(RecoveryCode(factor_id=factor.id, code_hash=_recovery_hash(code))
                     for code in codes)
    return codes


def end_all(session_: AnySession, nurse_id: int, reason: str) -> int:
    """End every factor of the nurse, recovery codes included; how many there were."""
    factors = active_factors(session_, nurse_id)
    _end(session_, factors, reason)
    return len(factors)


def audit(nurse: Any, action: str) -> None:
    """Add an event about the nurse's second factor (the caller commits)."""
    audit_log.append(db.session, nurse_id=nurse.id, nurse_name=nurse.username, action=action)


def _use_totp(nurse: Nurse, factor: SecondFactor, code: str) -> bool:
    """Accept a TOTP code once: its step is stored, and no step at or before the newest."""
    secret = open_secret(factor.secret, nurse.id)
    step = matching_step(secret, code, now()) if secret else None
    if step is None:
        return False
    newest = db.session.scalar(select(func.max(SecondFactorUse.step))
                               .where(SecondFactorUse.factor_id == factor.id))
    if newest is not None and step <= newest:
        return False
    db.session.add(SecondFactorUse(factor_id=factor.id, step=step))
    return True


def _use_recovery(nurse: Nurse, factor: SecondFactor, code: str) -> bool:
    """Accept a recovery code of the nurse's current set once."""
    found = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.factor_id == factor.id, RecoveryCode.code_hash == _recovery_hash(code)))
    used = found is not None and db.session.scalar(
        select(SecondFactorUse.id).where(SecondFactorUse.code_id == found.id)) is not None
    if found is None or used:
        return False
    db.session.add(SecondFactorUse(factor_id=factor.id, code_id=found.id))
    audit(nurse, "recovery_code_used")
    return True


def check_code(nurse: Nurse, code: str) -> bool:
    """Whether the code is a current TOTP code or an unused recovery code of this nurse.

    A use is stored (the caller commits, and a race on the same code fails that commit). A
    wrong code is audited and committed here.
    """
    code = code.strip()
    for factor in active_factors(db.session, nurse.id):
        use = _use_totp if factor.kind == TOTP else _use_recovery
        if factor.kind in (TOTP, RECOVERY) and use(nurse, factor, code):
            return True
    db.session.rollback()
    audit(nurse, "second_factor_failed")
    db.session.commit()
    log.info("nurse %s: a second factor code was refused", nurse.id)
    return False


def commit_use() -> bool:
    """Commit a code's use; False when the same code was used at the same moment elsewhere."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


# --- forms -------------------------------------------------------------------------------


class CodeForm(FlaskForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[OneValue(), DataRequired(), Length(max=40)])


class EnrolForm(FlaskForm):
    """The code that confirms a new TOTP secret, carried sealed in the page."""

    sealed = HiddenField(validators=[OneValue(), DataRequired(), Length(max=200)])
    code = StringField("Code from the app",
                       validators=[OneValue(), DataRequired(), Length(max=20)])


class SignInAgainForm(LoginForm):
    """The console's own sign-in block: the password, and a code if the account has a factor."""

    code = StringField("Code from your authenticator app, or a recovery code (only if your "
                       "account has a second factor)", validators=[OneValue(), Length(max=40)])


class ConfirmForm(FlaskForm):
    """A current code or the password again, to remove the factor or replace the codes."""

    code = StringField("Code from the app or a recovery code",
                       validators=[OneValue(), Length(max=40)])
    password = PasswordField("Or your password", validators=[OneValue(), Length(max=200)])


# --- the half-signed-in state -------------------------------------------------------------


@dataclass
class Pending:
    """A nurse who gave the right password and has a step left."""

    nurse: Nurse
    enrol: bool
    next: str


def begin(nurse: Nurse, enrol: bool, next_page: str) -> None:
    """Remember, in a fresh session, that this nurse gave the right password."""
    session.clear()
    session[PENDING] = {"id": nurse.id, "version": nurse.session_version,
                        "until": time.time() + PENDING_SECONDS, "enrol": enrol,
                        "next": next_page}


def pending() -> Pending | None:
    """The nurse half signed in on this session, while that is still current."""
    kept = session.get(PENDING)
    if not isinstance(kept, dict) or float(kept.get("until", 0)) < time.time():
        return None
    nurse = db.session.get(Nurse, int(kept["id"]))
    if nurse is None or not nurse.is_active or nurse.session_version != kept["version"]:
        return None
    return Pending(nurse, bool(kept.get("enrol")), str(kept.get("next") or ""))


def passed() -> None:
    """Mark the session just signed in as having passed a second factor."""
    session[PASSED] = True


def finish(step: Pending) -> Response:
    """Sign the pending nurse in for real, and go where they were going."""
    start_session(step.nurse)
    passed()
    return redirect(step.next or url_for("nurse.home"))


def account_allowed(nurse_id: int) -> bool:
    """Count a try against the account's own limit, as well as the address's."""
    if not limiter.enabled:  # RATELIMIT_ENABLED off: no limit is kept, this one neither
        return True
    try:
        return limiter.limiter.hit(parse(CODE_LIMIT), CODE_SCOPE, str(nurse_id))
    except redis.RedisError:
        log.error("the shared second factor limit is unavailable: counting by address only")
        return True


def check_code_again(nurse: Nurse, code: str) -> None:
    """The console's sign-in block: a code or a recovery code, or SignInRefused says why not."""
    if not code.strip():
        raise SignInRefused(CODE_NEEDED, 401)
    if not account_allowed(nurse.id):
        raise SignInRefused(TOO_MANY_CODES, 429)
    if not (check_code(nurse, code) and commit_use()):
        raise SignInRefused(WRONG_CODE, 401)


def step_page(step: Pending, form: CodeForm | None = None, status: int = 200,
              error: str = "") -> tuple[str, int]:
    """The code step's page: the nurse's passkey first when there is one, then a code."""
    kinds = {f.kind for f in active_factors(db.session, step.nurse.id)}
    form = form or CodeForm(formdata=None)
    if error:
        form.form_errors.append(error)
    return render_template("nurse/second_factor_step.html", form=form,
                           passkey=PASSKEY in kinds, totp=TOTP in kinds), status


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def second_factor_step() -> Response | tuple[str, int]:
    """The second step of signing in: a passkey, a TOTP code or a recovery code."""
    step = pending()
    if step is None:
        session.pop(PENDING, None)
        return redirect(url_for("nurse.login"))
    if step.enrol:
        return redirect(url_for("nurse.second_factor"))
    form = CodeForm()
    if not form.validate_on_submit():
        return step_page(step, form)
    if not account_allowed(step.nurse.id):
        return step_page(step, form, 429, TOO_MANY_CODES)
    if check_code(step.nurse, form.code.data or "") and commit_use():
        return finish(step)
    return step_page(step, form, 401, WRONG_CODE)


# --- the account page: set up, remove, new recovery codes ---------------------------------


def account() -> tuple[Nurse | None, Pending | None]:
    """The nurse whose page this is: the signed-in one, or one sent here to set a factor up."""
    if current_user.is_authenticated:
        return db.session.get(Nurse, current_user.id), None
    step = pending()
    if step is not None and step.enrol:
        return step.nurse, step
    return None, None


def qr_svg(uri: str) -> str:
    """The otpauth address as an inline SVG QR code, made here so no outside service sees it."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=4, xmldecl=False, svgns=True,
                                    title="QR code of the second factor's secret")
    return buffer.getvalue().decode("utf-8")


def _totp_setup(nurse: Nurse, form: EnrolForm) -> dict[str, str]:
    """A new TOTP secret for the page, as a QR code and as text (kept sealed in the form)."""
    secret = open_secret(form.sealed.data or "", nurse.id) if form.sealed.data else None
    if secret is None:
        secret = pyotp.random_base32()
        form.sealed.data = seal_secret(secret, nurse.id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=nurse.username, issuer_name=ISSUER)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return {"qr": qr_svg(uri), "secret": grouped}


class ShownPasskey(NamedTuple):
    """A passkey as the account page lists it."""

    id: int
    name: str
    added: datetime


def account_page(nurse: Nurse, form: EnrolForm | None = None, status: int = 200,
                 passkey_form: FlaskForm | None = None) -> tuple[str, int]:
    """The nurse's second factors: passkeys, the authenticator app, and the recovery codes."""
    factors = active_factors(db.session, nurse.id)
    totp = any(f.kind == TOTP for f in factors)
    form = form or EnrolForm()
    setup = {} if totp else _totp_setup(nurse, form)
    passkeys = [ShownPasskey(f.id, json.loads(f.secret).get("name", ""), f.created_at)
                for f in factors if f.kind == PASSKEY]
    return render_template(
        "nurse/second_factor.html", nurse=nurse, form=form, totp=totp, **setup,
        passkeys=passkeys, passkey_form=passkey_form,
        enrolled=any(f.kind in SIGN_IN_KINDS for f in factors), left=_codes_left(nurse.id),
        confirm=ConfirmForm()), status


@bp.route("/account/second-factor")
def second_factor() -> Response | tuple[str, int]:
    """The nurse's second factors: set one up, remove one, replace the recovery codes."""
    nurse, _ = account()
    if nurse is None:
        return redirect(url_for("nurse.login", next=request.path))
    return account_page(nurse)


def _codes_left(nurse_id: int) -> int:
    """How many recovery codes of the current set are still unused."""
    sets = [f.id for f in active_factors(db.session, nurse_id) if f.kind == RECOVERY]
    used = exists().where(SecondFactorUse.code_id == RecoveryCode.id)
    return db.session.scalar(select(func.count(RecoveryCode.id))
                             .where(RecoveryCode.factor_id.in_(sets), ~used)) or 0


def codes_page(codes: list[str], step: Pending | None) -> Response:
    """The recovery codes, shown this once and never stored by the browser."""
    page = render_template("nurse/second_factor_codes.html", codes=codes,
                           next=(step.next or url_for("nurse.home")) if step else None)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def first_codes(nurse_id: int) -> list[str]:
    """Recovery codes for a nurse setting up a first factor; none when a set is current."""
    if any(f.kind == RECOVERY for f in active_factors(db.session, nurse_id)):
        return []
    return issue_recovery_codes(db.session, nurse_id)


def set_up(nurse: Nurse, step: Pending | None, codes: list[str], done: str) -> Response:
    """After a new factor: end the nurse's other sessions, keep this one signed in.

    The caller added the factor; it is committed here with the new session version. The
    recovery codes are shown when this factor brought them, else the account page.
    """
    end_every_session(nurse.id)
    db.session.commit()
    db.session.refresh(nurse)
    if step is not None:
        finish(step)
    else:
        start_session(nurse)
        passed()
    flash(done)
    if codes:
        return codes_page(codes, step)
    if step is not None:
        return redirect(step.next or url_for("nurse.home"))
    return redirect(url_for("nurse.second_factor"))


@bp.route("/account/second-factor/enrol", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def second_factor_enrol() -> Response | tuple[str, int]:
    """Confirm a new TOTP secret with a current code; show the recovery codes once."""
    nurse, step = account()
    if nurse is None:
        return redirect(url_for("nurse.login"))
    if any(f.kind == TOTP for f in active_factors(db.session, nurse.id)):
        return redirect(url_for("nurse.second_factor"))
    form = EnrolForm()
    secret = open_secret(form.sealed.data or "", nurse.id) if form.validate_on_submit() else None
    at = matching_step(secret, form.code.data or "", now()) if secret else None
    if at is None:
        form.form_errors.append("That code does not match. Check the app's clock and try the "
                                "code it shows now.")
        audit(nurse, "second_factor_failed")
        db.session.commit()
        return account_page(nurse, form, 400)
    factor = SecondFactor(nurse_id=nurse.id, kind=TOTP, secret=seal_secret(secret or "", nurse.id))
    db.session.add(factor)
    db.session.flush()
    db.session.add(SecondFactorUse(factor_id=factor.id, step=at))
    codes = first_codes(nurse.id)
    audit(nurse, "second_factor_enrol")
    log.info("nurse %s set up a second factor", nurse.id)
    return set_up(nurse, step, codes, "Your authenticator app is set up.")


def _confirmed(nurse: Nurse, form: ConfirmForm) -> bool:
    """A current code (stored as used) or the right password."""
    if form.password.data:
        if nurse.check_password(form.password.data):
            return True
        audit(nurse, "second_factor_failed")
        db.session.commit()
        return False
    return bool(form.code.data) and check_code(nurse, form.code.data or "")


def _signed_in_nurse() -> Nurse | None:
    """The signed-in nurse (these changes are for a nurse already signed in)."""
    return db.session.get(Nurse, current_user.id) if current_user.is_authenticated else None


def _confirmed_nurse(form: ConfirmForm) -> Nurse | None:
    """The signed-in nurse with a factor, once they gave a current code or their password."""
    nurse = _signed_in_nurse()
    if nurse is None or not has_second_factor(db.session, nurse.id) or not (
            form.validate_on_submit() and _confirmed(nurse, form)):
        flash("Nothing was changed: give a current code or your password.")
        return None
    return nurse


def confirmed_or_elsewhere(form: ConfirmForm | None = None) -> Nurse | Response:
    """The signed-in nurse who confirmed with a code or the password; else where to go."""
    if not current_user.is_authenticated:  # signed out: to sign-in, never further
        return redirect(url_for("nurse.login", next=url_for("nurse.second_factor")))
    nurse = _confirmed_nurse(form or ConfirmForm())
    return nurse if nurse is not None else redirect(url_for("nurse.second_factor"))


def removed(nurse: Nurse, factors: list[SecondFactor], action: str) -> Response:
    """End these factors, and the recovery codes with the last one; where to go next."""
    _end(db.session, factors, "removed")
    ended = {f.id for f in factors}
    left = [f for f in active_factors(db.session, nurse.id) if f.id not in ended]
    if not any(f.kind in SIGN_IN_KINDS for f in left):
        _end(db.session, left, "removed")
    audit(nurse, action)
    db.session.commit()
    log.info("nurse %s removed a second factor", nurse.id)
    if has_second_factor(db.session, nurse.id):
        flash("It is removed. Your other second factors still work.")
        return redirect(url_for("nurse.second_factor"))
    session.pop(PASSED, None)
    if current_app.config.get("REQUIRE_SECOND_FACTOR"):
        logout_user()
        session.clear()
        flash("Your second factor is removed. Sign in again to set up a new one.")
        return redirect(url_for("nurse.login"))
    flash("Your second factor is removed: you sign in with your password alone.")
    return redirect(url_for("nurse.second_factor"))


@bp.route("/account/second-factor/remove", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def second_factor_remove() -> Response:
    """Remove the authenticator app (with the recovery codes when nothing else is left)."""
    nurse = confirmed_or_elsewhere()
    if isinstance(nurse, Response):
        return nurse
    totp = [f for f in active_factors(db.session, nurse.id) if f.kind == TOTP]
    if not totp:
        return redirect(url_for("nurse.second_factor"))
    return removed(nurse, totp, "second_factor_remove")


@bp.route("/account/second-factor/recovery-codes", methods=["POST"])
@limiter.shared_limit(LOGIN_LIMIT, scope=SIGN_IN_SCOPE, methods=["POST"])
def second_factor_recovery_codes() -> Response:
    """Replace the recovery codes with ten new ones, after a code or the password."""
    nurse = confirmed_or_elsewhere()
    if isinstance(nurse, Response):
        return nurse
    codes = issue_recovery_codes(db.session, nurse.id)
    audit(nurse, "recovery_codes_new")
    if not commit_use():
        return redirect(url_for("nurse.second_factor"))
    return codes_page(codes, None)


# --- REQUIRE_SECOND_FACTOR for sessions signed in without one -----------------------------


@bp.before_app_request
def _require_second_factor() -> Response | None:
    """With the setting on, a session signed in without a second factor must sign in again."""
    if not current_app.config.get("REQUIRE_SECOND_FACTOR") or session.get(PASSED):
        return None
    if "_user_id" not in session or request.endpoint in SETUP_ENDPOINTS:
        return None
    if not (request.blueprint or "").startswith(("nurse", "followup")):
        return None
    logout_user()
    session.clear()
    flash("Signing in now needs a second factor. Please sign in again.")
    return redirect(url_for("nurse.login"))
