"""Follow-up records are append-only in the database; only the logged retention job removes them."""

import logging
from collections.abc import Callable
from datetime import timedelta

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checker.clock import utcnow
from checker.db_types import ImmutableRecord
from checker.extensions import db
from checker.followup.models import (
    CheckIn,
    Enrolment,
    EnrolmentEnd,
    Purge,
    Reminder,
    Review,
    token_hash,
)
from checker.followup.retention import purge_ended
from tests.followup.conftest import enrol

TABLES = ("followup_enrolment", "followup_checkin", "followup_review", "followup_purge")
CHANGES: dict[str, Callable[[Session], object]] = {
    "bulk update of enrolments": lambda s: s.execute(update(Enrolment).values(phone="forged")),
    "raw SQL delete of an enrolment's check-ins": lambda s: s.execute(
        text("DELETE FROM followup_checkin")),
    "Core update of check-ins": lambda s: s.execute(update(CheckIn).values(disposition="x")),
    "Core delete of reviews": lambda s: s.execute(delete(Review)),
    "raw SQL update of reviews": lambda s: s.execute(text("UPDATE followup_review SET note='x'")),
    "raw SQL delete of enrolments": lambda s: s.execute(text("DELETE FROM followup_enrolment")),
}


def _snapshot(app: Flask) -> list[tuple[object, ...]]:
    """Every row of the follow-up record tables."""
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(row) for table in TABLES
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_database_refuses_every_change_to_a_follow_up_record(
    app: Flask, client: FlaskClient, change: str
) -> None:
    enrol(app)
    before = _snapshot(app)
    with app.app_context():
        with pytest.raises(IntegrityError, match="part of the record"):
            CHANGES[change](db.session)
            db.session.commit()
        db.session.rollback()
    assert _snapshot(app) == before


def test_the_orm_refuses_to_change_a_check_in(app: Flask, client: FlaskClient) -> None:
    enrol(app)
    with app.app_context():
        checkin = db.session.scalars(select(CheckIn)).one()
        checkin.disposition = "self_care_changed"
        with pytest.raises(ImmutableRecord):
            db.session.commit()
        db.session.rollback()


def test_a_purge_record_cannot_be_changed_or_removed(app: Flask, client: FlaskClient) -> None:
    long_ago = utcnow() - timedelta(days=200)
    enrolment_id, _ = enrol(app, created_at=long_ago,
                            procedure_date=(long_ago - timedelta(days=1)).date())
    with app.app_context():
        assert purge_ended(db.session, 100) == [enrolment_id]
        db.session.commit()
        for statement in ("UPDATE followup_purge SET retention_days = 1",
                          "DELETE FROM followup_purge"):
            with pytest.raises(IntegrityError, match="part of the record"):
                db.session.execute(text(statement))
                db.session.commit()
            db.session.rollback()
        assert db.session.scalars(select(Purge.enrolment_id)).all() == [enrolment_id]


def test_the_reviews_cannot_be_emptied_at_once(app: Flask, client: FlaskClient) -> None:
    enrol(app)
    with app.app_context():
        # PostgreSQL's TRUNCATE skips row triggers; SQLite has no TRUNCATE, only DELETE.
        empty = ("TRUNCATE followup_review" if db.engine.dialect.name == "postgresql"
                 else "DELETE FROM followup_review")
        with pytest.raises(IntegrityError, match="part of the record"):
            db.session.execute(text(empty))
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_a_reminder_cannot_be_changed_or_removed_while_its_follow_up_is_kept(
    app: Flask, client: FlaskClient
) -> None:
    enrolment_id, _ = enrol(app)
    with app.app_context():
        db.session.add(Reminder(enrolment_id=enrolment_id, day=utcnow().date(), channel="email"))
        db.session.commit()
        for statement in ("UPDATE followup_reminder SET channel = 'sms'",
                          "DELETE FROM followup_reminder"):
            with pytest.raises(IntegrityError, match="part of the record"):
                db.session.execute(text(statement))
                db.session.commit()
            db.session.rollback()
        assert db.session.scalars(select(Reminder.channel)).all() == ["email"]


def test_only_the_link_token_hash_is_stored(app: Flask, client: FlaskClient) -> None:
    _, token = enrol(app)
    with app.app_context(), db.engine.connect() as connection:
        stored = [str(value) for row in connection.execute(text(
            "SELECT * FROM followup_enrolment")) for value in row]
    assert token_hash(token) in stored
    assert not any(token in value for value in stored)


def test_the_retention_job_removes_only_follow_ups_over_for_longer_than_the_period(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    long_ago = utcnow() - timedelta(days=400)
    old_id, _ = enrol(app, created_at=long_ago, patient_name="Amelia Earhart",
                      procedure_date=(long_ago - timedelta(days=1)).date())
    with app.app_context():
        db.session.add(EnrolmentEnd(enrolment_id=old_id, nurse_id=1, nurse_name="ann",
                                    reason="Follow-up complete.", at=long_ago))
        db.session.commit()
    new_id, _ = enrol(app)
    app.config["FOLLOWUP_RETENTION_DAYS"] = 365
    with caplog.at_level(logging.WARNING):
        result = app.test_cli_runner().invoke(args=["followup", "purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 follow-up enrolments over for more than 365 days." in result.output
    with app.app_context():
        assert db.session.scalars(select(Enrolment.id)).all() == [new_id]
        assert db.session.scalars(select(CheckIn.enrolment_id)).all() == [new_id]
        assert db.session.scalars(select(Review.enrolment_id)).all() == [new_id]
        assert db.session.scalar(select(func.count()).select_from(EnrolmentEnd)) == 0
        purge = db.session.scalars(select(Purge)).one()
        assert (purge.enrolment_id, purge.retention_days) == (old_id, 365)
    assert f"removed enrolment {old_id} after 365 days" in caplog.text
    assert "Amelia" not in caplog.text and "MRN" not in caplog.text


def test_the_follow_up_tables_go_on_downgrade_and_come_back(app: Flask) -> None:
    with app.app_context():
        flask_migrate.downgrade(revision="0004")
        names = inspect(db.engine).get_table_names()
        assert not [name for name in names if name.startswith("followup_")]
        flask_migrate.upgrade()
        db.engine.dispose()
        names = inspect(db.engine).get_table_names()
        assert {"followup_enrolment", "followup_checkin", "followup_purge"} <= set(names)
