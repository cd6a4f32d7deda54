"""One stored check-in per submission, however often and however concurrently it is sent."""

import threading
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from checker.extensions import db
from checker.followup.models import CheckIn
from rules import assess
from tests.checker.check_pages import Page, page_of, press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse

AT_ONCE = 40
SAVED = "Your check-in is saved"


@pytest.fixture(autouse=True)
def ann(app: Flask) -> int:
    """The nurse who enrols every patient here."""
    return add_nurse(app)


def _patient(app: Flask) -> tuple[FlaskClient, str, int]:
    """A patient two days after the procedure, opened in their own browser."""
    enrolment_id, code = enrol(app, procedure_date=date.today() - timedelta(days=2))
    patient = app.test_client()
    assert open_followup(patient, code).status_code == 303
    return patient, code, enrolment_id


def _stored(app: Flask, enrolment_id: int) -> list[CheckIn]:
    with app.app_context():
        rows = list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment_id)
                                       .order_by(CheckIn.id)))
        db.session.expunge_all()
        return rows


def _review(patient: FlaskClient, disposition: str = "call_doctor_today") -> Page:
    """Today's check-in started and answered up to "Check your answers"."""
    review, _ = walk(patient, form_answers(disposition), path="/followup/checkin")
    assert review.step == "review" and "submission=" in review.action
    return review


def test_forty_identical_posts_at_the_same_moment_store_one_check_in(app: Flask) -> None:
    patient, _, enrolment_id = _patient(app)
    before = len(_stored(app, enrolment_id))
    review = _review(patient)
    cookie = patient.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    data = {**dict(review.hidden), "action": "submit"}
    start = threading.Barrier(AT_ONCE)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        browser = app.test_client()  # the same browser's cookie, on a connection of its own
        browser.set_cookie(cookie.key, cookie.value)
        start.wait(timeout=30)
        response = browser.post(review.action, data=data)
        answers.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=post) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stored = _stored(app, enrolment_id)
    assert len(stored) == before + 1
    assert len(answers) == AT_ONCE
    assert {status for status, _ in answers} == {200}
    assert all(SAVED in html for _, html in answers)
    assert stored[-1].disposition == "call_doctor_today" == assess(stored[-1].answers)[
        "disposition"]


def test_a_double_tap_and_back_and_send_again_store_one_check_in(app: Flask) -> None:
    patient, _, enrolment_id = _patient(app)
    before = len(_stored(app, enrolment_id))
    review = _review(patient)
    first = press(patient, review, action="submit")
    press(patient, review, action="submit")  # a double tap
    press(patient, review, action="submit")  # Back to "Check your answers", then again
    # "Change my answers" on the result, nothing changed, "Get my result" again.
    again = press(patient, first, action="review")
    press(patient, again, action="submit")
    assert len(_stored(app, enrolment_id)) == before + 1


def test_answers_changed_after_the_result_are_stored_as_the_result_then_shown(
    app: Flask,
) -> None:
    patient, _, enrolment_id = _patient(app)
    before = len(_stored(app, enrolment_id))
    review = _review(patient, "call_doctor_today")
    press(patient, review, action="submit")
    changed = {**dict(review.hidden), "pain_trend": "better", "action": "submit"}
    shown = page_of(patient.post(review.action, data=changed))
    stored = _stored(app, enrolment_id)
    assert len(stored) == before + 2
    assert stored[-1].answers["pain_trend"] == "better"
    assert stored[-1].disposition == assess(stored[-1].answers)["disposition"]
    assert stored[-2].answers["pain_trend"] == "worse"
    assert SAVED in shown.text


def test_each_check_in_started_gets_its_own_submission(app: Flask) -> None:
    patient, _, enrolment_id = _patient(app)
    first, second = _review(patient), _review(patient)
    assert first.action != second.action
    press(patient, first, action="submit")
    press(patient, second, action="submit")
    with app.app_context():
        keys = db.session.scalar(select(func.count(CheckIn.submission_id.distinct()))
                                 .filter_by(enrolment_id=enrolment_id))
    assert keys == 2


def test_a_check_in_without_a_submission_id_sent_twice_is_stored_once(app: Flask) -> None:
    patient, _, enrolment_id = _patient(app)
    before = len(_stored(app, enrolment_id))
    review = _review(patient)
    data = {**dict(review.hidden), "action": "submit"}
    for _ in range(2):  # a page from before submission ids posts to the bare address
        assert SAVED in page_of(patient.post("/followup/checkin", data=data)).text
    assert len(_stored(app, enrolment_id)) == before + 1
