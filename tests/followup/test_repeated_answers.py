"""An answer sent twice: the check-in stored, and the worklist, follow what the patient saw."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from checker.answer_form import read_answers
from checker.extensions import db
from checker.followup.models import CheckIn
from rules import assess, fill, load_protocol
from rules.model import TEMPERATURE
from rules.space import domain
from tests.checker.check_pages import Page, page_of, walk
from tests.checker.samples import form_answers
from tests.followup.conftest import enrol, open_followup
from tests.nurse.conftest import add_nurse

DAYS = 2
RED_FLAGS = ("chest_symptoms", "leg_weakness", "fainted", "bladder_bowel")
# Temperature parts and a conflicting value for each, on a calm reading of 36.9 °C.
TEMPERATURE_PARTS = {"temperature_value": "39.4", "temperature_unit": "F",
                     "temperature_not_measured": "1"}


def _disposition_of(page: Page) -> str | None:
    """Which disposition a result page shows, read from its headline; None for any other page."""
    for disposition in load_protocol().dispositions:
        if page.title == fill(disposition.headline, "911"):
            return disposition.id
    return None


def _rank(disposition: str) -> int:
    return load_protocol().rank[disposition]


def _conflicts() -> list[tuple[str, str]]:
    """Every field of the check-in form, with a value that conflicts with the calm one."""
    calm = _calm_form()
    conflicts = []
    for question in load_protocol().questions:
        if question.id == "days_since_procedure":
            continue  # not on the check-in's form: the server gives it
        if question.type == TEMPERATURE:
            conflicts += list(TEMPERATURE_PARTS.items())
            continue
        values = [str(v).lower() if isinstance(v, bool) else str(v) for v, _ in domain(question)]
        values = ["yes" if v == "true" else "no" if v == "false" else v for v in values]
        conflicts.append((question.id, next(v for v in reversed(values)
                                            if v != calm[question.id])))
    return conflicts


def _calm_form() -> dict[str, str]:
    """The calm answers with a Celsius reading, so a conflicting unit is one of two readings."""
    return {**form_answers("self_care"), "temperature_value": "36.9", "temperature_unit": "C"}


def _patient(app: Flask) -> tuple[FlaskClient, str, int]:
    """A patient two days after the procedure, in their own browser, with the year given."""
    enrolment_id, token = enrol(app, patient_name="Twice Tilly",
                                procedure_date=date.today() - timedelta(days=DAYS))
    patient = app.test_client()
    assert open_followup(patient, token, "1941").status_code == 303
    return patient, token, enrolment_id


def _reading(app: Flask, form: MultiDict[str, str]) -> dict[str, Any] | None:
    """What one value per field means, as rules.assess reads it; None when it is refused."""
    with app.test_request_context():
        reading = read_answers(load_protocol(), form)
    if reading.errors:
        return None
    return {**reading.answers, "days_since_procedure": DAYS}


def _stored(app: Flask, enrolment_id: int) -> tuple[int, CheckIn | None]:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(CheckIn)
                                  .filter_by(enrolment_id=enrolment_id))
        latest = db.session.scalar(select(CheckIn).filter_by(enrolment_id=enrolment_id)
                                   .order_by(CheckIn.id.desc()))
        if latest is not None:
            db.session.expunge(latest)
        return count or 0, latest


@pytest.mark.parametrize("first_urgent", [False, True], ids=["calm-first", "urgent-first"])
def test_every_field_sent_twice_stores_the_result_shown_and_never_a_less_urgent_one(
    app: Flask, first_urgent: bool,
) -> None:
    add_nurse(app)
    patient, token, enrolment_id = _patient(app)
    review, _ = walk(patient, _calm_form(), path="/followup/checkin")
    assert review.step == "review", review.text[:300]
    sent = MultiDict([(k, v) for k, v in review.hidden if k != "step"])
    conflicts = _conflicts()
    assert {name for name, _ in conflicts} >= {k for k, _ in review.hidden
                                               if k not in ("step", "lang")}
    for name, other in conflicts:
        calm_value = sent.get(name, "")
        values = [other, calm_value] if first_urgent else [calm_value, other]
        form = sent.copy()
        form.setlist(name, values)
        form.setlist("step", ["review"])
        form.setlist("action", ["submit"])
        readings = []
        for value in values:
            single = sent.copy()
            single.setlist(name, [value])
            readings.append(_reading(app, single))
        worst = min((_rank(assess(r)["disposition"]) for r in readings if r is not None),
                    default=len(load_protocol().dispositions))
        before, _ = _stored(app, enrolment_id)
        page = page_of(patient.post("/followup/checkin", data=form))
        shown = _disposition_of(page)
        count, latest = _stored(app, enrolment_id)
        where = (name, values, shown)
        if shown is None:
            # Asked again, never answered less urgently: only when no reading is an emergency.
            assert page.status == 422 and "was sent more than once" in page.text, where
            assert worst > _rank("emergency"), where
            assert count == before, where
            continue
        assert latest is not None and count in (before, before + 1), where
        assert latest.disposition == shown == latest.assessment["disposition"], where
        assert _rank(shown) <= worst, where
        assert latest.assessment == assess(latest.answers), where


@pytest.mark.parametrize("question_id", RED_FLAGS)
@pytest.mark.parametrize("values", [["no", "yes"], ["yes", "no"]])
def test_an_emergency_answer_sent_twice_is_stored_as_shown_and_alerts_the_worklist(
    app: Flask, client: FlaskClient, question_id: str, values: list[str],
) -> None:
    patient, token, enrolment_id = _patient(app)
    review, _ = walk(patient, _calm_form(), path="/followup/checkin")
    form = MultiDict(review.hidden)
    form.setlist(question_id, values)
    form.setlist("action", ["submit"])
    page = page_of(patient.post("/followup/checkin", data=form))
    assert _disposition_of(page) == "emergency"
    _, stored = _stored(app, enrolment_id)
    assert stored is not None
    assert stored.disposition == "emergency"
    assert stored.answers[question_id] is True
    red_flags = {r.id for r in load_protocol().rules if r.disposition == "emergency"}
    assert [list(r["answers"]) for r in stored.assessment["reasons"]
            if r["rule"] in red_flags] == [[question_id]]
    # The result carries the answer as it was read, so changing answers starts from it.
    assert (question_id, "yes") in page.hidden
    rows = client.get("/nurse/followup").get_data(as_text=True)
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Twice Tilly.*?</tr>", rows, re.S)
    assert row is not None and "Alert:" in row.group(0)
