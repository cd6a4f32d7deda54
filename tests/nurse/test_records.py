"""Finding saved calls, the audited encounter page, addenda and the immutable record."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from checker.audit import AuditEvent
from checker.db_types import ImmutableRecord
from checker.extensions import db
from checker.nurse.models import Addendum, Encounter
from tests.nurse.conftest import call_data, caller, new_call


def save(client: FlaskClient, **details: str) -> int:
    """Save a calm call for a patient and return the encounter id."""
    data = call_data(new_call(client))
    data.update(details)
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def find(client: FlaskClient, **terms: str) -> str:
    """Search the saved calls and return the page of results."""
    response = client.post("/nurse/encounters/search", data=terms)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def audit(app: Flask) -> list[tuple[str, str, int | None]]:
    """(nurse, action, encounter) of every view of a call, oldest first (lists left out)."""
    with app.app_context():
        return [(e.nurse_name, e.action, e.encounter_id)
                for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                if e.action not in ("list", "search")]


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


def test_it_answers_a_search_at_once_keeping_the_terms_out_of_address_and_cookie(
    client: FlaskClient
) -> None:
    save(client, patient_name="Bessie Coleman", record_number="R-1")
    response = client.post("/nurse/encounters/search", data={"name": "Coleman", "record": "R-1"})
    assert response.status_code == 200 and response.location is None
    assert "Bessie Coleman" in response.get_data(as_text=True)
    with client.session_transaction() as kept:
        assert "Coleman" not in repr(dict(kept)) and "R-1" not in repr(dict(kept))


def test_an_old_search_kept_in_the_cookie_no_longer_filters(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman")
    save(client, patient_name="Amelia Earhart")
    with client.session_transaction() as kept:
        kept["nurse_search"] = {"name": "Coleman", "record": "", "date": ""}
    html = client.get("/nurse/encounters").get_data(as_text=True)
    assert "Bessie Coleman" in html and "Amelia Earhart" in html
    with client.session_transaction() as kept:
        assert "nurse_search" not in kept


def test_it_finds_record_numbers_whatever_their_case(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman", record_number="MRN-ab12")
    save(client, patient_name="Amelia Earhart", record_number="MRN-ab123")
    html = find(client, record="mrn-AB12")
    assert "Bessie Coleman" in html and "Amelia Earhart" not in html


def test_it_finds_a_name_written_last_name_first(client: FlaskClient) -> None:
    save(client, patient_name="Mary Jones")
    save(client, patient_name="Mary Smith")
    html = find(client, name="Jones, Mary")
    assert "Mary Jones" in html and "Mary Smith" not in html


def test_it_forgives_spaces_and_dashes_in_record_numbers_and_spaces_in_names(
    client: FlaskClient
) -> None:
    save(client, patient_name="Bessie Coleman", record_number="MRN-4471")
    save(client, patient_name="Amelia Earhart", record_number="MRN-4472")
    for typed in ("mrn 4471", " MRN4471 ", "mrn-44 71"):
        html = find(client, record=typed)
        assert "Bessie Coleman" in html and "Amelia Earhart" not in html, typed
    html = find(client, name="  COLEMAN   bessie ")
    assert "Bessie Coleman" in html and "Amelia Earhart" not in html


def test_a_search_offers_to_clear_it_and_the_list_after_shows_every_call(
    client: FlaskClient
) -> None:
    save(client, patient_name="Bessie Coleman")
    save(client, patient_name="Amelia Earhart")
    html = find(client, name="Coleman")
    assert '<a href="/nurse/encounters" class="clear-search">Clear search</a>' in html
    assert 'value="Coleman"' in html
    cleared = client.get("/nurse/encounters").get_data(as_text=True)
    assert "Bessie Coleman" in cleared and "Amelia Earhart" in cleared
    assert "Clear search" not in cleared and 'value="Coleman"' not in cleared


def test_times_and_the_searched_day_are_the_clinics(app: Flask, client: FlaskClient) -> None:
    app.config["CLINIC_TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14 all year
    first = save(client, patient_name="Bessie Coleman")
    noon = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)  # 02:00 on the 15th in Kiritimati
    with app.app_context():
        template = db.session.get(Encounter, first)
        columns = {c.name: getattr(template, c.name) for c in Encounter.__table__.columns
                   if c.name not in ("id", "submit_token", "started_at", "ended_at",
                                     "patient_name")}
        db.session.add(Encounter(**columns, submit_token="noon", patient_name="Noon Caller",
                                 started_at=noon, ended_at=noon + timedelta(minutes=9)))
        db.session.commit()
        noon_id = db.session.scalar(select(Encounter.id).filter_by(submit_token="noon"))
    listed = client.get("/nurse/encounters").get_data(as_text=True)
    assert "2025-03-15 02:00 +14" in listed and "2025-03-14 12:00" not in listed
    assert "Noon Caller" in find(client, date="2025-03-15")
    assert "Noon Caller" not in find(client, date="2025-03-14")
    page = client.get(f"/nurse/encounters/{noon_id}").get_data(as_text=True)
    assert "2025-03-15 02:00 +14 to 2025-03-15 02:09 +14" in page


@pytest.mark.parametrize("field,label", [("name", "Patient's name"), ("record", "Record number"),
                                         ("date", "Date of the call")])
@pytest.mark.parametrize("bad", ["Cole\x00man", "Cole\x1bman"])
def test_a_control_character_in_a_search_gets_a_message_on_that_field(
    client: FlaskClient, field: str, label: str, bad: str
) -> None:
    save(client, patient_name="Bessie Coleman")
    response = client.post("/nurse/encounters/search", data={field: bad})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert f"{label} contains a control character (character 5)" in html
    assert f'href="#search-{field}"' in html
    assert "Bessie Coleman" not in html and 'href="tel:911"' in html
    # The next search works as usual: nothing was kept.
    assert "Bessie Coleman" in find(client, name="Coleman")


def copies(app: Flask, first: int, name: str, count: int, step: timedelta) -> None:
    """Store copies of a saved call named "<name> 0".. and started one step apart after it."""
    with app.app_context():
        template = db.session.get(Encounter, first)
        columns = {c.name: getattr(template, c.name) for c in Encounter.__table__.columns
                   if c.name not in ("id", "submit_token", "started_at", "patient_name")}
        for n in range(count):
            db.session.add(Encounter(**columns, submit_token=f"t{n}", patient_name=f"{name} {n}",
                                     started_at=template.started_at + step * (n + 1)))
        db.session.commit()


def test_it_pages_through_a_search_by_posting_its_terms(app: Flask, client: FlaskClient) -> None:
    first = save(client, patient_name="Patient Zero")
    save(client, patient_name="Someone Else")
    copies(app, first, "Patient", 20, -timedelta(minutes=1))
    page1 = find(client, name="patient")
    assert "Page 1<" in page1 and "Patient Zero" in page1 and "Patient 19" not in page1
    assert '<input type="hidden" name="name" value="patient">' in page1
    assert '<input type="hidden" name="page" value="2">' in page1
    assert "?page" not in page1 and "name=patient" not in page1
    page2 = find(client, name="patient", page="2")
    assert "Page 2<" in page2 and "Patient 19" in page2 and "Patient Zero" not in page2
    assert "Someone Else" not in page1 + page2


def test_it_treats_percent_in_a_search_as_a_letter(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman")
    assert "No saved calls match" in find(client, name="%")


def test_it_pages_through_many_calls(app: Flask, client: FlaskClient) -> None:
    first = save(client, patient_name="Patient Zero")
    copies(app, first, "Later", 21, timedelta(minutes=1))
    page1 = client.get("/nurse/encounters").get_data(as_text=True)
    page2 = client.get("/nurse/encounters?page=2").get_data(as_text=True)
    assert "Page 1<" in page1 and "Later 20" in page1 and "Patient Zero" not in page1
    assert "Page 2<" in page2 and "Patient Zero" in page2 and "Later 20" not in page2


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
                      ("/nurse/encounters/<int:encounter_id>/addenda", "POST"),
                      ("/nurse/call/code", "POST"),  # fills a new call, stores nothing
                      # follow-up records: an enrolment, a review, an end, a new code;
                      # no encounter
                      ("/nurse/followup/enrol", "POST"),
                      ("/nurse/followup/patients/<int:enrolment_id>/code", "POST"),
                      ("/nurse/followup/checkins/<int:checkin_id>/review", "POST"),
                      ("/nurse/followup/patients/<int:enrolment_id>/end", "POST"),
                      # the provider ends a nurse's sessions: a sign-in event, no encounter
                      ("/nurse/sso/back-channel-logout", "POST"),
                      # the nurse's own second factor: account rows, added, never changed
                      ("/nurse/login/second-factor", "POST"),
                      ("/nurse/account/second-factor/enrol", "POST"),
                      ("/nurse/account/second-factor/remove", "POST"),
                      ("/nurse/account/second-factor/recovery-codes", "POST"),
                      ("/nurse/account/second-factor/passkeys/options", "POST"),
                      ("/nurse/account/second-factor/passkeys", "POST"),
                      ("/nurse/account/second-factor/passkeys/remove", "POST"),
                      ("/nurse/login/passkey/options", "POST"),
                      ("/nurse/login/passkey", "POST")}


def test_it_stores_times_in_utc(app: Flask, client: FlaskClient) -> None:
    before = datetime.now(UTC)
    encounter_id = save(client)
    with app.app_context():
        encounter = db.session.get(Encounter, encounter_id)
        assert encounter.ended_at.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=5) <= encounter.started_at <= encounter.ended_at


def test_a_record_keeps_its_authors_name_after_the_nurse_is_renamed(
    app: Flask, client: FlaskClient, admin: FlaskClient
) -> None:
    encounter_id = save(client)
    assert client.post(f"/nurse/encounters/{encounter_id}/addenda",
                       data={"text": "Rang back."}).status_code == 302
    assert client.get(f"/nurse/encounters/{encounter_id}").status_code == 200
    with app.app_context():
        db.session.execute(text("UPDATE nurse SET username = 'anna' WHERE username = 'ann'"))
        db.session.commit()
    page = client.get(f"/nurse/encounters/{encounter_id}").get_data(as_text=True)
    assert "<dt>Nurse</dt><dd>ann</dd>" in page
    assert '<p class="addendum-meta">ann, ' in page
    assert "ADDENDUM by ann, " in client.get(f"/nurse/encounters/{encounter_id}/print").get_data(
        as_text=True)
    assert "Nurse: ann." in client.get(f"/nurse/encounters/{encounter_id}/note.txt").get_data(
        as_text=True)
    assert "<td>ann</td>" in client.get("/nurse/encounters").get_data(as_text=True)
    assert client.post(f"/nurse/encounters/{encounter_id}/addenda",
                       data={"text": "Rang again."}).status_code == 302
    page = client.get(f"/nurse/encounters/{encounter_id}").get_data(as_text=True)
    assert '<p class="addendum-meta">anna, ' in page and '<p class="addendum-meta">ann, ' in page
    log = admin.get("/nurse/audit").get_data(as_text=True)
    assert "<td>ann</td>" in log and "<td>anna</td>" in log


def test_an_addendum_that_cannot_be_saved_keeps_its_text_on_screen(
    client: FlaskClient
) -> None:
    encounter_id = save(client)
    response = client.post(f"/nurse/encounters/{encounter_id}/addenda",
                           data={"text": "Rang back\x00 about the stairs"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Rang back" in html and "about the stairs" in html
    assert "Addendum" in html and 'href="#text"' in html
