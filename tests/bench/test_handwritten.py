"""The hand-written policy and the rule engine agree on every answer set, valid or not.

`bench/handwritten.py` writes out one released protocol, 1.2.0, by hand, so it is held to the
engine running that release (`handwritten.PROTOCOL`), not to the served protocol: a new
protocol version changes neither side of these tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from bench import handwritten
from rules.verify import Verifier
from tests.bench.strategies import any_answers, complete_answers, partial_answers

PROTOCOL = handwritten.PROTOCOL
ORDER = [q.id for q in PROTOCOL.questions]


def engine(answers: object, **kwargs: Any) -> dict[str, Any]:
    """The engine's assessment under the release the hand-written policy implements."""
    return rules.assess(answers, PROTOCOL, **kwargs)


def outcome(assess, answers: object, **kwargs) -> tuple[str, object]:
    """The assessment, or the field errors when the answer set is rejected."""
    try:
        return "assessment", assess(answers, **kwargs)
    except rules.AnswerError as error:
        return "errors", error.errors


def classes() -> list[dict[str, Any]]:
    """One complete answer set per class the verifier checks, the rest mildest and loudest."""
    verifier = Verifier(PROTOCOL)
    sets = []
    for index, part in enumerate(verifier.parts):
        for combo in part.combos:
            for level in (verifier.quiet, verifier.loud):
                sets.append(verifier.answer_set({index: combo}, lambda i, lv=level: lv[i]))
    return sets


def test_it_implements_the_release_it_names() -> None:
    assert PROTOCOL.version == handwritten.VERSION == "1.2.0"
    assert handwritten.assess({})["protocol"] == PROTOCOL.identity


def test_it_assesses_every_answer_class_and_each_of_its_first_answers_like_the_engine() -> None:
    checked = 0
    for answers in classes():
        for asked in range(len(ORDER) + 1):  # a call stopped after the first questions
            partial = {key: answers[key] for key in ORDER[:asked] if key in answers}
            assert handwritten.assess(partial) == engine(partial), partial
            checked += 1
    assert checked == 156 * (len(ORDER) + 1)  # every class of 1.2.0, every stopping point


@settings(max_examples=200, deadline=None)
@given(complete_answers(protocol=PROTOCOL))
def test_it_assesses_complete_answer_sets_like_the_engine(answers: dict) -> None:
    expected = engine(answers)
    assert expected["decided"] is True
    assert handwritten.assess(answers) == expected


@settings(max_examples=500, deadline=None)
@given(partial_answers(protocol=PROTOCOL))
def test_it_assesses_partial_answer_sets_like_the_engine(answers: dict) -> None:
    assert handwritten.assess(answers) == engine(answers)


@settings(max_examples=1500, deadline=None)
@given(any_answers(protocol=PROTOCOL))
def test_it_accepts_and_rejects_the_same_answer_sets_as_the_engine(answers: dict) -> None:
    assert outcome(handwritten.assess, answers) == outcome(engine, answers)


@settings(max_examples=100, deadline=None)
@given(partial_answers(protocol=PROTOCOL), st.sampled_from(["911", "112", "999"]))
def test_it_puts_the_configured_emergency_number_in_the_same_places(
    answers: dict, number: str
) -> None:
    mine = handwritten.assess(answers, emergency_number=number)
    assert mine == engine(answers, emergency_number=number)


def test_the_minimal_if_else_decides_every_answer_class_like_the_engine() -> None:
    for answers in classes():
        values = rules.validate_answers(PROTOCOL, answers)
        assert handwritten.decide(values) == engine(answers)["disposition"], answers


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
    assert engine(answers)["disposition"] == disposition


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
    theirs = outcome(engine, answers)
    assert theirs[0] == "errors"
    assert outcome(handwritten.assess, answers) == theirs
