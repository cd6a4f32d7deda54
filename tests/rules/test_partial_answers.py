"""Partial answers: three-valued logic for a nurse who stops once nothing can change."""

from __future__ import annotations

from rules import assess
from tests.rules.conftest import CALM


def test_an_empty_answer_set_is_undecided_and_every_rule_question_could_raise_it() -> None:
    result = assess({})
    assert result["disposition"] == "self_care"
    assert result["decided"] is False
    assert result["could_raise"][:4] == [
        "chest_symptoms",
        "leg_weakness",
        "bladder_bowel",
        "fainted",
    ]
    assert "osteoporosis" not in result["could_raise"]
    assert "blood_thinner" not in result["could_raise"]


def test_one_emergency_answer_decides_at_once() -> None:
    result = assess({"leg_weakness": True})
    assert result["disposition"] == "emergency"
    assert result["decided"] is True
    assert result["could_raise"] == []


def test_a_doctor_now_answer_is_undecided_while_red_flags_are_unasked() -> None:
    result = assess({"drainage": True})
    assert result["disposition"] == "call_doctor_now"
    assert result["decided"] is False
    assert set(result["could_raise"]) == {
        "chest_symptoms", "leg_weakness", "bladder_bowel", "fainted", "bleeding",
    }  # fmt: skip


def test_doctor_now_is_decided_once_the_red_flags_are_all_no() -> None:
    answers = {
        "chest_symptoms": False, "leg_weakness": False, "bladder_bowel": False,
        "fainted": False, "bleeding": "none", "drainage": True,
    }  # fmt: skip
    result = assess(answers)
    assert result["disposition"] == "call_doctor_now"
    assert result["decided"] is True


def test_high_pain_with_relief_unasked_could_still_mean_doctor_now() -> None:
    answers = {k: v for k, v in CALM.items() if k != "pain_relieved"}
    answers["pain_score"] = 9
    result = assess(answers)
    assert result["decided"] is False
    assert result["could_raise"] == ["pain_relieved"]


def test_relief_answered_before_the_pain_score_leaves_the_pain_score_open() -> None:
    answers = {k: v for k, v in CALM.items() if k != "pain_score"}
    answers["pain_relieved"] = False
    result = assess(answers)
    assert result["decided"] is False
    assert result["could_raise"] == ["pain_score"]


def test_a_missing_day_count_matters_only_when_pain_is_high_and_not_better() -> None:
    answers = {k: v for k, v in CALM.items() if k != "days_since_procedure"}
    assert assess(answers)["decided"] is True
    answers.update(pain_score=6, pain_relieved=True, pain_trend="same")
    result = assess(answers)
    assert result["decided"] is False
    assert result["could_raise"] == ["days_since_procedure"]


def test_advice_is_given_only_when_its_condition_surely_holds() -> None:
    result = assess({"feels_feverish": True})
    ids = [a["id"] for a in result["advice"]]
    assert "take_temperature" not in ids  # the temperature is not known to be unmeasured
    assert "bandage" in ids


def test_pain_relief_answered_yes_first_rules_out_uncontrolled_pain_at_once() -> None:
    answers = {k: v for k, v in CALM.items() if k != "pain_score"}
    answers.update(pain_relieved=True, pain_trend="better", days_since_procedure=5)
    result = assess(answers)
    assert result["decided"] is True
    assert result["could_raise"] == []
