"""Property tests of the engine itself, written apart from the verifier."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from rules import assess, load_protocol

PROTOCOL = load_protocol()
URGENCY = {d.id: d.rank for d in PROTOCOL.dispositions}  # 0 is the most urgent
RED_FLAGS = {"chest_symptoms": True, "leg_weakness": True, "bladder_bowel": True, "fainted": True}

# Severity orders from the policy's answer table, mildest first (written out, not derived).
ORDERS: dict[str, list[Any]] = {
    "chest_symptoms": [False, True],
    "leg_weakness": [False, True],
    "bladder_bowel": [False, True],
    "fainted": [False, True],
    "numbness_tingling": [False, True],
    "pain_score": list(range(11)),
    "pain_trend": ["better", "same", "worse"],
    "pain_relieved": [True, False],
    "new_back_pain": [False, True],
    "swelling": ["none", "stable", "increasing"],
    "redness": ["none", "small", "spreading"],
    "drainage": [False, True],
    "bleeding": ["none", "spotting", "soaking", "uncontrolled"],
    "feels_feverish": [False, True],
    "headache": ["none", "mild", "severe"],
    "osteoporosis": [False, True],
    "blood_thinner": [False, True],
}
CELSIUS = st.integers(340, 430).map(lambda tenths: {"value": tenths / 10, "unit": "C"})
FAHRENHEIT = st.integers(932, 1094).map(lambda tenths: {"value": tenths / 10, "unit": "F"})


@st.composite
def answer_sets(draw) -> dict[str, Any]:
    """A complete, valid answer set."""
    answers = {name: draw(st.sampled_from(order)) for name, order in ORDERS.items()}
    answers["days_since_procedure"] = draw(st.integers(0, 365))
    answers["temperature"] = draw(st.one_of(st.none(), CELSIUS, FAHRENHEIT))
    answers["activity"] = draw(
        st.sampled_from(["unable", "resting", "light", "normal", "strenuous"])
    )
    return answers


def celsius(temperature: dict | None) -> float:
    """A temperature in °C for ordering; not measured orders below every reading."""
    if temperature is None:
        return float("-inf")
    value = temperature["value"]
    return value if temperature["unit"] == "C" else (value - 32) * 5 / 9


def more_severe(answers: dict[str, Any], name: str, draw) -> Any:
    """A strictly more severe answer to one question, or None when there is none."""
    if name in ORDERS:
        order = ORDERS[name]
        worse = order[order.index(answers[name]) + 1 :]
        return draw(st.sampled_from(worse)) if worse else None
    if name == "activity":
        return "unable" if answers["activity"] != "unable" else None
    if name == "temperature":
        current = celsius(answers["temperature"])
        hotter = [t / 10 for t in range(340, 431) if t / 10 > current + 1e-9]
        return {"value": draw(st.sampled_from(hotter)), "unit": "C"} if hotter else None
    return None


@settings(max_examples=400, deadline=None)
@given(answers=answer_sets(), data=st.data())
def test_a_more_severe_answer_never_lowers_the_disposition(answers, data) -> None:
    name = data.draw(st.sampled_from([*ORDERS, "activity", "temperature"]))
    worse = more_severe(answers, name, data.draw)
    if worse is None:
        return
    before = assess(answers)
    after = assess({**answers, name: worse})
    assert URGENCY[after["disposition"]] <= URGENCY[before["disposition"]]


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(), flag=st.sampled_from([*RED_FLAGS, "bleeding"]))
def test_any_red_flag_gives_an_emergency_with_only_the_call_advice(answers, flag) -> None:
    answers = {**answers, flag: "uncontrolled" if flag == "bleeding" else True}
    result = assess(answers)
    assert result["disposition"] == "emergency"
    assert [a["id"] for a in result["advice"]] == ["call_911"]
    assert result["call_back_if"] == []


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets())
def test_a_complete_answer_set_is_always_decided_with_one_disposition(answers) -> None:
    result = assess(answers)
    assert result["decided"] is True
    assert result["could_raise"] == []
    assert result["disposition"] in URGENCY


@settings(max_examples=300, deadline=None)
@given(answers=answer_sets(), data=st.data())
def test_a_decided_partial_answer_set_keeps_its_disposition_when_completed(answers, data) -> None:
    asked = data.draw(st.sets(st.sampled_from(sorted(answers))))
    partial = {name: answers[name] for name in asked}
    result = assess(partial)
    full = assess(answers)
    if result["decided"]:
        assert full["disposition"] == result["disposition"]
    else:
        assert result["could_raise"]
    # What surely matches in part can only be outranked by the whole, never undercut.
    assert URGENCY[full["disposition"]] <= URGENCY[result["disposition"]]
