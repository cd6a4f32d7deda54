"""Finding saved calls, the audited encounter page, addenda and the immutable record."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from checker.extensions import db
from checker.nurse.models import Addendum, AuditEvent, Encounter, ImmutableRecord
from tests.nurse.conftest import call_data, caller, new_call


def save(client: FlaskClient, **details: str) -> int:
    """Save a calm call for a patient and return the encounter id."""
    data = call_data(new_call(client))
    data.update(details)
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def find(client: FlaskClient, **terms: str) -> str:
    """Search the saved calls and return the list page."""
    return client.post("/nurse/encounters/search", data=terms, follow_redirects=True).get_data(
        as_text=True)


def audit(app: Flask) -> list[tuple[str, str, int | None]]:
    """(nurse, action, encounter) of every audit event, oldest first."""
    with app.app_context():
        return [(e.nurse.username, e.action, e.encounter_id)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_it_lists_calls_newest_first(client: FlaskClient) -> None:
    save(client, patient_name="First Caller")
    save(client, patient_name="Second Caller")
    html = client.get("/nurse/encounters").get_data(as_text=True)
    assert html.index("Second Caller") < html.index("First Caller")


def test_it_finds_calls_by_name_record_number_and_date(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman", record_number="R-1")
    save(client, patient_name="Amelia Earhart", record_number="R-2")
    by_name = find(client, name="coleman")
    assert "Bessie Coleman" in by_name and "Amelia Earhart" not in by_name
    by_record = find(client, record="R-2")
    assert "Amelia Earhart" in by_record and "Bessie Coleman" not in by_record
    today = datetime.now(UTC).date()
    assert "Amelia Earhart" in find(client, date=today.isoformat())
    empty = find(client, date=(today - timedelta(days=3)).isoformat())
    assert "No saved calls match" in empty and "911" in empty
    assert "Bessie Coleman" in find(client)


def test_it_keeps_search_terms_out_of_the_address(client: FlaskClient) -> None:
    response = client.post("/nurse/encounters/search", data={"name": "Coleman"})
    assert response.location == "/nurse/encounters"


def test_it_treats_percent_in_a_search_as_a_letter(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman")
    assert "No saved calls match" in find(client, name="%")


def test_it_pages_through_many_calls(app: Flask, client: FlaskClient) -> None:
    first = save(client, patient_name="Patient Zero")
    with app.app_context():
        template = db.session.get(Encounter, first)
        columns = {c.name: getattr(template, c.name) for c in Encounter.__table__.columns
                   if c.name not in ("id", "submit_token", "started_at", "patient_name")}
        for n in range(21):
            db.session.add(Encounter(**columns, submit_token=f"t{n}", patient_name=f"Later {n}",
                                     started_at=template.started_at + timedelta(minutes=n + 1)))
        db.session.commit()
    page1 = client.get("/nurse/encounters").get_data(as_text=True)
    page2 = client.get("/nurse/encounters?page=2").get_data(as_text=True)
    assert "Page 1 of 2" in page1 and "Later 20" in page1 and "Patient Zero" not in page1
    assert "Page 2 of 2" in page2 and "Patient Zero" in page2 and "Later 20" not in page2


def test_it_writes_an_audit_event_for_every_view(app: Flask, client: FlaskClient) -> None:
    encounter_id = save(client)
    assert audit(app) == []
    assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    assert client.get(f"/nurse/encounters/{encounter_id}/note.txt").status_code == 200
    assert client.get(f"/nurse/encounters/{encounter_id}/print").status_code == 200
    assert audit(app) == [("ann", "view", encounter_id), ("ann", "note", encounter_id),
                          ("ann", "print", encounter_id)]


def test_it_serves_the_note_as_plain_text(client: FlaskClient) -> None:
    encounter_id = save(client)
    response = client.get(f"/nurse/encounters/{encounter_id}/note.txt")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("TELEPHONE TRIAGE")


def test_it_shows_the_audit_log_only_to_administrators(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    encounter_id = save(client)
    client.get(f"/nurse/encounters/{encounter_id}")
    assert client.get("/nurse/audit").status_code == 403
    html = admin.get("/nurse/audit").get_data(as_text=True)
    assert "Opened the call" in html and "ann" in html
    assert f"/nurse/encounters/{encounter_id}" in html


def test_it_answers_404_for_an_unknown_encounter_and_audits_nothing(
    app: Flask, client: FlaskClient
) -> None:
    assert client.get("/nurse/encounters/999").status_code == 404
    assert audit(app) == []


def test_it_adds_an_addendum_with_its_own_author_and_time(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    encounter_id = save(client)
    response = admin.post(f"/nurse/encounters/{encounter_id}/addenda",
                          data={"text": "Callback number corrected to 555 0199."})
    assert response.status_code == 302
    with app.app_context():
        [addendum] = db.session.scalars(select(Addendum))
        assert addendum.nurse.username == "ada"
        assert addendum.created_at.tzinfo is not None
        assert db.session.get(Encounter, encounter_id).callback_number == caller()[
            "callback_number"]
    html = client.get(f"/nurse/encounters/{encounter_id}").get_data(as_text=True)
    assert "Callback number corrected to 555 0199." in html


def test_it_refuses_to_change_or_delete_a_saved_encounter(app: Flask, client: FlaskClient) -> None:
    encounter_id = save(client)
    with app.app_context():
        encounter = db.session.get(Encounter, encounter_id)
        encounter.final_disposition = "self_care"
        encounter.notes = "changed"
        with pytest.raises(ImmutableRecord):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ImmutableRecord):
            db.session.delete(db.session.get(Encounter, encounter_id))
            db.session.commit()
        db.session.rollback()
        assert db.session.get(Encounter, encounter_id).notes == ""


def test_it_offers_no_route_that_edits_or_deletes_an_encounter(app: Flask) -> None:
    writes = {(r.rule, m) for r in app.url_map.iter_rules() if r.rule.startswith("/nurse")
              for m in r.methods - {"GET", "HEAD", "OPTIONS"}}
    assert writes == {("/nurse/login", "POST"), ("/nurse/logout", "POST"),
                      ("/nurse/call", "POST"), ("/nurse/call/assess", "POST"),
                      ("/nurse/encounters/search", "POST"),
                      ("/nurse/encounters/<int:encounter_id>/addenda", "POST")}


def test_it_stores_times_in_utc(app: Flask, client: FlaskClient) -> None:
    before = datetime.now(UTC)
    encounter_id = save(client)
    with app.app_context():
        encounter = db.session.get(Encounter, encounter_id)
        assert encounter.ended_at.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=5) <= encounter.started_at <= encounter.ended_at
