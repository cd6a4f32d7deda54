"""Questions about the patient's history are asked at the first check-in, then carried."""

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from checker.extensions import db
from checker.followup.checkin import history_answers
from checker.followup.models import CheckIn, Enrolment
from rules import load_protocol
from rules.errors import SchemaError
from rules.loader import parse_protocol
from tests.checker.check_pages import press, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse

HISTORY = [q.id for q in load_protocol().history]


def _checkins(app: Flask, enrolment_id: int) -> list[CheckIn]:
    with app.app_context():
        return list(db.session.scalars(select(CheckIn).filter_by(enrolment_id=enrolment_id)
                                       .order_by(CheckIn.id)))


def _check_in(patient: Any, answers: dict[str, str]) -> tuple[set[str], str]:
    """One check-in to its result; every field the patient was shown, and the result's html."""
    review, seen = walk(patient, answers, path="/followup/checkin")
    assert review.step == "review", review.text[:300]
    result = press(patient, review, action="submit")
    assert "Your check-in is saved" in result.text
    return set().union(*(p.visible for p in seen)), review.text


def test_the_served_protocol_marks_the_two_history_questions() -> None:
    assert HISTORY == ["osteoporosis", "blood_thinner"]


def test_history_is_asked_at_the_first_check_in_and_carried_into_the_next(app: Flask) -> None:
    add_nurse(app)
    enrolment_id, code = enrol(app, procedure_date=date.today() - timedelta(days=2))
    patient = app.test_client()
    assert open_followup(patient, code).status_code == 303
    first = {**form_answers("self_care"), "osteoporosis": "yes", "blood_thinner": "yes"}
    shown, _ = _check_in(patient, first)
    assert {"osteoporosis", "blood_thinner"} <= shown
    stored = _checkins(app, enrolment_id)[-1]
    assert stored.answers["osteoporosis"] is True and stored.answers["blood_thinner"] is True

    # The next check-in does not show them, and stores the first answers with its own.
    second = {**form_answers("self_care"), "osteoporosis": "no", "blood_thinner": "no",
              "pain_score": "2"}
    shown, review = _check_in(patient, second)
    assert not shown & {"osteoporosis", "blood_thinner"}
    for question in load_protocol().history:
        assert " ".join(question.text.split()) not in review
    latest = _checkins(app, enrolment_id)[-1]
    assert latest.id != stored.id and latest.pain_score == 2
    assert latest.answers["osteoporosis"] is True and latest.answers["blood_thinner"] is True


def test_the_nurses_page_sees_the_carried_answers_as_unchanged(app: Flask, client: Any) -> None:
    enrolment_id, code = enrol(app, procedure_date=date.today() - timedelta(days=2))
    patient = app.test_client()
    assert open_followup(patient, code).status_code == 303
    _check_in(patient, {**form_answers("self_care"), "osteoporosis": "yes"})
    _check_in(patient, form_answers("self_care"))
    html = client.get(f"/nurse/followup/patients/{enrolment_id}").get_data(as_text=True)
    latest = _checkins(app, enrolment_id)[-1]
    article = html[html.index(f'id="checkin-{latest.id}"'):]
    article = article[:article.index("</article>")]
    assert "No answer changed since the check-in before." in article
    # The console the nurse opens from it is filled in with the carried answer.
    console = client.get(f"/nurse/call?checkin={latest.id}")
    assert console.status_code == 200
    html = console.get_data(as_text=True)
    assert '<input type="radio" name="osteoporosis" id="osteoporosis-yes" value="yes" checked>' \
        in html


def test_only_answers_the_question_takes_are_carried(app: Flask) -> None:
    add_nurse(app)
    enrolment_id, _ = enrol(app)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolment_id)
        assert enrolment is not None
        assert history_answers(enrolment, load_protocol()) == {}  # the stored one has none
        for answers in ({"osteoporosis": "yes", "blood_thinner": None},
                        {"osteoporosis": False, "blood_thinner": True},
                        {"osteoporosis": True, "blood_thinner": False}):
            db.session.add(CheckIn(enrolment_id=enrolment_id, day_count=4, answers=answers,
                                   assessment={}, disposition="self_care", pain_score=None,
                                   protocol_id="p", protocol_version="1.3.0",
                                   protocol_sha256="0" * 64))
            db.session.commit()
        # The first answer of the right kind for each: "yes" as text is not one.
        assert history_answers(enrolment, load_protocol()) == {
            "osteoporosis": False, "blood_thinner": True}


@pytest.mark.parametrize(("line", "message"), [
    ('history = "yes"', "must be true or false"),
])
def test_history_must_be_true_or_false(line: str, message: str) -> None:
    from rules.loader import PROTOCOLS

    source = (PROTOCOLS / "1.3.0.toml").read_text(encoding="utf-8")
    broken = source.replace('id = "osteoporosis"\ngroup = "about_you"\ntype = "yes_no"\n'
                            'history = true', 'id = "osteoporosis"\ngroup = "about_you"\n'
                            f'type = "yes_no"\n{line}', 1)
    assert broken != source
    with pytest.raises(SchemaError, match=message):
        parse_protocol(broken.encode("utf-8"))


def test_the_day_count_cannot_be_history() -> None:
    from rules.loader import PROTOCOLS

    source = (PROTOCOLS / "1.3.0.toml").read_text(encoding="utf-8")
    broken = source.replace("context = true\n", "context = true\nhistory = true\n", 1)
    with pytest.raises(SchemaError, match="a context question is not"):
        parse_protocol(broken.encode("utf-8"))


def test_released_files_before_1_3_mark_no_history() -> None:
    from rules.loader import find_release

    for version in ("1.0.0", "1.1.0", "1.2.0"):
        release = find_release(version)
        assert release is not None and release.history == ()
