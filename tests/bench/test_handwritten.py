"""The hand-written policy and the rule engine agree on every answer set, valid or not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from bench import handwritten
from tests.bench.strategies import any_answers, complete_answers, partial_answers


def outcome(assess, answers: object, **kwargs) -> tuple[str, object]:
    """The assessment, or the field errors when the answer set is rejected."""
    try:
        return "assessment", assess(answers, **kwargs)
    except rules.AnswerError as error:
        return "errors", error.errors


@settings(max_examples=600, deadline=None)
@given(complete_answers())
def test_it_assesses_complete_answer_sets_like_the_engine(answers: dict) -> None:
    expected = rules.assess(answers)
    assert expected["decided"] is True
    assert handwritten.assess(answers) == expected


@settings(max_examples=1500, deadline=None)
@given(partial_answers())
def test_it_assesses_partial_answer_sets_like_the_engine(answers: dict) -> None:
    assert handwritten.assess(answers) == rules.assess(answers)


@settings(max_examples=1500, deadline=None)
@given(any_answers())
def test_it_accepts_and_rejects_the_same_answer_sets_as_the_engine(answers: dict) -> None:
    assert outcome(handwritten.assess, answers) == outcome(rules.assess, answers)


@settings(max_examples=100, deadline=None)
@given(partial_answers(), st.sampled_from(["911", "112", "999"]))
def test_it_puts_the_configured_emergency_number_in_the_same_places(
    answers: dict, number: str
) -> None:
    mine = handwritten.assess(answers, emergency_number=number)
    assert mine == rules.assess(answers, emergency_number=number)


@pytest.mark.parametrize(
    ("temperature", "disposition"),
    [
        ({"value": 100.4, "unit": "F"}, "call_doctor_now"),
        ({"value": 100.3, "unit": "F"}, "self_care"),
        ({"value": 100.31, "unit": "F"}, "call_doctor_now"),
        ({"value": 37.95, "unit": "C"}, "call_doctor_now"),
        ({"value": 37.94, "unit": "C"}, "self_care"),
        ({"value": 38, "unit": "C"}, "call_doctor_now"),
        (None, "self_care"),
    ],
)
def test_both_round_a_temperature_at_the_fever_line_the_same_way(
    temperature: dict | None, disposition: str
) -> None:
    answers = {"temperature": temperature}
    assert handwritten.assess(answers)["disposition"] == disposition
    assert rules.assess(answers)["disposition"] == disposition


@pytest.mark.parametrize(
    "answers",
    [
        [],
        None,
        "pain_score=3",
        {1: True},
        {"temperature": {"value": 43.05, "unit": "C"}},
        {"temperature": {"value": 109.49, "unit": "F"}},
        {"temperature": {"value": True, "unit": "C"}},
        {"temperature": {"value": "37", "unit": "K"}},
        {"pain_score": 3.0, "fainted": "no", "activity": ["unable"]},
    ],
)
def test_both_reject_the_same_malformed_answers_with_the_same_messages(answers: object) -> None:
    theirs = outcome(rules.assess, answers)
    assert theirs[0] == "errors"
    assert outcome(handwritten.assess, answers) == theirs
