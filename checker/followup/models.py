"""Follow-up records: enrolments, their end, daily check-ins, reviews, hand-offs and reminders."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from checker.extensions import db
from checker.nurse.models import ImmutableRecord, UTCDateTime, utcnow

# Bytes of randomness in a patient's link: far beyond guessing, short enough to type from paper.
TOKEN_BYTES = 18


def new_token() -> str:
    """A fresh random link token; only its hash is ever stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The sha256 of a link token, as kept in the database."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Enrolment(db.Model):
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


class EnrolmentEnd(db.Model):
    """The nurse ended a follow-up early; the enrolment row itself never changes."""

    __tablename__ = "followup_end"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), unique=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)


class CheckIn(db.Model):
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


class Review(db.Model):
    """A nurse read a check-in and wrote what was done about it."""

    __tablename__ = "followup_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("followup_checkin.id"), index=True)
    nurse_id: Mapped[int] = mapped_column(ForeignKey("nurse.id"))
    nurse_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text)


class CallLink(db.Model):
    """A saved call that began from a check-in (the encounter table is left as it is)."""

    __tablename__ = "followup_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("followup_checkin.id"), index=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Reminder(db.Model):
    """A reminder claimed for one patient and day: the unique pair makes it at most one."""

    __tablename__ = "followup_reminder"
    __table_args__ = (UniqueConstraint("enrolment_id", "day", name="uq_followup_reminder_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("followup_enrolment.id"))
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Purge(db.Model):
    """The retention job's record of one enrolment it removed: the only way rows may go."""

    __tablename__ = "followup_purge"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: this row outlives the enrolment it names.
    enrolment_id: Mapped[int] = mapped_column(unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retention_days: Mapped[int] = mapped_column()


# Rows the database keeps unchanged; deleting them needs a purge row naming their enrolment.
APPEND_ONLY = (Enrolment, EnrolmentEnd, CheckIn, Review, CallLink, Purge)


def _refuse(mapper: Any, connection: Any, target: Any) -> None:
    """Stop any change through the ORM: follow-up records are append-only."""
    raise ImmutableRecord(
        f"{type(target).__name__} {target.id} is part of the record and cannot be changed"
    )


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
