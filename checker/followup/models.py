"""Follow-up records: enrolments, codes, ends, daily check-ins, reviews, hand-offs, reminders."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from checker.clock import utcnow
from checker.db_types import UTCDateTime, append_only
from checker.extensions import Model, db

# Bytes of randomness in the links printed before codes (/followup/<token>), still honoured.
TOKEN_BYTES = 18
# A patient's code: Crockford's base32 (no I, L, O or U), ten characters, 50 random bits.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
# Read as Crockford reads them: I and L are one, O is zero; spaces and dashes are ignored.
LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")


def new_token() -> str:
    """A link token of the kind printed before codes (tests and old sheets only)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The sha256 of an old link's token or of a normal_code, as kept in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code() -> str:
    """A fresh random code for a patient's sheet; only its hash is ever stored."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str) -> str | None:
    """A typed code in capitals without separators, or None when it cannot be a code."""
    code = SEPARATORS.sub("", typed).upper().translate(LOOK_ALIKES)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def shown_code(code: str) -> str:
    """A code grouped for reading aloud and typing: K7QM-2XRD-9F."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def link_hash(text: str) -> str:
    """The stored hash a typed code or an old link's token is looked up by."""
    return token_hash(normal_code(text) or text)


class Enrolment(Model):
    """A patient followed after discharge, as the nurse enrolled them with their consent."""

    __tablename__ = "followup_enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"), index=True)
    nurse_name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    patient_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    record_number: Mapped[str] = mapped_column(String(64), index=True)
    procedure_type: Mapped[str] = mapped_column(String(40))
    procedure_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(8))
    follow_days: Mapped[int] = mapped_column()
    # Who gave consent and how, in the nurse's words, at the time of enrolment.
    consent_note: Mapped[str] = mapped_column(Text)


class EnrolmentEnd(Model):
    """The nurse ended a follow-up early; the enrolment row itself never changes."""

    __tablename__ = "followup_end"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), unique=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class CheckIn(Model):
    """One daily check-in: the answers, what the protocol said and which protocol said it."""

    __tablename__ = "followup_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    day_count: Mapped[int] = mapped_column()
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    disposition: Mapped[str] = mapped_column(String(40))
    pain_score: Mapped[int | None] = mapped_column()
    protocol_id: Mapped[str] = mapped_column(String(100))
    protocol_version: Mapped[str] = mapped_column(String(40))
    protocol_sha256: Mapped[str] = mapped_column(String(64))
    # The submission's key: the form's id with what was shown (checkin.py); NULL before 0008.
    submission_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("uq_followup_checkin_submission", "enrolment_id", "submission_id",
                            unique=True),
                      Index("ix_followup_checkin_enrolment_time", "enrolment_id", "submitted_at"))


class Waiting(Model):
    """A check-in nobody has reviewed yet, for the worklist; written by the database alone.

    Triggers (migration 0011) add a check-in's row as it is stored and take it away when its
    first review is stored or the check-in is purged. The app's role may only read it.
    """

    __tablename__ = "followup_waiting"

    checkin_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    enrolment_id: Mapped[int] = mapped_column(index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disposition: Mapped[str] = mapped_column(String(40))
    # The follow-up's last day, copied from its enrolment, so the list needs no other table.
    ends_on: Mapped[date] = mapped_column(Date)


class LinkCode(Model):
    """A new code a nurse issued for a running follow-up: it voids every code before it."""

    __tablename__ = "followup_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Removed with its enrolment by the retention job (the database cascades the delete).
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("followup_enrolment.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def enrolment_of(hashed: str) -> Enrolment | None:
    """The enrolment a code opens: its newest issued code, or its first while none replaced it."""
    issued = db.session.scalar(select(LinkCode).filter_by(code_hash=hashed))
    if issued is not None:
        newest = db.session.scalar(select(func.max(LinkCode.id))
                                   .filter_by(enrolment_id=issued.enrolment_id))
        return db.session.get(Enrolment, issued.enrolment_id) if newest == issued.id else None
    enrolment = db.session.scalar(select(Enrolment).filter_by(token_hash=hashed))
    if enrolment is None:
        return None
    replaced = db.session.scalar(select(LinkCode.id).filter_by(enrolment_id=enrolment.id)
                                 .limit(1))
    return enrolment if replaced is None else None


class Review(Model):
    """A nurse read a check-in and wrote what was done about it."""

    __tablename__ = "followup_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("followup_checkin.id"), index=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text)


class CallLink(Model):
    """A saved call that began from a check-in (the encounter table is left as it is)."""

    __tablename__ = "followup_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("followup_checkin.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(Model):
    """A reminder claimed for one patient and day: the unique pair makes it at most one."""

    __tablename__ = "followup_reminder"
    __table_args__ = (UniqueConstraint("enrolment_id", "day", name="uq_followup_reminder_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"))
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Purge(Model):
    """The retention job's record of one enrolment it removed: the only way rows may go."""

    __tablename__ = "followup_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: this row outlives the enrolment it names.
    enrolment_id: Mapped[int] = mapped_column(unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retention_days: Mapped[int] = mapped_column()


# Rows the database keeps unchanged; deleting them needs a purge row naming their enrolment.
APPEND_ONLY = (Enrolment, EnrolmentEnd, CheckIn, Review, CallLink, Purge, LinkCode)


append_only(*APPEND_ONLY)
