"""The verifier proves the shipped protocol safe and catches deliberately broken ones."""

from __future__ import annotations

import json

import pytest

from rules import assess, load_protocol
from rules.cli import main
from rules.verify import Verifier


def run_verify(path=None) -> tuple[int, str]:
    """Run `verify` in-process; returns the exit code and what it printed."""
    import io

    out = io.StringIO()
    code = main(["verify"] + ([] if path is None else ["--protocol", str(path)]), stdout=out)
    return code, out.getvalue()


def counterexamples(output: str, after: str = "") -> list[dict]:
    """The JSON lines of a verify report, from the first line that starts with `after`."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    return [json.loads(line) for line in lines[start:] if line.startswith("{")]


def test_the_shipped_protocol_satisfies_all_six_properties() -> None:
    code, output = run_verify()
    assert code == 0
    for name in (
        "1. total",
        "2. monotone",
        "3. red flags dominate",
        "4. no dead rule",
        "5. traced",
        "6. call-back consistent",
    ):
        assert f"ok   {name}:" in output
    assert "All 6 safety properties hold" in output


def test_every_finding_checks_some_cases(protocol) -> None:
    findings = Verifier(protocol).run()
    assert [f.number for f in findings] == [1, 2, 3, 4, 5, 6]
    assert all(f.holds and f.cases > 0 for f in findings)


def test_the_classes_cover_every_threshold_in_the_rules(protocol) -> None:
    verifier = Verifier(protocol)
    pain = next(p for p in verifier.parts if "pain_score" in p.names)
    index = pain.names.index("pain_score")
    assert [c.value for c in pain.classes[index]] == [0, 1, 5, 8]
    days = pain.names.index("days_since_procedure")
    assert [c.value for c in pain.classes[days]] == [0, 3]


def break_protocol(protocol_text: str, old: str, new: str) -> str:
    """The protocol text with one deliberate change."""
    assert old in protocol_text
    return protocol_text.replace(old, new, 1)


def test_a_non_monotone_rule_fails_with_a_smallest_counterexample(
    protocol_text, write_protocol
) -> None:
    text = break_protocol(
        protocol_text, 'when = "pain_trend = worse"', 'when = "pain_trend = better"'
    )
    path = write_protocol(text)
    code, output = run_verify(path)
    assert code == 1
    assert "FAIL 2. monotone" in output
    before, after = counterexamples(output)
    broken = load_protocol(path)
    assert before["pain_trend"] == "better" and after["pain_trend"] == "same"
    assert assess(before, broken)["disposition"] == "call_doctor_today"
    assert assess(after, broken)["disposition"] == "self_care"
    # Smallest: every other answer is the mildest one.
    assert before["pain_score"] == 0 and before["chest_symptoms"] is False


def test_a_threshold_that_flips_direction_is_not_monotone(protocol_text, write_protocol) -> None:
    text = break_protocol(
        protocol_text, 'when = "temperature >= 38.0"', 'when = "temperature < 38.0"'
    )
    code, output = run_verify(write_protocol(text))
    assert code == 1
    assert "FAIL 2. monotone" in output
    before, after = counterexamples(output)
    assert before["temperature"] == {"value": 34.0, "unit": "C"}
    assert after["temperature"] == {"value": 38.0, "unit": "C"}


def test_a_dead_rule_fails_with_the_answers_where_it_is_outranked(
    protocol_text, write_protocol
) -> None:
    dead = (
        '[[rule]]\nid = "N8"\ndisposition = "call_doctor_now"\nwhen = "fainted = yes"\n'
        'explain = "Fainting."\nsource = "D"\nsign = "you faint"\n\n[[rule]]\nid = "T1"'
    )
    text = break_protocol(protocol_text, '[[rule]]\nid = "T1"', dead)
    path = write_protocol(text)
    code, output = run_verify(path)
    assert code == 1
    assert "FAIL 4. no dead rule" in output
    assert "rule N8 never decides the disposition" in output
    (example,) = counterexamples(output)
    assert example["fainted"] is True
    assert assess(example, load_protocol(path))["disposition"] == "emergency"


def test_a_rule_that_can_never_match_is_dead(protocol_text, write_protocol) -> None:
    text = break_protocol(
        protocol_text,
        'when = "swelling = increasing"',
        'when = "swelling = increasing and swelling = none"',
    )
    code, output = run_verify(write_protocol(text))
    assert code == 1
    assert "rule T2 never decides the disposition: no answer set matches it" in output


def test_an_emergency_ranked_below_another_disposition_fails_red_flag_dominance(
    protocol_text, write_protocol
) -> None:
    emergency = protocol_text[protocol_text.index('[[disposition]]\nid = "emergency"') :]
    emergency = emergency[: emergency.index('[[disposition]]\nid = "call_doctor_now"')]
    text = protocol_text.replace(emergency, "", 1)
    text = text.replace(
        '[[disposition]]\nid = "self_care"', emergency + '[[disposition]]\nid = "self_care"'
    )
    code, output = run_verify(write_protocol(text))
    assert code == 1
    assert "FAIL 3. red flags dominate" in output
    (example, *_) = counterexamples(output, after="FAIL 3")
    assert example["chest_symptoms"] is True
    assert example["bleeding"] == "soaking"  # the mildest answer that outranks it


def test_a_missing_source_fails_the_traced_property(protocol_text, write_protocol) -> None:
    text = break_protocol(protocol_text, 'source = "S Risks (headache)"', 'source = " "')
    code, output = run_verify(write_protocol(text))
    assert code == 1
    assert "FAIL 5. traced" in output
    (detail,) = counterexamples(output)
    assert detail["error"] == "MissingSourceError"
    assert detail["item"] == "rule N5"


def test_an_unknown_question_id_fails_the_traced_property(protocol_text, write_protocol) -> None:
    text = break_protocol(protocol_text, 'when = "new_back_pain = yes"', 'when = "back_pain = yes"')
    code, output = run_verify(write_protocol(text))
    assert code == 1
    assert "FAIL 5. traced" in output
    (detail,) = counterexamples(output)
    assert detail["error"] == "UnknownQuestionError"
    assert detail["item"] == "rule T6"


@pytest.mark.parametrize("rule", ["E1", "N3", "T4"])
def test_removing_a_rule_still_verifies_because_the_properties_do_not_require_it(
    protocol_text, write_protocol, rule
) -> None:
    start = protocol_text.index(f'[[rule]]\nid = "{rule}"')
    end = protocol_text.index("[[", start + 2)
    code, _ = run_verify(write_protocol(protocol_text[:start] + protocol_text[end:]))
    assert code == 0
