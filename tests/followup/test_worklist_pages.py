"""The worklist in pages: ordered in the database, a fixed number of statements a page, each
page audited alone, and a refresh that sends nothing when nothing changed."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from checker.audit import AuditEvent
from checker.clock import utcnow
from checker.extensions import db
from checker.followup import desk
from checker.followup.models import CheckIn, Enrolment, Review, Waiting, token_hash
from checker.followup.retention import purge_ended
from checker.followup.worklist import Place
from checker.nurse.models import Nurse
from tests.followup.conftest import enrol
from tests.followup.test_worklist import CALM, FEVER, SERVED, add_checkin
from tests.nurse.test_search_scale import statements

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _names(html: str) -> list[str]:
    """The patients' names in the rows, top to bottom."""
    return re.findall(r'/patients/\d+">([^<]+)</a>', html)


def _link(html: str, rel: str) -> str | None:
    """The address of the Next or Previous page, if the page has one."""
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _many(app: Flask, count: int, start: int = 0) -> list[int]:
    """`count` followed patients, each with a calm check-in waiting for review."""
    with app.app_context():
        nurse = db.session.scalars(select(Nurse).filter_by(username="ann")).one()
        rows = [{"token_hash": token_hash(f"bulk-{start + n}"), "nurse_id": nurse.id,
                 "nurse_name": "ann", "patient_name": f"Bulk {start + n:04d}",
                 "date_of_birth": datetime(1941, 5, 11).date(), "record_number": f"B-{n}",
                 "procedure_type": "kyphoplasty", "procedure_date": utcnow().date(),
                 "phone": "555 0100", "email": "", "language": "en", "follow_days": 28,
                 "consent_note": "Agreed.", "created_at": utcnow() - timedelta(hours=2)}
                for n in range(count)]
        db.session.execute(insert(Enrolment), rows)
        ids = list(db.session.scalars(select(Enrolment.id).where(
            Enrolment.patient_name.like("Bulk %")).order_by(Enrolment.id)))[start:]
        db.session.execute(insert(CheckIn), [
            {"enrolment_id": e, "day_count": 1, "answers": CALM, "assessment": {},
             "disposition": "self_care", "pain_score": 2,
             "submitted_at": utcnow() - timedelta(minutes=n % 90),
             "protocol_id": SERVED.id, "protocol_version": SERVED.version,
             "protocol_sha256": SERVED.sha256} for n, e in enumerate(ids)])
        db.session.commit()
        return ids


def test_a_page_runs_the_same_statements_for_10_patients_as_for_200(
        app: Flask, client: FlaskClient) -> None:
    client.get("/nurse/followup")  # the first request's one-off reads (the protocol, ...)
    runs = []
    for total in (10, 200):
        _many(app, total - (10 if runs else 0), start=10 if runs else 0)
        with statements(app) as first:
            html = client.get("/nurse/followup").get_data(as_text=True)
        assert len(_names(html)) == min(total, desk.PAGE_SIZE)
        with statements(app) as rows:
            client.get("/nurse/followup?part=rows")
        runs.append((len(first), len(rows)))
    # 10 patients fill the page from all three groups (to review, missed, the rest), 200 from
    # the first alone: the count never grows with the patients.
    assert runs[1][0] <= runs[0][0] and runs[1][1] <= runs[0][1], runs
    # The nurse, the mark, a statement for each group read, the overdue count, the audit
    # chain's lock and last link, the audit row (and on PostgreSQL the query's settings).
    assert runs[0][0] <= 15, runs
    nxt = _link(html, "next")
    assert nxt is not None
    with statements(app) as second:
        assert len(_names(client.get(nxt).get_data(as_text=True))) == desk.PAGE_SIZE
    assert len(second) == runs[1][0]


def _expected_world(app: Flask) -> list[str]:
    """Patients in every state the order knows, and the order they must come in."""
    def patient(name: str, hours_ago: float, *checkins: tuple[str, float]) -> None:
        enrolment_id, _ = enrol(app, patient_name=name, procedure_date=NOW.date()
                                - timedelta(days=3), created_at=NOW - timedelta(hours=hours_ago))
        for disposition, waited in checkins:
            add_checkin(app, enrolment_id, disposition, CALM if disposition in (
                "self_care", "call_doctor_today") else FEVER, hours_ago=waited, at=NOW)

    patient("Zed Emergency", 80, ("emergency", 2))
    patient("Amy Emergency", 80, ("emergency", 0.5), ("self_care", 9))
    patient("Nia Overdue", 80, ("call_doctor_now", 3))
    patient("Bo Now", 80, ("call_doctor_now", 0.5))
    # A fresh urgent result, and an older alert overdue: among equals, overdue first.
    patient("Cal Now Late", 80, ("call_doctor_now", 0.2), ("call_doctor_now", 2))
    for n, waited in enumerate((5, 4, 3)):
        patient(f"Today {n}", 80, ("call_doctor_today", waited))
    patient("Self Sam", 80, ("self_care", 6))
    patient("Missed Max", 80)
    patient("Missed Abe", 60)
    for name in ("Rest Dora", "rest Cleo", "Rest Eli", "Rest Ann"):
        patient(name, 1)
    return ["Zed Emergency", "Amy Emergency", "Nia Overdue", "Cal Now Late", "Bo Now",
            "Today 0", "Today 1", "Today 2", "Self Sam", "Missed Abe", "Missed Max",
            "Rest Ann", "rest Cleo", "Rest Dora", "Rest Eli"]


def test_paging_walks_every_patient_once_in_order_and_back(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _expected_world(app)
    app.config.update(CLINIC_TIMEZONE="UTC", MONITORING_HOURS="", REVIEW_OVERDUE_MINUTES=60)
    monkeypatch.setattr(desk, "utcnow", lambda: NOW)
    monkeypatch.setattr(desk, "PAGE_SIZE", 4)
    pages: list[list[str]] = []
    address: str | None = "/nurse/followup"
    while address is not None:
        html = client.get(address).get_data(as_text=True)
        pages.append(_names(html))
        assert (_link(html, "prev") is None) == (len(pages) == 1)
        address = _link(html, "next")
    assert [name for page in pages for name in page] == expected
    assert [len(page) for page in pages] == [4, 4, 4, 3]
    back: list[list[str]] = []
    address = _link(html, "prev")
    while address is not None:
        html = client.get(address).get_data(as_text=True)
        back.append(_names(html))
        assert _link(html, "next") is not None
        address = _link(html, "prev")
    assert back == pages[-2::-1]
    # Zed, Nia and Cal, counted over the whole list though none is on this page.
    assert "3 patients with an overdue alert." in html


def test_a_page_past_the_end_says_so_and_a_bad_place_gives_the_first_page(
        app: Flask, client: FlaskClient) -> None:
    ids = _many(app, 3)
    last = client.get("/nurse/followup").get_data(as_text=True)
    assert len(_names(last)) == 3 and _link(last, "next") is None
    beyond = Place(9, 0, 1, 0, ids[-1])
    html = client.get(f"/nurse/followup?after={beyond}").get_data(as_text=True)
    assert _names(html) == [] and "No more patients" in html
    assert _names(client.get("/nurse/followup?after=1.2;drop").get_data(as_text=True)) == \
        _names(last)


def test_the_audit_row_names_only_the_patients_on_the_page(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk, "PAGE_SIZE", 5)
    ids = _many(app, 7)
    first = client.get("/nurse/followup").get_data(as_text=True)
    second = client.get(_link(first, "next") or "").get_data(as_text=True)
    with app.app_context():
        shown = [e.shown_ids for e in db.session.scalars(
            select(AuditEvent).filter_by(action="followup-worklist").order_by(AuditEvent.id))]
        by_name = dict(db.session.execute(select(Enrolment.patient_name, Enrolment.id)).all())
    assert shown == [[by_name[n] for n in _names(first)], [by_name[n] for n in _names(second)]]
    assert sorted(shown[0] + shown[1]) == sorted(ids) and len(shown[0]) == 5


def test_the_refresh_sends_nothing_until_something_changed(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk, "utcnow", lambda: NOW)
    enrolment_id = _many(app, 2)[0]
    rows = client.get("/nurse/followup?part=rows").get_data(as_text=True)
    mark = re.search(r'data-mark="([^"]+)"', rows)
    assert mark is not None
    with app.app_context():
        audited = len(list(db.session.scalars(select(AuditEvent))))
    same = client.get(f"/nurse/followup?part=rows&since={mark.group(1)}")
    assert same.status_code == 204 and same.get_data() == b""
    with app.app_context():
        assert len(list(db.session.scalars(select(AuditEvent)))) == audited  # nothing shown
    add_checkin(app, enrolment_id, "emergency", FEVER, hours_ago=0.1, at=NOW)
    changed = client.get(f"/nurse/followup?part=rows&since={mark.group(1)}")
    assert changed.status_code == 200 and "EMERGENCY" in changed.get_data(as_text=True).upper()
    monkeypatch.setattr(desk, "utcnow", lambda: NOW + timedelta(minutes=1))
    fresh = re.search(r'data-mark="([^"]+)"', changed.get_data(as_text=True))
    assert fresh is not None
    later = client.get(f"/nurse/followup?part=rows&since={fresh.group(1)}")
    assert later.status_code == 200  # a minute on, the waits read differently


def _waiting_and_unreviewed(app: Flask) -> tuple[set[int], set[int]]:
    """The check-ins the database keeps as waiting, and those with no review, worked out."""
    with app.app_context():
        waiting = set(db.session.scalars(select(Waiting.checkin_id)))
        reviewed = select(Review.checkin_id)
        unreviewed = set(db.session.scalars(select(CheckIn.id).where(CheckIn.id.not_in(reviewed))))
        return waiting, unreviewed


def test_the_waiting_check_ins_are_exactly_the_unreviewed_ones_through_reviews_and_a_purge(
        app: Flask, client: FlaskClient) -> None:
    kept, _ = enrol(app, procedure_date=utcnow().date() - timedelta(days=3))
    old, _ = enrol(app, patient_name="Old Patient", procedure_date=date(2020, 1, 1),
                   created_at=datetime(2020, 1, 1, tzinfo=UTC))
    ids = [add_checkin(app, kept, "self_care", CALM, hours) for hours in (5, 4)]
    ids.append(add_checkin(app, kept, "call_doctor_now", FEVER, 3))
    stale = add_checkin(app, old, "self_care", CALM, 0, at=datetime(2020, 1, 20, tzinfo=UTC))
    waiting, unreviewed = _waiting_and_unreviewed(app)
    assert waiting == unreviewed == {*ids, stale}
    # A review takes its check-in off, and only a review does.
    done = client.post(f"/nurse/followup/checkins/{ids[2]}/review", data={"note": "Rang her."})
    assert done.status_code == 303
    waiting, unreviewed = _waiting_and_unreviewed(app)
    assert waiting == unreviewed == {ids[0], ids[1], stale}
    # The retention purge removes the old follow-up's check-ins, and their waiting rows go too.
    with app.app_context():
        assert purge_ended(db.session, 365) == [old]
        db.session.commit()
    waiting, unreviewed = _waiting_and_unreviewed(app)
    assert waiting == unreviewed == {ids[0], ids[1]}
    html = client.get("/nurse/followup").get_data(as_text=True)
    assert "Old Patient" not in html and "Harriet Quimby" in html
