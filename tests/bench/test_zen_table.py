"""The zen-engine decision graph gives the engine's disposition and advice.

The graph writes out protocol 1.2.0, as the hand-written baseline does, so it is held to the
engine running that release, not to the served protocol.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

import rules
from bench import zen_table
from bench.handwritten import PROTOCOL
from tests.bench.strategies import complete_answers
from tests.bench.test_handwritten import classes


@pytest.fixture(scope="module")
def decision():
    """The JDM graph loaded once: loading is not what the tests compare."""
    return zen_table.decision()


def same(decision: Any, answers: dict) -> None:
    """The graph gives the engine's disposition and advice ids for a complete answer set."""
    expected = rules.assess(answers, PROTOCOL)
    result = decision.evaluate(rules.validate_answers(PROTOCOL, answers))
    assert zen_table.outcome(result) == (
        expected["disposition"],
        [item["id"] for item in expected["advice"]],
    ), answers


def test_it_gives_the_engines_disposition_and_advice_for_every_answer_class(decision) -> None:
    for answers in classes():
        same(decision, answers)


@settings(max_examples=150, deadline=None)
@given(answers=complete_answers(protocol=PROTOCOL))
def test_it_gives_the_engines_disposition_and_advice_for_complete_answers(
    decision, answers: dict
) -> None:
    same(decision, answers)


def test_the_engines_loader_path_gives_the_same_result_as_a_decision_handle(decision) -> None:
    answers = {"pain_score": 9, "pain_relieved": False, "temperature": None, "fainted": False}
    by_key = zen_table.engine().evaluate(zen_table.KEY, answers)
    assert zen_table.outcome(by_key) == zen_table.outcome(decision.evaluate(answers))
    assert zen_table.outcome(by_key)[0] == "call_doctor_now"


def test_it_collects_ice_once_when_there_is_both_pain_and_swelling(decision) -> None:
    result = decision.evaluate({"pain_score": 4, "swelling": "stable", "temperature": None})
    assert zen_table.outcome(result)[1].count("ice") == 1


def test_it_names_the_most_urgent_matching_rule(decision) -> None:
    result = decision.evaluate({"headache": "mild", "drainage": True, "fainted": True})
    assert result["result"]["rule"] == "E4"
