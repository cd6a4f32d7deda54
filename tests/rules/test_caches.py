"""Every cache in rules/ is per protocol: two protocols that differ never share a function."""

from __future__ import annotations

import pytest

from rules import AnswerError, assess, validate_answers
from rules.partial import compiled_decision, compiled_partial_decision
from tests.rules.small import small

LOW = {"value": 34.5, "unit": "C"}


def answers(temperature) -> dict:
    """A calm answer set for the small protocol with this temperature."""
    return {"fainted": False, "bleeding": "none", "temperature": temperature, "pain": 0}


def test_34_5_accepted_under_a_minimum_of_34_is_refused_by_a_copy_whose_minimum_is_35() -> None:
    loose, strict = small(minimum="34.0"), small(minimum="35.0")
    for _ in range(2):  # the second time round, every cache is warm
        assert assess(answers(LOW), loose)["disposition"] == "self_care"
        with pytest.raises(AnswerError, match="temperature: must be from 35.0"):
            assess(answers(LOW), strict)
        assert compiled_decision(loose)(answers(LOW)) == "self_care"
        assert compiled_decision(strict)(answers(LOW)) is None
        assert compiled_partial_decision(strict)({"temperature": LOW}) is None
        with pytest.raises(AnswerError):
            validate_answers(strict, answers(LOW))


def test_the_strict_copy_refuses_34_5_even_when_it_is_asked_first() -> None:
    strict, loose = small(minimum="35.0"), small(minimum="34.0")
    with pytest.raises(AnswerError):
        assess(answers(LOW), strict)
    assert assess(answers(LOW), loose)["disposition"] == "self_care"
    with pytest.raises(AnswerError):
        assess(answers(LOW), strict)


def test_a_fahrenheit_reading_remembered_by_one_protocol_is_checked_again_by_another() -> None:
    loose, strict = small(minimum="34.0"), small(minimum="35.0")
    reading = {"value": 94.1, "unit": "F"}  # 34.5 °C
    assert assess(answers(reading), loose)["disposition"] == "self_care"
    with pytest.raises(AnswerError):
        assess(answers(reading), strict)


def test_two_fever_thresholds_alternate_without_sharing_a_decision_or_a_text() -> None:
    usual, higher = small(fever="38.0"), small(fever="38.5")
    fever = answers({"value": 38.2, "unit": "C"})
    for _ in range(2):
        first = assess(fever, usual)
        assert first["disposition"] == "call_doctor_now"
        assert "38.0 °C (100.4 °F)" in first["reasons"][0]["text"]
        assert assess(fever, higher)["disposition"] == "self_care"
        assert compiled_decision(usual)(fever) == "call_doctor_now"
        assert compiled_decision(higher)(fever) == "self_care"
        calls = assess(answers(None), higher)["call_back_if"]
        assert any("38.5 °C (101.3 °F)" in text for text in calls)
        assert not any("38.0" in text for text in calls)
