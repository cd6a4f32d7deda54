"""The compiled engine gives exactly the interpreted engine's answers, errors included."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from rules import AnswerError, assess, load_protocol, released
from rules.compiled import compiled_disposition
from rules.engine import _compiled, assess_interpreted, evaluate, validate_answers
from rules.partial import compiled_decision
from rules.translations import in_language
from rules.verify import Verifier
from tests.bench.strategies import any_answers, complete_answers, partial_answers
from tests.protocol_data import fever_rule


def outcome(function: Any, answers: Any, protocol: Any) -> Any:
    """What an engine gives for some answers: the assessment, or the errors it names."""
    try:
        return function(answers, protocol)
    except AnswerError as error:
        return ("errors", error.errors)


def same(answers: Any, protocol: Any = None) -> None:
    """The compiled and interpreted engines agree on these answers."""
    protocol = protocol or load_protocol()
    assert outcome(assess, answers, protocol) == outcome(assess_interpreted, answers, protocol)


@settings(max_examples=400, deadline=None)
@given(answers=complete_answers())
def test_complete_answer_sets_agree(answers) -> None:
    same(answers)
    assert _compiled(load_protocol(), "911")(answers) is not None  # the compiled path ran


@settings(max_examples=300, deadline=None)
@given(answers=partial_answers())
def test_partial_answer_sets_agree(answers) -> None:
    same(answers)


@settings(max_examples=300, deadline=None)
@given(answers=any_answers())
def test_wrong_answers_get_the_same_errors(answers) -> None:
    same(answers)


@pytest.mark.parametrize("protocol", released(), ids=lambda p: p.version)
def test_every_answer_class_the_verifier_checks_agrees(protocol) -> None:
    verifier = Verifier(protocol)
    checked = 0
    for index, part in enumerate(verifier.parts):
        for combo in part.combos:
            for level in (verifier.quiet, verifier.loud):  # the rest at their mildest, loudest
                answers = verifier.answer_set({index: combo}, lambda i, lv=level: lv[i])
                same(answers, protocol)
            fahrenheit = answers.get("temperature")
            if fahrenheit is not None:
                value = round(fahrenheit["value"] * 9 / 5 + 32, 1)
                same({**answers, "temperature": {"value": value, "unit": "F"}}, protocol)
            checked += 1
    assert checked == sum(len(part.combos) for part in verifier.parts)


def test_the_spanish_wording_compiles_to_the_same_triage() -> None:
    spanish = in_language(load_protocol(), "es")
    for answers in ({}, {"chest_symptoms": True}):
        same(answers, spanish)


@settings(max_examples=300, deadline=None)
@given(answers=complete_answers())
def test_the_compiled_disposition_is_the_engines(answers) -> None:
    protocol = load_protocol()
    values = validate_answers(protocol, answers)
    expected = evaluate(protocol, values)["disposition"].id
    assert compiled_disposition(protocol)(values) == expected


def test_true_is_not_taken_for_one_degree_and_a_list_is_refused() -> None:
    protocol = load_protocol()
    base = assess({"temperature": {"value": fever_rule(protocol)[1], "unit": "C"}}, protocol)
    assert base["disposition"] == "call_doctor_now"
    for bad in (
        {"value": True, "unit": "C"},
        {"value": [38], "unit": "C"},
        {"value": 38.0, "unit": ["C"]},
        {"value": float("nan"), "unit": "C"},
    ):
        with pytest.raises(AnswerError) as error:
            assess({"temperature": bad}, protocol)
        assert "temperature" in error.value.errors


@settings(max_examples=500, deadline=None)
@given(answers=any_answers())
def test_the_compiled_decision_is_the_engines_for_any_answers(answers) -> None:
    protocol = load_protocol()
    decided = compiled_decision(protocol)(answers)
    expected = outcome(assess_interpreted, answers, protocol)
    if isinstance(expected, tuple):  # invalid answers: the engine must name the errors
        assert decided is None
    else:
        assert decided == expected["disposition"]


@settings(max_examples=300, deadline=None)
@given(answers=partial_answers())
def test_partial_answers_are_decided_by_the_compiled_three_valued_path(answers) -> None:
    protocol = load_protocol()
    assert (
        compiled_decision(protocol)(answers) == assess_interpreted(answers, protocol)["disposition"]
    )


def test_switching_protocol_or_number_between_calls_gives_each_its_own_result() -> None:
    old, new = released()[0], released()[-1]
    answers = {
        "chest_symptoms": False,
        "leg_weakness": False,
        "bladder_bowel": False,
        "fainted": False,
        "bleeding": "spotting",
        "numbness_tingling": False,
        "temperature": None,
        "drainage": False,
        "headache": "none",
        "pain_score": 0,
        "activity": "resting",
        "pain_trend": "better",
        "swelling": "none",
        "redness": "none",
        "feels_feverish": False,
        "new_back_pain": False,
        "days_since_procedure": 2,
        "osteoporosis": False,
        "blood_thinner": False,
    }
    for protocol, number in [(new, "911"), (old, "911"), (new, "112"), (new, "911"), (old, "999")]:
        result = assess(answers, protocol, emergency_number=number)
        assert result == assess_interpreted(answers, protocol, emergency_number=number)
        assert result["protocol"] == protocol.identity
