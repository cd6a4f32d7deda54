"""Monitoring hours: read from the setting, and said honestly on every stored check-in."""

from datetime import UTC, datetime, time

import pytest
from flask import Flask

from checker.followup import checkin
from checker.followup.monitoring import parse_hours
from checker.settings import ConfigError, check, defaults
from tests.checker.check_pages import press, walk
from tests.checker.samples import form_answers
from tests.followup.test_checkin import _patient
from tests.nurse.conftest import add_nurse

# 2026-12-07 is a Monday.
MONDAY_NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
FRIDAY_EVENING = datetime(2026, 12, 11, 18, 30, tzinfo=UTC)


def test_weekdays_and_hours_are_read_like_an_opening_hours_sign() -> None:
    hours = parse_hours("Mon-Fri 08:00-17:00")
    assert hours is not None
    assert hours.days == frozenset(range(5))
    assert (hours.start, hours.end) == (time(8), time(17))
    assert hours.watching(MONDAY_NOON)
    assert not hours.watching(MONDAY_NOON.replace(hour=17))  # the end is not inside
    assert not hours.watching(datetime(2026, 12, 12, 12, 0, tzinfo=UTC))  # a Saturday


def test_the_next_watch_after_friday_evening_is_monday_morning() -> None:
    hours = parse_hours("Mon-Fri 08:00-17:00")
    assert hours is not None
    assert hours.next_start(FRIDAY_EVENING) == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    assert hours.until(MONDAY_NOON) == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def test_hours_without_days_mean_every_day_and_ranges_may_wrap_the_week() -> None:
    every_day = parse_hours("07:30-19:00")
    assert every_day is not None and every_day.days == frozenset(range(7))
    weekend = parse_hours("Sat-Mon 09:00-12:00")
    assert weekend is not None and weekend.days == frozenset({5, 6, 0})
    listed = parse_hours("Mon, Wed,Fri 09:00-12:00")
    assert listed is not None and listed.days == frozenset({0, 2, 4})


@pytest.mark.parametrize("setting, said", [
    ("Mon-Fri 08:00-17:00", "Mon-Fri 08:00-17:00"),
    ("08:00-20:00", "Mon-Sun 08:00-20:00"),
    ("Mon,Wed,Fri 9:00-12:00", "Mon,Wed,Fri 09:00-12:00"),
    ("Sat,Sun 10:00-14:00", "Sat,Sun 10:00-14:00"),
])
def test_the_worklist_says_the_hours_as_a_sign_would(setting: str, said: str) -> None:
    hours = parse_hours(setting)
    assert hours is not None and hours.describe() == said


def test_an_empty_setting_means_nobody_watches() -> None:
    assert parse_hours("  ") is None


@pytest.mark.parametrize("setting, named", [
    ("weekdays 8-5", "write it like Mon-Fri 08:00-17:00"),
    ("Mon-Fri 17:00-08:00", "must end after they start"),
    ("Mon-Fry 08:00-17:00", "'mon-fry' is not a day"),
    ("Mon 25:00-26:00", "25:00 is not a time of day"),
])
def test_a_wrong_setting_stops_the_app_with_a_message_naming_it(setting: str, named: str) -> None:
    config = {**defaults(), "SECRET_KEY": "x" * 32, "MONITORING_HOURS": setting}
    with pytest.raises(ConfigError, match="MONITORING_HOURS") as refused:
        check(config)
    assert named in str(refused.value)


def _result_at(app: Flask, monkeypatch: pytest.MonkeyPatch, moment: datetime, hours: str,
               disposition: str) -> str:
    """The result page of a check-in sent at a moment, under some monitoring hours."""
    app.config.update(MONITORING_HOURS=hours, CLINIC_TIMEZONE="UTC",
                      AFTER_HOURS_PHONE="555 0199")
    monkeypatch.setattr(checkin, "utcnow", lambda: moment)
    patient, token, _ = _patient(app)
    review, _ = walk(patient, form_answers(disposition), path="/followup/checkin")
    return press(patient, review, action="submit").text


@pytest.fixture
def nurse(app: Flask) -> int:
    """The nurse who enrols the patients."""
    return add_nurse(app)


@pytest.mark.usefixtures("nurse")
def test_outside_the_hours_a_check_in_says_when_someone_will_see_it(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _result_at(app, monkeypatch, FRIDAY_EVENING, "Mon-Fri 08:00-17:00",
                      "call_doctor_now")
    assert "Nobody at the clinic will see this check-in until Monday, December 14, 2026" in text
    assert "Do not wait for us" in text
    assert "has been alerted" not in text
    assert "call 911 now" in text and "555 0199" in text


@pytest.mark.usefixtures("nurse")
def test_inside_the_hours_an_urgent_check_in_alerts_the_team_but_never_replaces_the_call(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _result_at(app, monkeypatch, MONDAY_NOON, "Mon-Fri 08:00-17:00", "call_doctor_now")
    assert "Your care team has been alerted too. This does not replace your call" in text
    assert "call 911 now" in text and "555 0199" in text


@pytest.mark.usefixtures("nurse")
def test_inside_the_hours_a_calm_check_in_says_a_nurse_will_look_today(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _result_at(app, monkeypatch, MONDAY_NOON, "Mon-Fri 08:00-17:00", "self_care")
    assert "A nurse will look at this check-in today, before 5:00" in text
    assert "has been alerted" not in text


@pytest.mark.usefixtures("nurse")
def test_with_no_hours_set_every_check_in_says_nobody_watches(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _result_at(app, monkeypatch, MONDAY_NOON, "", "call_doctor_today")
    assert "Nobody at the clinic watches check-ins as they arrive" in text
