"""Retention removes only follow-ups over for longer than the period, never a running one."""

from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment, EnrolmentEnd, Purge, Review
from checker.followup.retention import check_settings, over_at, purge_ended
from checker.settings import ConfigError
from tests.followup.conftest import enrol


def days_ago(days: int) -> datetime:
    """A moment this many days before now."""
    return utcnow() - timedelta(days=days)


def enrolled(app: Flask, *, enrolled_days_ago: int, procedure_days_ago: int,
             follow_days: int = 28, ended_days_ago: int | None = None) -> int:
    """A stored follow-up with a check-in and a review, ended by a nurse when asked."""
    enrolment_id, _ = enrol(app, created_at=days_ago(enrolled_days_ago), follow_days=follow_days,
                            procedure_date=date.today() - timedelta(days=procedure_days_ago))
    if ended_days_ago is not None:
        with app.app_context():
            db.session.add(EnrolmentEnd(enrolment_id=enrolment_id, nurse_id=1, nurse_name="ann",
                                        reason="Follow-up complete.",
                                        at=days_ago(ended_days_ago)))
            db.session.commit()
    return enrolment_id


def kept(app: Flask) -> list[int]:
    """The enrolments still stored, with their check-ins and reviews."""
    with app.app_context():
        ids = list(db.session.scalars(select(Enrolment.id).order_by(Enrolment.id)))
        assert sorted(set(db.session.scalars(select(CheckIn.enrolment_id)))) == ids
        assert sorted(set(db.session.scalars(select(Review.enrolment_id)))) == ids
        return ids


def purge(app: Flask, retention_days: int) -> list[int]:
    """Run the retention job's removal directly, past the start check, and commit."""
    with app.app_context():
        removed = purge_ended(db.session, retention_days)
        db.session.commit()
        return removed


def test_a_running_28_day_follow_up_enrolled_two_days_ago_survives_a_purge_with_retention_1(
    app: Flask, client: FlaskClient
) -> None:
    running = enrolled(app, enrolled_days_ago=2, procedure_days_ago=2, follow_days=28)
    assert purge(app, 1) == []
    assert kept(app) == [running]


def test_a_retention_of_1_is_refused_at_start_naming_the_variable(
    app: Flask, client: FlaskClient
) -> None:
    with pytest.raises(ConfigError, match="FOLLOWUP_RETENTION_DAYS must be at least 90 days"):
        check_settings({"FOLLOWUP_RETENTION_DAYS": 1})
    check_settings({"FOLLOWUP_RETENTION_DAYS": 90})
    running = enrolled(app, enrolled_days_ago=2, procedure_days_ago=2)
    app.config["FOLLOWUP_RETENTION_DAYS"] = 1
    result = app.test_cli_runner().invoke(args=["followup", "purge"])
    assert result.exit_code == 1
    assert "FOLLOWUP_RETENTION_DAYS must be at least 90 days" in result.output
    assert kept(app) == [running]


def test_an_ended_follow_up_past_retention_is_purged_and_a_recently_ended_one_kept(
    app: Flask, client: FlaskClient
) -> None:
    days_over = enrolled(app, enrolled_days_ago=400, procedure_days_ago=401)
    ended_long_ago = enrolled(app, enrolled_days_ago=130, procedure_days_ago=131,
                              follow_days=90, ended_days_ago=120)
    ended_lately = enrolled(app, enrolled_days_ago=130, procedure_days_ago=131,
                            follow_days=90, ended_days_ago=50)
    assert purge(app, 100) == [days_over, ended_long_ago]
    assert kept(app) == [ended_lately]
    with app.app_context():
        assert sorted(db.session.scalars(select(Purge.enrolment_id))) == [days_over,
                                                                          ended_long_ago]
        assert db.session.scalar(select(func.count()).select_from(EnrolmentEnd)) == 1


def test_a_follow_up_enrolled_long_ago_but_still_running_is_kept(
    app: Flask, client: FlaskClient
) -> None:
    # Enrolled 400 days ago for a procedure set for the day before yesterday: not over yet.
    running = enrolled(app, enrolled_days_ago=400, procedure_days_ago=2, follow_days=28)
    assert purge(app, 365) == []
    assert kept(app) == [running]


def test_a_follow_up_is_over_at_its_end_or_after_its_last_day_never_before_enrolment() -> None:
    enrolled_at = datetime.fromisoformat("2026-01-10T09:00:00+00:00")
    last = over_at(enrolled_at, date(2026, 1, 9), 28, None)
    assert last == datetime.fromisoformat("2026-02-08T00:00:00+00:00")  # 28 days + 2 of margin
    ended = datetime.fromisoformat("2026-01-20T12:00:00+00:00")
    assert over_at(enrolled_at, date(2026, 1, 9), 28, ended) == ended
    assert over_at(enrolled_at, date(2025, 1, 1), 28, None) == enrolled_at


def test_the_chain_holds_after_a_purge_and_seals_the_purge_record(
    app: Flask, client: FlaskClient
) -> None:
    old = enrolled(app, enrolled_days_ago=400, procedure_days_ago=401)
    app.config["FOLLOWUP_RETENTION_DAYS"] = 365
    result = app.test_cli_runner().invoke(args=["followup", "purge"])
    assert result.exit_code == 0, result.output
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    with app.app_context(), db.engine.connect() as connection:
        sealed = connection.execute(text(
            "SELECT enrolment_id FROM record_seal WHERE record = 'followup_purge'")).scalars()
        assert list(sealed) == [old]


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # the purge function is PostgreSQL's
def test_the_database_function_refuses_a_retention_under_one_day(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        with pytest.raises(DBAPIError, match="retention period must be 1 day or more"):
            db.session.execute(text("SELECT followup_purge_ended(0)"))
        db.session.rollback()
