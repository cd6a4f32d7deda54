"""Property 6 as the policy states it: each rule's sign once, under its own action, nothing else."""

from __future__ import annotations

from pathlib import Path

from rules import assess
from rules.callback import check_call_back
from tests.rules.small import small, small_text, write_reading

FAINT = ("Call {emergency_number} now if you faint.", "emergency", ["E1"])
BLEED = ("Call {emergency_number} now if bleeding will not stop.", "emergency", ["E2"])
FEVER = ("Call your doctor now if you have a fever.", "call_doctor_now", ["N1"])
PAIN = ("Call your doctor's office today if your pain is 5 or more.", "call_doctor_today", ["T1"])
EXACT = [FAINT, BLEED, FEVER, PAIN]


def sixth(folder: Path, sentences: list[tuple[str, str, list[str]]]):
    """Property 6 for the small protocol with this free-text list, read as given."""
    texts = [text for text, _, _ in sentences]
    write_reading(folder, small_text(texts), sentences)
    return check_call_back(small(texts), folder)


def test_a_free_text_list_that_names_each_sign_once_under_its_own_action_holds(tmp_path) -> None:
    finding = sixth(tmp_path, EXACT)
    assert finding.holds, finding.failure
    assert finding.cases == 2 * len(EXACT) + len(EXACT)  # sentences, signs, rules


def test_a_mild_sign_under_the_emergency_action_fails(tmp_path) -> None:
    pain_as_911 = ("Call {emergency_number} now if your pain is 5 or more.", "emergency", ["T1"])
    finding = sixth(tmp_path, [FAINT, BLEED, FEVER, pain_as_911])
    assert not finding.holds
    assert finding.failure == (
        f"the call-back list says {pain_as_911[0]!r} (emergency) for the sign of rule T1, "
        "whose disposition is call_doctor_today"
    )
    assert finding.counterexample["pain"] == 5
    assert assess(finding.counterexample, small())["disposition"] == "call_doctor_today"


def test_a_sign_under_a_less_urgent_action_fails(tmp_path) -> None:
    fever_today = (
        "Call your doctor's office today if you have a fever.",
        "call_doctor_today",
        ["N1"],
    )
    finding = sixth(tmp_path, [FAINT, BLEED, fever_today, PAIN])
    assert "rule N1, whose disposition is call_doctor_now" in finding.failure


def test_a_rule_listed_twice_fails_even_under_its_own_action(tmp_path) -> None:
    again = ("Call your doctor now if you feel hot.", "call_doctor_now", ["N1"])
    finding = sixth(tmp_path, [*EXACT, again])
    assert not finding.holds
    assert finding.failure == (
        f"the call-back list names the sign of rule N1 twice: in {FEVER[0]!r} and in {again[0]!r}"
    )
    assert finding.counterexample["temperature"] == {"value": 38.0, "unit": "C"}


def test_a_sentence_that_names_no_rule_fails(tmp_path) -> None:
    vague = ("Call your doctor if you feel unwell.", "call_doctor_today", [])
    finding = sixth(tmp_path, [*EXACT, vague])
    assert not finding.holds
    assert finding.failure == (f"the call-back list says {vague[0]!r}, which names no rule's sign")
    assert finding.counterexample == {"sentence": vague[0], "action": "call_doctor_today"}


def test_a_rule_left_out_of_the_list_fails(tmp_path) -> None:
    finding = sixth(tmp_path, [FAINT, BLEED, FEVER])
    assert finding.failure == "the call-back list does not name the sign of rule T1"


def test_a_list_built_from_the_rules_holds_by_construction() -> None:
    finding = check_call_back(small())
    assert finding.holds and finding.cases == 12
