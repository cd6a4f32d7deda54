"""The worklist: who needs a person first; one patient's check-ins; reviews and ending."""

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Review
from rules import load_protocol
from tests.followup.conftest import enrol

SERVED = load_protocol()
FEVER = {"temperature": {"value": 38.6, "unit": "C"}, "pain_score": 4, "pain_relieved": True}
CALM = {"temperature": {"value": 36.9, "unit": "C"}, "pain_score": 2, "pain_relieved": True}


def add_checkin(app: Flask, enrolment_id: int, disposition: str, answers: dict[str, Any],
                hours_ago: float, at: datetime | None = None) -> int:
    """Store a check-in sent some hours before now (or before `at`), as the patient's pages
    would."""
    with app.app_context():
        checkin = CheckIn(enrolment_id=enrolment_id, day_count=3, answers=answers,
                          assessment={"disposition": disposition}, disposition=disposition,
                          pain_score=answers.get("pain_score"),
                          submitted_at=(at or utcnow()) - timedelta(hours=hours_ago),
                          protocol_id=SERVED.id, protocol_version=SERVED.version,
                          protocol_sha256=SERVED.sha256)
        db.session.add(checkin)
        db.session.commit()
        return checkin.id


def _patient(app: Flask, name: str, hours_ago: float = 1) -> int:
    """An enrolment made some hours ago, following a procedure three days back."""
    enrolment_id, _ = enrol(app, patient_name=name, procedure_date=date.today() - timedelta(3),
                            created_at=utcnow() - timedelta(hours=hours_ago))
    return enrolment_id


def _audited(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).filter_by(action=action)))


def _order(html: str, *names: str) -> list[str]:
    return sorted(names, key=html.index)


def test_the_most_urgent_unreviewed_check_in_comes_first_then_missed_then_the_rest(
        app: Flask, client: FlaskClient) -> None:
    calm = _patient(app, "Ada Calm", hours_ago=80)
    add_checkin(app, calm, "self_care", CALM, hours_ago=20)  # waiting longest, but calm
    fever = _patient(app, "Bea Fever", hours_ago=80)
    add_checkin(app, fever, "call_doctor_now", FEVER, hours_ago=1)
    _patient(app, "Cy Missed", hours_ago=60)  # enrolled, its one check-in is reviewed
    _patient(app, "Di New", hours_ago=2)  # just enrolled: not missed yet
    html = client.get("/nurse/followup").get_data(as_text=True)
    assert _order(html, "Ada Calm", "Bea Fever", "Cy Missed", "Di New") == [
        "Bea Fever", "Ada Calm", "Cy Missed", "Di New"]
    fever_row = html[html.index("Bea Fever"):html.index("Ada Calm")]
    assert "Alert:" in fever_row and "CALL DOCTOR NOW" in fever_row
    missed_row = html[html.index("Cy Missed"):html.index("Di New")]
    assert "Missed: no check-in for 36 hours" in missed_row
    assert "Missed" not in html[html.index("Di New"):]


def test_two_calm_check_ins_wait_in_the_order_they_came(app: Flask, client: FlaskClient) -> None:
    later = _patient(app, "Later Lee")
    add_checkin(app, later, "call_doctor_today", CALM, hours_ago=2)
    earlier = _patient(app, "Earlier Eve")
    add_checkin(app, earlier, "call_doctor_today", CALM, hours_ago=5)
    html = client.get("/nurse/followup").get_data(as_text=True)
    assert _order(html, "Later Lee", "Earlier Eve") == ["Earlier Eve", "Later Lee"]


def test_an_ended_follow_up_leaves_the_worklist(app: Flask, client: FlaskClient) -> None:
    enrolment_id = _patient(app, "Ending Ed")
    response = client.post(f"/nurse/followup/patients/{enrolment_id}/end", data={"reason": ""})
    assert response.status_code == 400
    assert "Reason for ending: Write why the follow-up ends" in response.get_data(as_text=True)
    assert "Ending Ed" in client.get("/nurse/followup").get_data(as_text=True)
    ended = client.post(f"/nurse/followup/patients/{enrolment_id}/end",
                        data={"reason": "Readmitted."})
    assert ended.status_code == 303
    assert "Ending Ed" not in client.get("/nurse/followup").get_data(as_text=True)
    assert len(_audited(app, "followup-end")) == 1


def test_the_worklist_and_its_refreshed_rows_are_audited_and_need_a_nurse(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id = _patient(app, "Audit Ann")
    rows = client.get("/nurse/followup?part=rows")
    assert rows.get_data(as_text=True).startswith('<tbody id="worklist-rows"')
    assert rows.headers["Cache-Control"] == "no-store"
    client.get("/nurse/followup")
    events = _audited(app, "followup-worklist")
    assert len(events) == 2 and all(enrolment_id in e.shown_ids for e in events)
    stranger = app.test_client()
    for path in ("/nurse/followup", f"/nurse/followup/patients/{enrolment_id}"):
        refused = stranger.get(path)
        assert refused.status_code == 302
        assert refused.headers["Location"].startswith("/nurse/login")


def test_a_patients_page_shows_each_check_in_with_what_changed_since_the_one_before(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id = _patient(app, "Timeline Tess")
    add_checkin(app, enrolment_id, "self_care", CALM, hours_ago=30)
    add_checkin(app, enrolment_id, "call_doctor_now", FEVER, hours_ago=2)
    html = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    assert '<svg class="pain-chart"' in html
    newest = html[html.index("Day 3"):]
    assert ": 36.9 °C → 38.6 °C</li>" in newest
    assert "2/10 → 4/10" in newest
    assert f"protocol {SERVED.id} {SERVED.version}" in newest
    assert [e.shown_ids for e in _audited(app, "followup-view")] == [[enrolment_id]]


def test_a_review_needs_a_note_and_then_takes_the_check_in_off_the_worklist(
        app: Flask, client: FlaskClient) -> None:
    enrolment_id = _patient(app, "Review Rita")
    checkin_id = add_checkin(app, enrolment_id, "call_doctor_now", FEVER, hours_ago=1)
    refused = client.post(f"/nurse/followup/checkins/{checkin_id}/review", data={"note": " "})
    assert refused.status_code == 400
    assert "Review note: Write what was done" in refused.get_data(as_text=True)
    done = client.post(f"/nurse/followup/checkins/{checkin_id}/review",
                       data={"note": "Called her; she is going to the clinic."})
    assert done.status_code == 303
    with app.app_context():
        review = db.session.scalar(select(Review).filter_by(checkin_id=checkin_id))
        assert review is not None and review.nurse_name == "ann"
    html = client.get("/nurse/followup").get_data(as_text=True)
    row = html[html.index("Review Rita"):]
    assert "Nothing to review" in row.split("</tr>")[0]
    page = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    assert "by ann: Called her; she is going to the clinic." in page
    assert len(_audited(app, "followup-review")) == 1


def test_a_check_in_older_than_the_follow_up_days_is_not_on_the_list(
        app: Flask, client: FlaskClient) -> None:
    enrol(app, patient_name="Past Pat", procedure_date=date.today() - timedelta(days=40),
          follow_days=28, created_at=utcnow() - timedelta(days=40))
    assert "Past Pat" not in client.get("/nurse/followup").get_data(as_text=True)
