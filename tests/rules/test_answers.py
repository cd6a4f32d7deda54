"""Answers are checked exactly as the policy says: nothing coerced, nothing guessed."""

from __future__ import annotations

import pytest

from rules import AnswerError, assess
from rules.answers import to_celsius
from tests.rules.conftest import CALM, calm


def errors_for(answers) -> dict[str, str]:
    """The per-field errors an invalid answer set gets."""
    with pytest.raises(AnswerError) as caught:
        assess(answers)
    return caught.value.errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pain_score", 11, "must be a whole number from 0 to 10"),
        ("pain_score", -1, "must be a whole number from 0 to 10"),
        ("pain_score", 7.5, "must be a whole number from 0 to 10"),
        ("pain_score", 8.0, "must be a whole number from 0 to 10"),
        ("pain_score", "8", "must be a whole number from 0 to 10"),
        ("pain_score", True, "must be a whole number from 0 to 10"),
        ("pain_score", None, "must be a whole number from 0 to 10"),
        ("days_since_procedure", 366, "must be a whole number from 0 to 365"),
        ("days_since_procedure", -1, "must be a whole number from 0 to 365"),
        ("chest_symptoms", "yes", "must be true (yes) or false (no)"),
        ("chest_symptoms", 1, "must be true (yes) or false (no)"),
        ("chest_symptoms", None, "must be true (yes) or false (no)"),
        ("pain_trend", "Worse", "must be one of: better, same, worse"),
        ("pain_trend", 2, "must be one of: better, same, worse"),
        ("bleeding", "lots", "must be one of: none, spotting, soaking, uncontrolled"),
        ("activity", "", "must be one of: unable, resting, light, normal, strenuous"),
    ],
)
def test_it_rejects_a_wrong_value_naming_the_field(field, value, message) -> None:
    assert errors_for(calm(**{field: value})) == {field: message}


@pytest.mark.parametrize(
    ("temperature", "message"),
    [
        ({"value": 38.5, "unit": "K"}, 'has an unknown unit: use "C" or "F"'),
        ({"value": 38.5, "unit": "c"}, 'has an unknown unit: use "C" or "F"'),
        ({"value": "38.5", "unit": "C"}, "must have a number as its value"),
        ({"value": True, "unit": "C"}, "must have a number as its value"),
        ({"value": 38.5}, 'must be null (not measured) or {"value": number, "unit": "C" or "F"}'),
        (
            {"value": 38.5, "unit": "C", "site": "oral"},
            'must be null (not measured) or {"value": number, "unit": "C" or "F"}',
        ),
        (38.5, 'must be null (not measured) or {"value": number, "unit": "C" or "F"}'),
        ({"value": 33.9, "unit": "C"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ({"value": 43.1, "unit": "C"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ({"value": 110, "unit": "F"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ({"value": 38.5, "unit": "F"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ({"value": float("nan"), "unit": "C"}, "must have a number as its value"),
        ({"value": float("inf"), "unit": "C"}, "must have a number as its value"),
        ({"value": 1e30, "unit": "C"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ({"value": 10**30, "unit": "F"}, "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
    ],
)
def test_it_rejects_a_bad_temperature(temperature, message) -> None:
    assert errors_for(calm(temperature=temperature)) == {"temperature": message}


def test_it_reports_every_bad_field_at_once() -> None:
    answers = calm(pain_score=11, swelling="huge", fainted="no", colour="blue")
    assert set(errors_for(answers)) == {"pain_score", "swelling", "fainted", "colour"}


def test_it_rejects_an_unknown_key() -> None:
    assert errors_for({**CALM, "pain": 3}) == {"pain": "is not a question of this protocol"}


@pytest.mark.parametrize("answers", [[], "pain", 3, None, [CALM]])
def test_it_rejects_answers_that_are_not_an_object(answers) -> None:
    assert list(errors_for(answers)) == ["answers"]


def test_pain_relieved_is_checked_even_when_it_is_ignored() -> None:
    assert errors_for(calm(pain_score=0, pain_relieved="no")) == {
        "pain_relieved": "must be true (yes) or false (no)"
    }


@pytest.mark.parametrize(
    ("value", "unit", "celsius"),
    [
        (100.4, "F", 38.0),
        (100.3, "F", 37.9),
        (100.31, "F", 38.0),  # exactly 37.95 °C: halves round up, towards the urgent answer
        (93.2, "F", 34.0),
        (109.4, "F", 43.0),
        (98.6, "F", 37.0),
        (37.95, "C", 38.0),
        (37.94, "C", 37.9),
        (38, "C", 38.0),
    ],
)
def test_temperatures_are_converted_and_rounded_to_one_decimal(value, unit, celsius) -> None:
    assert to_celsius(value, unit) == celsius


def test_the_edges_of_the_temperature_range_are_valid() -> None:
    for value, unit in ((34.0, "C"), (43.0, "C"), (93.2, "F"), (109.4, "F")):
        assert assess(calm(temperature={"value": value, "unit": unit}))["decided"] is True
