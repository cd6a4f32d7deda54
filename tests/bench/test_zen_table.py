"""The zen-engine decision graph gives the engine's disposition and advice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

import rules
from bench import zen_table
from tests.bench.strategies import complete_answers


@pytest.fixture(scope="module")
def decision():
    """The JDM graph loaded once: loading is not what the tests compare."""
    return zen_table.decision()


@settings(max_examples=400, deadline=None)
@given(answers=complete_answers())
def test_it_gives_the_engines_disposition_and_advice_for_complete_answers(
    decision, answers: dict
) -> None:
    protocol = rules.load_protocol()
    expected = rules.assess(answers)
    result = decision.evaluate(rules.validate_answers(protocol, answers))
    assert zen_table.outcome(result) == (
        expected["disposition"],
        [item["id"] for item in expected["advice"]],
    )


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
