"""The engine gives the policy's disposition, reasons and advice."""

from __future__ import annotations

import hashlib

import pytest

from rules import assess
from rules.loader import PROTOCOLS
from tests.protocol_data import own_protocol
from tests.rules.conftest import CALM, calm, shipped_path

# Each rule of the policy, with the one change to the calm answers that makes it match.
RULE_CASES = [
    ("E1", "emergency", {"chest_symptoms": True}),
    ("E2", "emergency", {"leg_weakness": True}),
    ("E3", "emergency", {"bladder_bowel": True}),
    ("E4", "emergency", {"fainted": True}),
    ("E5", "emergency", {"bleeding": "uncontrolled"}),
    ("N1", "call_doctor_now", {"numbness_tingling": True}),
    ("N2", "call_doctor_now", {"temperature": {"value": 38.0, "unit": "C"}}),
    ("N3", "call_doctor_now", {"drainage": True}),
    ("N4", "call_doctor_now", {"bleeding": "soaking"}),
    ("N5", "call_doctor_now", {"headache": "severe"}),
    ("N6", "call_doctor_now", {"pain_score": 8, "pain_relieved": False}),
    ("N7", "call_doctor_now", {"activity": "unable"}),
    ("T1", "call_doctor_today", {"pain_trend": "worse"}),
    ("T2", "call_doctor_today", {"swelling": "increasing"}),
    ("T3", "call_doctor_today", {"redness": "spreading"}),
    ("T4", "call_doctor_today", {"feels_feverish": True}),
    ("T5", "call_doctor_today", {"headache": "mild"}),
    ("T6", "call_doctor_today", {"new_back_pain": True}),
    (
        "T7",
        "call_doctor_today",
        {"days_since_procedure": 3, "pain_score": 5, "pain_trend": "same", "pain_relieved": True},
    ),
]


def test_calm_answers_give_self_care_with_no_reasons() -> None:
    result = assess(CALM)
    assert result["disposition"] == "self_care"
    assert result["decided"] is True
    assert result["reasons"] == []
    assert result["could_raise"] == []


@pytest.mark.parametrize(("rule", "disposition", "change"), RULE_CASES)
def test_each_rule_sets_its_disposition_and_explains_itself(rule, disposition, change) -> None:
    result = assess(calm(**change))
    assert result["disposition"] == disposition
    assert [r["rule"] for r in result["reasons"]] == [rule]
    reason = result["reasons"][0]
    assert reason["text"]
    assert reason["answers"] == {k: v for k, v in change.items() if k in reason["answers"]}
    assert set(reason["answers"]) <= set(change)
    assert reason["answers"]


def test_the_cases_cover_every_rule_of_the_policy(protocol) -> None:
    # The policy's rules as the tests' own protocol holds them; a rule a later version adds is
    # proved live by verify (no dead rule) without a case here.
    policy = {r.id for r in own_protocol().rules}
    assert {case[0] for case in RULE_CASES} == policy
    assert policy <= {r.id for r in protocol.rules}


def test_reasons_list_every_matching_rule_most_urgent_first() -> None:
    result = assess(calm(pain_trend="worse", drainage=True, fainted=True, headache="mild"))
    assert [r["rule"] for r in result["reasons"]] == ["E4", "N3", "T1", "T5"]
    assert result["disposition"] == "emergency"


def test_n6_explains_with_both_answers_that_triggered_it() -> None:
    result = assess(calm(pain_score=9, pain_relieved=False))
    assert result["reasons"][0]["answers"] == {"pain_score": 9, "pain_relieved": False}


@pytest.mark.parametrize(
    ("temperature", "disposition"),
    [
        ({"value": 38.0, "unit": "C"}, "call_doctor_now"),
        ({"value": 37.9, "unit": "C"}, "self_care"),
        ({"value": 100.4, "unit": "F"}, "call_doctor_now"),
        ({"value": 100.3, "unit": "F"}, "self_care"),
        ({"value": 38, "unit": "C"}, "call_doctor_now"),
        ({"value": 43, "unit": "C"}, "call_doctor_now"),
        (None, "self_care"),
    ],
)
def test_the_fever_threshold_is_38_0_celsius_or_100_4_fahrenheit(temperature, disposition) -> None:
    assert assess(calm(temperature=temperature))["disposition"] == disposition


def test_a_fahrenheit_reason_keeps_the_answer_as_given() -> None:
    result = assess(calm(temperature={"value": 101.3, "unit": "F"}))
    assert result["reasons"][0]["answers"] == {"temperature": {"value": 101.3, "unit": "F"}}


@pytest.mark.parametrize(
    ("pain_score", "relieved", "disposition"),
    [
        (8, False, "call_doctor_now"),
        (7, False, "self_care"),
        (10, False, "call_doctor_now"),
        (8, True, "self_care"),
    ],
)
def test_uncontrolled_pain_starts_at_eight(pain_score, relieved, disposition) -> None:
    answers = calm(pain_score=pain_score, pain_relieved=relieved)
    assert assess(answers)["disposition"] == disposition


@pytest.mark.parametrize(
    ("days", "pain_score", "trend", "disposition"),
    [
        (3, 5, "same", "call_doctor_today"),
        (2, 5, "same", "self_care"),
        (3, 4, "same", "self_care"),
        (3, 5, "better", "self_care"),
        (365, 10, "same", "call_doctor_today"),
        (0, 9, "same", "self_care"),
    ],
)
def test_pain_that_lasts_from_day_three_needs_a_call(days, pain_score, trend, disposition) -> None:
    answers = calm(days_since_procedure=days, pain_score=pain_score, pain_trend=trend)
    answers["pain_relieved"] = True
    assert assess(answers)["disposition"] == disposition


def test_pain_relieved_is_ignored_when_there_is_no_pain() -> None:
    assert assess(calm(pain_score=0, pain_relieved=False))["disposition"] == "self_care"
    assert assess(calm(pain_score=0))["decided"] is True


def test_an_emergency_shows_only_the_call_advice_and_no_call_back_list() -> None:
    result = assess(calm(chest_symptoms=True, pain_score=3, osteoporosis=True))
    assert [a["id"] for a in result["advice"]] == ["call_911"]
    assert result["call_back_if"] == []


def test_a_configured_emergency_number_replaces_911_in_every_text() -> None:
    result = assess(calm(fainted=True), emergency_number="112")
    assert "112" in result["advice"][0]["text"]
    texts = [a["text"] for a in result["advice"]] + [r["text"] for r in result["reasons"]]
    assert not any("911" in text for text in texts)
    calm_result = assess(CALM, emergency_number="112")
    assert any("112" in text for text in calm_result["call_back_if"])
    assert not any("911" in text for text in calm_result["call_back_if"])


def test_every_result_below_emergency_lists_when_to_call_back(protocol) -> None:
    for change in ({}, {"pain_trend": "worse"}, {"drainage": True}):
        result = assess(calm(**change))
        assert len(result["call_back_if"]) == len(protocol.rules)
        assert result["call_back_if"][0].startswith("Call 911 now if")


def advice_ids(**changes) -> list[str]:
    """The advice ids given for the calm answers with some changed."""
    return [a["id"] for a in assess(calm(**changes))["advice"]]


@pytest.mark.parametrize(
    ("advice", "present", "absent"),
    [
        ("rest_today", {"days_since_procedure": 0}, {"days_since_procedure": 1}),
        ("gradual_activity", {"days_since_procedure": 1}, {"days_since_procedure": 0}),
        ("move_around", {"activity": "resting"}, {"activity": "light"}),
        (
            "move_around",
            {"activity": "resting"},
            {"activity": "resting", "days_since_procedure": 0},
        ),
        ("soreness_normal", {"pain_score": 1, "pain_relieved": True}, {"pain_score": 0}),
        (
            "soreness_normal",
            {"pain_score": 1, "pain_relieved": True},
            {"pain_score": 1, "pain_relieved": True, "pain_trend": "worse"},
        ),
        ("ice", {"pain_score": 1, "pain_relieved": True}, {"pain_score": 0}),
        ("ice", {"swelling": "stable"}, {"swelling": "none"}),
        ("nsaid", {"pain_score": 2, "pain_relieved": True}, {"pain_score": 0}),
        (
            "nsaid",
            {"pain_score": 2, "pain_relieved": True},
            {"pain_score": 2, "pain_relieved": True, "blood_thinner": True},
        ),
        (
            "nsaid_caution",
            {"pain_score": 2, "pain_relieved": True, "blood_thinner": True},
            {"pain_score": 0, "blood_thinner": True},
        ),
        ("pressure", {"bleeding": "spotting"}, {"bleeding": "none"}),
        ("avoid_lifting", {"activity": "strenuous"}, {"activity": "normal"}),
        ("bone_health", {"osteoporosis": True}, {"osteoporosis": False}),
        (
            "take_temperature",
            {"feels_feverish": True},
            {"feels_feverish": True, "temperature": {"value": 37.0, "unit": "C"}},
        ),
        ("take_temperature", {"feels_feverish": True}, {"feels_feverish": False}),
        ("call_911", {"bladder_bowel": True}, {}),
    ],
)
def test_each_advice_item_follows_its_condition(advice, present, absent) -> None:
    assert advice in advice_ids(**present)
    assert advice not in advice_ids(**absent)


def test_the_bandage_advice_is_always_given_below_emergency() -> None:
    assert "bandage" in advice_ids()
    assert "bandage" in advice_ids(drainage=True)
    assert "bandage" not in advice_ids(leg_weakness=True)


def test_advice_covers_every_item_of_the_protocol(protocol) -> None:
    tested = {
        "call_911", "rest_today", "gradual_activity", "move_around", "soreness_normal", "ice",
        "nsaid", "nsaid_caution", "bandage", "pressure", "avoid_lifting", "bone_health",
        "take_temperature",
    }  # fmt: skip
    assert tested == {a.id for a in protocol.advice}


def test_advice_comes_in_protocol_order_with_its_text(protocol) -> None:
    result = assess(calm(pain_score=3, pain_relieved=True, osteoporosis=True))
    ids = [a["id"] for a in result["advice"]]
    order = [a.id for a in protocol.advice]
    assert ids == sorted(ids, key=order.index)
    assert all(a["text"] for a in result["advice"])


def test_the_result_names_the_protocol_and_the_hash_of_its_file() -> None:
    identity = assess(CALM)["protocol"]
    assert identity["id"] == "vertebral-augmentation-aftercare"
    files = [path.stem for path in PROTOCOLS.glob("*.toml")]
    newest = max(files, key=lambda version: [int(part) for part in version.split(".")])
    assert identity["version"] == newest
    assert identity["sha256"] == hashlib.sha256(shipped_path().read_bytes()).hexdigest()


def test_the_result_has_exactly_the_contract_keys() -> None:
    assert set(assess(CALM)) == {
        "disposition", "decided", "reasons", "advice", "call_back_if", "could_raise", "protocol",
    }  # fmt: skip
