"""Wrong years are counted per code across addresses and instances; a hold is calm and audited."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from checker.audit import AuditEvent
from checker.extensions import db
from checker.followup.models import new_code
from checker.followup.patient import HOLD_AUTHOR, OPENED
from tests.followup.conftest import BIRTH_YEAR, enrol, open_followup
from tests.nurse.conftest import add_nurse, make_app
from tests.nurse.test_redis import dispose, redis_server, redis_url  # noqa: F401  (fixtures)

ADDRESSES = [f"203.0.113.{n}" for n in range(1, 21)]


@pytest.fixture(autouse=True)
def ann(app: Flask) -> int:
    """The nurse who enrols every patient here."""
    return add_nurse(app)


def _running(app: Flask) -> tuple[int, str]:
    """A follow-up running now: its enrolment id and code."""
    return enrol(app, procedure_date=date.today() - timedelta(days=2))


def _try(app: Flask, code: str, year: int | str, address: str) -> tuple[int, str]:
    """One try from a browser of its own at this address: the status and the page."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    response = open_followup(browser, code, str(year))
    with browser.session_transaction() as session:
        assert (response.status_code == 303) == (OPENED in session)
    return response.status_code, response.get_data(as_text=True)


def _holds(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).filter_by(action="followup-hold")))
        db.session.expunge_all()
        return events


def test_every_year_from_twenty_addresses_is_held_before_the_right_year_is_tried(
    app: Flask,
) -> None:
    enrolment_id, code = _running(app)
    years = list(range(1900, 2000))  # 1941 is the 42nd
    statuses = [_try(app, code, year, ADDRESSES[n % len(ADDRESSES)])[0]
                for n, year in enumerate(years)]
    assert statuses[:5] == [403] * 5
    assert set(statuses[5:]) == {429}
    assert statuses[years.index(int(BIRTH_YEAR))] == 429
    holds = _holds(app)
    assert [(e.shown_ids, e.nurse_name) for e in holds] == [([enrolment_id], HOLD_AUTHOR)]


def test_the_hold_page_is_calm_says_when_to_try_again_and_gives_the_clinics_number(
    app: Flask,
) -> None:
    app.config.update(CLINIC_PHONE="555 0199", CLINIC_NAME="Spine Clinic")
    _, code = _running(app)
    for year in range(1950, 1955):
        _try(app, code, year, ADDRESSES[0])
    browser = app.test_client()
    response = open_followup(browser, code)
    html = response.get_data(as_text=True)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 800
    # "after 14:07" the same day, or "on Tuesday, December 8, 2026 after 00:07" past midnight.
    assert "Please wait a little" in html
    assert re.search(r"You can try again (on [^<]+ )?after ", html), html
    assert "call Spine Clinic:" in html and 'href="tel:5550199"' in html
    assert "429" not in html and "error-summary" not in html and "Too many" not in html
    assert 'href="tel:911"' in html  # the emergency line is still on the page


def test_a_hold_begun_by_the_fifth_wrong_year_is_audited_once_without_what_was_typed(
    app: Flask,
) -> None:
    enrolment_id, code = _running(app)
    for year in range(1950, 1955):
        assert _try(app, code, year, ADDRESSES[0])[0] == 403
    assert len(_holds(app)) == 1  # nobody tried again, and still the hold is recorded
    for address in ADDRESSES[:3]:
        assert _try(app, code, BIRTH_YEAR, address)[0] == 429
    holds = _holds(app)
    assert len(holds) == 1 and holds[0].shown_ids == [enrolment_id]
    recorded = " ".join(str(getattr(holds[0], column.key))
                        for column in AuditEvent.__table__.columns)
    assert code not in recorded and "195" not in recorded and BIRTH_YEAR not in recorded


def test_a_code_that_opens_nothing_is_held_the_same_way(app: Flask) -> None:
    enrol(app, procedure_date=date.today() - timedelta(days=2))
    unknown = new_code()
    statuses = [_try(app, unknown, 1941, address)[0] for address in ADDRESSES[:7]]
    assert statuses == [403] * 5 + [429] * 2
    assert _holds(app) == []


def test_other_codes_and_other_patients_are_not_held_by_one_codes_hold(app: Flask) -> None:
    _, held = _running(app)
    _, other = enrol(app, patient_name="Bessie Coleman",
                     procedure_date=date.today() - timedelta(days=2))
    for year in range(1950, 1956):
        _try(app, held, year, ADDRESSES[0])
    assert _try(app, other, BIRTH_YEAR, ADDRESSES[1])[0] == 303


def test_one_address_trying_many_codes_is_slowed_too(app: Flask) -> None:
    statuses = [_try(app, new_code(), 1941, ADDRESSES[0])[0] for _ in range(11)]
    assert statuses == [403] * 10 + [429]


@pytest.fixture
def shared(app: Flask, redis_url: str) -> Iterator[tuple[Flask, Flask]]:  # noqa: F811
    """Two instances on the test's database and one Redis."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = make_app(url, REDIS_URL=redis_url), make_app(url, REDIS_URL=redis_url)
    yield first, second
    dispose(first, second)


def test_a_second_instance_sharing_redis_sees_the_same_hold(
    app: Flask, shared: tuple[Flask, Flask]
) -> None:
    first, second = shared
    enrolment_id, code = _running(app)
    for year in range(1950, 1955):
        assert _try(first, code, year, ADDRESSES[0])[0] == 403
    assert _try(second, code, BIRTH_YEAR, ADDRESSES[1])[0] == 429
    third = make_app(app.config["SQLALCHEMY_DATABASE_URI"],
                     REDIS_URL=first.config["REDIS_URL"])
    assert _try(third, code, BIRTH_YEAR, ADDRESSES[2])[0] == 429
    dispose(third)
    assert [e.shown_ids for e in _holds(app)] == [[enrolment_id]]
