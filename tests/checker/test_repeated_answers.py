"""The anonymous check: an answer sent twice is read as the result shown read it, everywhere."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from rules import fill, load_protocol
from rules.shortcode import decode
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


def _short_code(page: Page) -> str:
    found = re.search(r'<p class="code" lang="en">([^<]+)</p>', page.html)
    assert found, "the result has no short code"
    return found.group(1)


@pytest.mark.parametrize("question_id", RED_FLAGS)
@pytest.mark.parametrize("values", [["no", "yes"], ["yes", "no"]])
def test_the_short_code_of_an_emergency_sent_twice_holds_the_emergency_answer(
    client: FlaskClient, question_id: str, values: list[str],
) -> None:
    result = _sent_twice(client, question_id, values)
    assert result.title == _headline("emergency")
    _, answers = decode(_short_code(result))
    assert answers[question_id] is True  # a nurse typing the code hears of the emergency too


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
