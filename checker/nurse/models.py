"""The nurse's records: accounts, encounters and addenda (the audit log is checker.audit)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Engine,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from checker.clock import utcnow
from checker.db_types import ImmutableRecord, UTCDateTime, append_only
from checker.extensions import Model

# scrypt is slow by design, so a stolen table of hashes is expensive to guess through.
PASSWORD_METHOD = "scrypt"


class Nurse(UserMixin, Model):
    """A nurse who may sign in; administrators may also read the audit log."""

    __tablename__ = "nurse"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised on sign-out and password change; a session signed with an older value is void.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    def set_password(self, password: str) -> None:
        """Store a slow, salted hash of the password."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        """Tell whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        """A disabled account cannot sign in."""
        return bool(self.active)


class SecondFactor(Model):
    """One second factor of a local account: a TOTP secret, a passkey, or a set of recovery
    codes.

    Account data, not a patient record. Rows are only ever added: a factor ends by a
    SecondFactorEnd row naming it, and each use is a SecondFactorUse row (a passkey's sign
    count is its `step`), so the app's role needs no UPDATE or DELETE here.
    """

    __tablename__ = "second_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "totp", "passkey" or "recovery"
    # A TOTP secret, encrypted under a key derived from SECRET_KEY; a passkey's name, credential
    # id, public key and transports (checker/nurse/passkeys.py); empty for recovery codes.
    secret: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SecondFactorEnd(Model):
    """A second factor removed by its nurse, replaced, or reset by an administrator."""

    __tablename__ = "second_factor_end"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_id: Mapped[int] = mapped_column(ForeignKey("second_factor.id"), unique=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(40))


class RecoveryCode(Model):
    """One recovery code of a set (a SecondFactor of kind "recovery"): only its sha256."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_id: Mapped[int] = mapped_column(ForeignKey("second_factor.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)


class SecondFactorUse(Model):
    """A TOTP time step or a recovery code used once; the unique keys refuse a second use."""

    __tablename__ = "second_factor_use"
    __table_args__ = (UniqueConstraint("factor_id", "step", name="uq_second_factor_use_step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_id: Mapped[int] = mapped_column(ForeignKey("second_factor.id"), index=True)
    step: Mapped[int | None] = mapped_column(BigInteger)  # TOTP's time step
    code_id: Mapped[int | None] = mapped_column(ForeignKey("recovery_code.id"), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Encounter(Model):
    """One telephone call: what was asked, what the engine said and what the nurse decided."""

    __tablename__ = "encounter"
    # Newest first, with the name at hand: a common name's search walks this index alone.
    __table_args__ = (Index("ix_encounter_started_name", "started_at", "patient_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # UNIQUE, so two submits of the same form cannot both insert, even in a race.
    submit_token: Mapped[str] = mapped_column(String(64), unique=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"), index=True)
    # The author's username when the call was saved: a later rename changes no old record.
    # The server default exists only because SQLite adds a NOT NULL column with one; the
    # app always fills the name (see _stamp_author).
    nurse_name: Mapped[str] = mapped_column(String(80), server_default="")
    # Indexed with the patient's name (migration 0006): see __table_args__.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    patient_name: Mapped[str] = mapped_column(String(200), index=True)
    date_of_birth: Mapped[date] = mapped_column(Date)
    record_number: Mapped[str] = mapped_column(String(64), default="", index=True)
    callback_number: Mapped[str] = mapped_column(String(40))
    caller: Mapped[str] = mapped_column(String(40))
    procedure_type: Mapped[str] = mapped_column(String(40))
    procedure_date: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    protocol_id: Mapped[str] = mapped_column(String(100))
    protocol_version: Mapped[str] = mapped_column(String(40))
    protocol_sha256: Mapped[str] = mapped_column(String(64))
    engine_disposition: Mapped[str] = mapped_column(String(40))
    final_disposition: Mapped[str] = mapped_column(String(40))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    advice_given: Mapped[list[str]] = mapped_column(JSON)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The call's plan (migration 0012): what the nurse did, whether the caller agreed, and the
    # call-back plan. NULL in a call saved before: "not recorded" (a NULL column also leaves an
    # older row's seal as it was). The words for each value are in checker/nurse/plan.py.
    action_taken: Mapped[str | None] = mapped_column(String(40))
    agreement: Mapped[str | None] = mapped_column(String(20))
    disagreement_reason: Mapped[str | None] = mapped_column(Text)
    call_back_signs_given: Mapped[bool | None] = mapped_column()
    nurse_call_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The note exactly as the nurse saw it, so what was pasted can always be shown again.
    note: Mapped[str] = mapped_column(Text)

    nurse: Mapped[Nurse] = relationship(lazy="joined")
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="encounter", order_by="Addendum.created_at"
    )


class Addendum(Model):
    """A later correction or addition to an encounter, with its own author and time."""

    __tablename__ = "addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), index=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    encounter: Mapped[Encounter] = relationship(back_populates="addenda")
    nurse: Mapped[Nurse] = relationship(lazy="joined")


class NurseIdentity(Model):
    """The account at the clinic's identity provider that signs in as a nurse (single sign-on).

    Keyed by the provider (its issuer) and the account's subject there, never by an e-mail
    address, which can be given to someone else. Made at the account's first sign-in and never
    changed; one per nurse.
    """

    __tablename__ = "nurse_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_nurse_identity_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInEvent(Model):
    """A sign-in through the identity provider, a refusal or a sign-out, with who it was.

    The provider (issuer) and the account's subject there, the nurse when there is one, and a
    short reason for a refusal; never a token, a code or a secret. Only ever added, and sealed
    in the keyed chain like every record (checker.audit).
    """

    __tablename__ = "sign_in_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(255))
    # Empty when the provider refused before naming the account.
    subject: Mapped[str] = mapped_column(String(255), default="")
    nurse_id: Mapped[int | None] = mapped_column(ForeignKey("nurse.id"), index=True)
    reason: Mapped[str] = mapped_column(String(80), default="")


append_only(NurseIdentity, SignInEvent)


def _refuse(mapper: Any, connection: Any, target: Any) -> None:
    """Stop any change to a saved record: corrections are addenda."""
    raise ImmutableRecord(
        f"{type(target).__name__} {target.id} is part of the record and cannot be changed; "
        "add an addendum instead"
    )


def _stamp_author(mapper: Any, connection: Connection, target: Any) -> None:
    """Keep the author's username as it is now, unless the writer already gave it."""
    if not target.nurse_name:
        target.nurse_name = connection.scalar(
            select(Nurse.username).where(Nurse.id == target.nurse_id))


for _model in (Encounter, Addendum):
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
    event.listen(_model, "before_insert", _stamp_author)


@event.listens_for(Engine, "connect")
def _enforce_foreign_keys(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite checks foreign keys only when asked, per connection: a nurse with calls stays."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
