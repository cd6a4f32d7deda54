"""The anonymous check: an answer sent twice is read as the result shown read it, everywhere."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from rules import fill, load_protocol
from tests.checker.check_pages import Page, page_of, press
from tests.checker.samples import CALM_FORM

RED_FLAGS = ("chest_symptoms", "leg_weakness", "fainted", "bladder_bowel")


def _headline(disposition: str) -> str:
    return fill(load_protocol().disposition(disposition).headline, "911")


def _sent_twice(client: FlaskClient, question_id: str, values: list[str]) -> Page:
    """The calm answers posted from "Check your answers", one of them sent twice."""
    form = MultiDict(list(CALM_FORM.items()))
    form.setlist(question_id, values)
    return page_of(client.post("/", data=form))


@pytest.mark.parametrize("question_id", RED_FLAGS)
@pytest.mark.parametrize("values", [["no", "yes"], ["yes", "no"]])
def test_an_emergency_sent_twice_is_carried_as_the_emergency_answer(
    client: FlaskClient, question_id: str, values: list[str],
) -> None:
    result = _sent_twice(client, question_id, values)
    assert result.title == _headline("emergency")
    # The page is the call alone (no code to read to a nurse); the answers it carries, for
    # Back and for a check started again from them, hold the emergency answer.
    assert '<p class="code"' not in result.html
    assert (question_id, "yes") in result.hidden
    assert (question_id, "no") not in result.hidden


@pytest.mark.parametrize("values", [["no", "yes"], ["yes", "no"]])
def test_the_result_carries_the_answer_as_it_was_read(
    client: FlaskClient, values: list[str],
) -> None:
    result = _sent_twice(client, "chest_symptoms", values)
    assert ("chest_symptoms", "yes") in result.hidden
    review = press(client, result, action="review")
    legend = " ".join(fill(load_protocol().by_id["chest_symptoms"].text, "911").split())
    assert f"{legend} Yes Change" in review.text
    spanish = press(client, result, switch_lang="es")
    assert '<html lang="es">' in spanish.html
    assert spanish.step == "result"
    spanish_headline = load_protocol().translations["es"][
        ("disposition", "emergency", "headline")]
    assert spanish.title == fill(spanish_headline, "911")


def test_two_readings_of_a_calm_answer_are_asked_again_and_neither_kept(
    client: FlaskClient,
) -> None:
    page = _sent_twice(client, "pain_trend", ["better", "worse"])
    assert page.status == 422 and "was sent more than once" in page.text
    assert "pain_trend" not in page.checked
