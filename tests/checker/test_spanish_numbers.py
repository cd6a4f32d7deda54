"""Numbers on the patient's pages in the page's language: 38,5 °C in Spanish, 38.5 °C in English."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from rules import load_protocol
from tests.checker.check_pages import press, start, walk
from tests.checker.samples import form_answers, make_app
from tests.checker.test_spanish_pages import SPANISH

# The emergency step is answered before going on: "no" to each of its questions.
NO_RED_FLAGS = {q.id: "no" for q in load_protocol().questions_in(load_protocol().red_flags.id)}



@pytest.fixture
def spanish() -> FlaskClient:
    client = make_app().test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    return client


@pytest.mark.parametrize("typed", ["38.5", "38,5"])
def test_did_you_mean_writes_the_reading_with_a_decimal_comma_in_spanish(
    spanish: FlaskClient, typed: str,
) -> None:
    second = press(spanish, start(spanish), NO_RED_FLAGS, action="next")
    page = press(spanish, second, {**form_answers("self_care"), "temperature_value": typed,
                                   "temperature_unit": "F"}, action="next")
    assert page.status == 422
    assert "¿Quiso decir 38,5 °C?" in page.text
    assert "Sí, 38,5 °C" in page.text
    assert "38.5 °" not in page.text
    assert page.typed["temperature_value"] == typed  # the box keeps what was typed


@pytest.mark.parametrize("typed", ["38.6", "38,6"])
def test_check_your_answers_writes_the_temperature_with_a_decimal_comma_in_spanish(
    spanish: FlaskClient, typed: str,
) -> None:
    review, _ = walk(spanish, {**form_answers("self_care"), "temperature_value": typed,
                               "temperature_unit": "C"})
    assert review.step == "review"
    assert "38,6 °C" in review.text and "38.6" not in review.text


def test_check_your_answers_writes_the_temperature_with_a_decimal_point_in_english() -> None:
    english = make_app().test_client()
    review, _ = walk(english, {**form_answers("self_care"), "temperature_value": "100,40",
                               "temperature_unit": "F"})
    assert review.step == "review"
    assert "100.40 °F" in review.text and "100,4" not in review.text


def test_a_whole_number_reading_stays_whole(spanish: FlaskClient) -> None:
    review, _ = walk(spanish, {**form_answers("self_care"), "temperature_value": "99",
                               "temperature_unit": "F"})
    assert review.step == "review" and "99 °F" in review.text
