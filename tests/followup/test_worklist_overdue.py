"""The worklist's waiting times, its overdue flag, its call links, and a call that reviews."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup import desk
from checker.followup.models import Review
from checker.followup.monitoring import parse_hours, watched_time
from checker.followup.worklist import elapsed
from checker.settings import ConfigError, from_environment
from tests.checker.check_pages import page_of
from tests.followup.conftest import enrol
from tests.followup.test_handoff import _fever_checkin, _save
from tests.followup.test_worklist import CALM, FEVER, add_checkin

MONDAY_NOON = datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
FRIDAY_1630 = datetime(2026, 12, 11, 16, 30, tzinfo=UTC)
WEEKDAYS = "Mon-Fri 08:00-17:00"


@pytest.mark.parametrize("span, said", [
    (timedelta(seconds=-90), "under 1 min"),  # a moment a little ahead of the server's clock
    (timedelta(0), "under 1 min"),
    (timedelta(seconds=59), "under 1 min"),
    (timedelta(minutes=1), "1 min"),
    (timedelta(minutes=59, seconds=59), "59 min"),
    (timedelta(hours=1), "1 h"),
    (timedelta(minutes=61), "1 h 1 min"),
    (timedelta(hours=2, minutes=10, seconds=30), "2 h 10 min"),
    (timedelta(hours=23, minutes=59), "23 h 59 min"),
    (timedelta(days=1), "1 d"),
    (timedelta(days=1, minutes=59), "1 d"),
    (timedelta(days=3, hours=4, minutes=5), "3 d 4 h"),
    (timedelta(days=40, hours=1), "40 d 1 h"),
])
def test_a_wait_reads_as_elapsed_time(span: timedelta, said: str) -> None:
    assert elapsed(span) == said


def test_watched_time_counts_only_the_monitoring_hours() -> None:
    hours = parse_hours(WEEKDAYS)
    utc = ZoneInfo("UTC")
    # Friday 16:30 to Monday 08:20: 30 minutes on Friday, 20 on Monday, nothing at the weekend.
    monday = datetime(2026, 12, 14, 8, 20, tzinfo=UTC)
    assert watched_time(hours, FRIDAY_1630, monday, utc) == timedelta(minutes=50)
    assert watched_time(hours, FRIDAY_1630, monday + timedelta(days=1), utc) == timedelta(
        hours=9, minutes=50)
    assert watched_time(None, FRIDAY_1630, monday, utc) == monday - FRIDAY_1630
    assert watched_time(hours, monday, FRIDAY_1630, utc) == timedelta(0)
    # The hours are the clinic's clock: 08:00 in New York is 13:00 UTC in December.
    new_york = ZoneInfo("America/New_York")
    assert watched_time(hours, datetime(2026, 12, 14, 12, 0, tzinfo=UTC),
                        datetime(2026, 12, 14, 14, 0, tzinfo=UTC), new_york) == timedelta(hours=1)
    # The night the clocks go forward, 01:00-04:00 on the wall clock is two real hours.
    nightly = parse_hours("01:00-04:00")
    day = datetime(2026, 3, 8, 0, 0, tzinfo=new_york)
    assert watched_time(nightly, day, day + timedelta(days=1), new_york) == timedelta(hours=2)


def _worklist_at(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
                 now: datetime, *, hours: str = "", minutes: int = 60,
                 part: str = "") -> str:
    """The worklist page (or its rows) as it reads at a moment, under some settings."""
    app.config.update(CLINIC_TIMEZONE="UTC", MONITORING_HOURS=hours,
                      REVIEW_OVERDUE_MINUTES=minutes)
    monkeypatch.setattr(desk, "utcnow", lambda: now)
    return client.get(f"/nurse/followup{'?part=rows' if part else ''}").get_data(as_text=True)


def _patient(app: Flask, name: str, now: datetime, phone: str = "555 0100") -> int:
    """A patient enrolled three days before `now`, their first check-in reviewed."""
    enrolment_id, _ = enrol(app, patient_name=name, phone=phone,
                            procedure_date=(now - timedelta(days=3)).date(),
                            created_at=now - timedelta(hours=72))
    return enrolment_id


def _rows(html: str) -> dict[str, str]:
    """Each worklist row's markup by the patient's name."""
    body = html[html.index('<tbody id="worklist-rows"'):html.index("</tbody>")]
    rows = re.findall(r"<tr\b.*?</tr>", body, re.S)
    named = {}
    for row in rows:
        found = re.search(r'/patients/\d+">([^<]+)</a>', row)
        assert found, row
        named[found.group(1)] = row
    return named


def test_an_alert_unreviewed_past_the_setting_is_flagged_overdue_and_first_of_its_urgency(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    now = MONDAY_NOON
    for name, disposition, minutes in (("Olive Overdue", "call_doctor_now", 61),
                                       ("Exact Ed", "call_doctor_now", 60),
                                       ("Fresh Fay", "emergency", 5),
                                       ("Calm Cal", "self_care", 300)):
        enrolment_id = _patient(app, name, now)
        add_checkin(app, enrolment_id, disposition, CALM if disposition == "self_care" else FEVER,
                    hours_ago=minutes / 60, at=now)
    html = _worklist_at(app, client, monkeypatch, now)
    rows = _rows(html)
    # The newer emergency stays above the overdue alert: never less urgent first.
    assert list(rows) == ["Fresh Fay", "Olive Overdue", "Exact Ed", "Calm Cal"]
    overdue = [name for name, row in rows.items() if "Overdue:" in row]
    assert overdue == ["Olive Overdue"]
    assert "unreviewed over 1 h" in rows["Olive Overdue"]
    assert "of monitoring hours" not in rows["Olive Overdue"]
    assert ">1 h 1 min</time>" in rows["Olive Overdue"]
    assert ">1 h</time>" in rows["Exact Ed"] and ">5 min</time>" in rows["Fresh Fay"]
    assert ">5 h</time>" in rows["Calm Cal"]  # a calm result waits, but is never overdue
    assert 'Updated 12:00. 1 patient with an overdue alert.</span>' in html
    refreshed = _worklist_at(app, client, monkeypatch, now + timedelta(minutes=1), part="rows")
    assert 'data-status="Updated 12:01. 2 patients with an overdue alert."' in refreshed
    assert list(_rows(refreshed))[:3] == ["Fresh Fay", "Olive Overdue", "Exact Ed"]


def test_the_exact_time_stays_beside_the_wait_and_the_phone_is_a_call_link(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    enrolment_id = _patient(app, "Tel Tina", MONDAY_NOON, phone="+1 (555) 010-0123")
    add_checkin(app, enrolment_id, "call_doctor_now", FEVER, hours_ago=2 + 10 / 60,
                at=MONDAY_NOON)
    row = _rows(_worklist_at(app, client, monkeypatch, MONDAY_NOON))["Tel Tina"]
    assert ('<time datetime="2026-12-14T09:50:00+00:00" title="since 2026-12-14 09:50 UTC">'
            '2 h 10 min</time>') in row
    assert "since 2026-12-14 09:50 UTC" in row
    assert ('<a class="call-patient" href="tel:+15550100123">Call +1 (555) 010-0123</a>'
            in row)


def test_inside_monitoring_hours_only_the_watched_minutes_count(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    enrolment_id = _patient(app, "Weekend Wanda", FRIDAY_1630)
    add_checkin(app, enrolment_id, "call_doctor_now", FEVER, hours_ago=0, at=FRIDAY_1630)
    monday = datetime(2026, 12, 14, 8, 20, tzinfo=UTC)  # 30 + 20 watched minutes, 64 h apart
    row = _rows(_worklist_at(app, client, monkeypatch, monday, hours=WEEKDAYS))["Weekend Wanda"]
    assert "Overdue" not in row and ">2 d 15 h</time>" in row
    late = _worklist_at(app, client, monkeypatch, monday + timedelta(minutes=11), hours=WEEKDAYS)
    row = _rows(late)["Weekend Wanda"]
    assert "Overdue:" in row and "unreviewed over 1 h of monitoring hours" in row
    stricter = _worklist_at(app, client, monkeypatch, monday, hours=WEEKDAYS, minutes=45)
    assert "Overdue:" in _rows(stricter)["Weekend Wanda"]
    # Without monitoring hours the weekend counts: the same alert is long overdue.
    assert "Overdue:" in _rows(_worklist_at(app, client, monkeypatch, monday))["Weekend Wanda"]


def test_a_bad_overdue_setting_stops_the_app_naming_it() -> None:
    read = from_environment({"SECRET_KEY": "test", "REVIEW_OVERDUE_MINUTES": " 90 "})
    assert read["REVIEW_OVERDUE_MINUTES"] == 90
    for bad in ("0", "an hour", "-5", "1.5"):
        with pytest.raises(ConfigError, match="REVIEW_OVERDUE_MINUTES"):
            from_environment({"SECRET_KEY": "test", "REVIEW_OVERDUE_MINUTES": bad})


def test_a_call_saved_from_a_check_in_marks_it_reviewed_and_takes_it_off_the_worklist(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id, checkin_id = _fever_checkin(app)
    before = _rows(client.get("/nurse/followup").get_data(as_text=True))["Hattie Handoff"]
    assert "Alert:" in before
    console = page_of(client.get(f"/nurse/call?checkin={checkin_id}"))
    saved = _save(client, console)
    encounter_id = int(saved.rsplit("/", 1)[1])
    with app.app_context():
        reviews = list(db.session.scalars(select(Review).filter_by(checkin_id=checkin_id)))
        assert [(r.enrolment_id, r.nurse_name, r.note) for r in reviews] == [
            (enrolment_id, "ann", f"Called: see saved call #{encounter_id}.")]
        audited = db.session.scalars(select(AuditEvent).filter_by(action="followup-review"))
        assert [(e.encounter_id, e.shown_ids) for e in audited] == [
            (encounter_id, [enrolment_id])]
    after = _rows(client.get("/nurse/followup").get_data(as_text=True))["Hattie Handoff"]
    assert "Nothing to review" in after and "Alert:" not in after
    page = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    assert f"by ann: Called: see saved call #{encounter_id}." in page


def test_a_call_begun_without_a_check_in_reviews_nothing(
        app: Flask, client: FlaskClient) -> None:
    _, checkin_id = _fever_checkin(app)
    console = page_of(client.get("/nurse/call"))
    console.typed.update(patient_name="Hattie Handoff", date_of_birth="1941-05-11")
    with app.app_context():
        before = db.session.scalars(select(Review).filter_by(checkin_id=checkin_id)).all()
    assert before == []
    # A typed check-in number is not a signed reference: nothing links, nothing is reviewed.
    client.post("/nurse/call", data={**dict(console.hidden), **console.checked,
                                     **console.typed, "checkin": str(checkin_id),
                                     "action": "save"})
    with app.app_context():
        assert db.session.scalars(select(Review).filter_by(checkin_id=checkin_id)).all() == []
