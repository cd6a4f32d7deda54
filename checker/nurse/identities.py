"""Who a single sign-on token names: the role its claim gives, and the nurse it signs in as.

A nurse is keyed by the provider (issuer) and the account's subject there, never by an e-mail
address; the first sign-in makes the nurse, with no password. Every sign-in, refusal and
sign-out is a SignInEvent naming the issuer and subject, never a token.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import redis
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checker.extensions import db
from checker.nurse.models import Nurse, NurseIdentity, SignInEvent
from checker.nurse.sessions import known_versions

log = logging.getLogger(__name__)
# An account made by single sign-on has no password: no hash has this form, so none matches.
NO_PASSWORD = "!single-sign-on"
# Which nurse a provider's session id (sid) signed in, for a back-channel logout naming only it.
SID_PREFIX = "recovery-check:oidc-sid:"
SID_SECONDS = 24 * 3600


def claim_values(claims: Mapping[str, Any], name: str) -> set[str]:
    """A claim's text values (a list, or one text), by name or dotted path: realm_access.roles."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {item for item in value if isinstance(item, str)}
    return set()


def role_of(claims: Mapping[str, Any], config: Mapping[str, Any]) -> str | None:
    """"admin", "nurse", or None for an account with neither role (administrators first)."""
    values = claim_values(claims, str(config["OIDC_ROLE_CLAIM"]))
    if values & set(config.get("OIDC_ADMIN_ROLES") or ()):
        return "admin"
    if values & set(config.get("OIDC_NURSE_ROLES") or ()):
        return "nurse"
    return None


def display_name(claims: Mapping[str, Any]) -> str:
    """The name shown for a new nurse: name, preferred_username or e-mail, one short line."""
    for key in ("name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str):
            line = " ".join("".join(c for c in value if c.isprintable()).split())[:60]
            if line:
                return line
    return "Nurse"


def _free_username(name: str, issuer_: str, subject: str) -> str:
    """The name as a username, marked with a short digest of the identity if it is taken."""
    if db.session.scalar(select(Nurse.id).filter_by(username=name)) is None:
        return name
    digest = hashlib.sha256(f"{issuer_}\0{subject}".encode()).hexdigest()[:6]
    return f"{name} ({digest})"


def nurse_of(issuer_: str, subject: str) -> Nurse | None:
    """The nurse this identity signs in as, if it signed in before."""
    nurse_id = db.session.scalar(select(NurseIdentity.nurse_id)
                                 .filter_by(issuer=issuer_, subject=subject))
    return db.session.get(Nurse, nurse_id) if nurse_id is not None else None


def new_nurse(claims: Mapping[str, Any], issuer_: str, subject: str) -> Nurse:
    """Make the nurse for an identity at its first sign-in (or find the one made meanwhile)."""
    nurse = Nurse(username=_free_username(display_name(claims), issuer_, subject),
                  password_hash=NO_PASSWORD)
    try:
        db.session.add(nurse)
        db.session.flush()
        db.session.add(NurseIdentity(nurse_id=nurse.id, issuer=issuer_, subject=subject))
        db.session.flush()
    except IntegrityError:  # the same account's first sign-in in another window won
        db.session.rollback()
        made = nurse_of(issuer_, subject)
        if made is None:
            raise
        return made
    return nurse


def record(action: str, issuer_: str, subject: str = "", nurse_id: int | None = None,
           reason: str = "") -> None:
    """Add a sign-in event (the caller commits)."""
    db.session.add(SignInEvent(action=action, issuer=issuer_, subject=subject,
                               nurse_id=nurse_id, reason=reason[:80]))


def remember_sid(issuer_: str, sid: str, nurse_id: int) -> None:
    """Note which nurse the provider's session id signed in, on every instance."""
    store = known_versions().client
    key = SID_PREFIX + hashlib.sha256(f"{issuer_}\0{sid}".encode()).hexdigest()
    if store is None:
        current_app.extensions.setdefault(SID_PREFIX, {})[key] = nurse_id
        return
    try:
        store.set(key, nurse_id, ex=SID_SECONDS)
    except redis.RedisError as error:
        log.warning("the session store is unavailable: %s", type(error).__name__)


def nurse_of_sid(issuer_: str, sid: str) -> int | None:
    """The nurse a provider's session id signed in, if known."""
    store = known_versions().client
    key = SID_PREFIX + hashlib.sha256(f"{issuer_}\0{sid}".encode()).hexdigest()
    if store is None:
        found: int | None = current_app.extensions.get(SID_PREFIX, {}).get(key)
        return found
    stored = store.get(key)
    return int(stored) if stored is not None else None
