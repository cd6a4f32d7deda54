"""The proof from the rules' monotone structure: the same verdicts as enumeration, at scale."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rules import assess, parse_protocol, released
from rules.prove import EXHAUSTIVE_LIMIT, applies, exhaustive_cost, not_upward_closed, prove
from rules.verify import Verifier
from tests.rules.synthetic import synthetic, synthetic_text


def verdicts(findings) -> list[tuple[int, bool]]:
    """Which properties hold, in order."""
    return [(f.number, f.holds) for f in findings]


def both(protocol) -> tuple[list, list]:
    """The exhaustive and the monotone verdicts on one protocol."""
    return verdicts(Verifier(protocol).run()), verdicts(prove(protocol))


@pytest.mark.parametrize("protocol", released(), ids=lambda p: p.version)
def test_both_proofs_agree_on_every_released_version(protocol) -> None:
    assert applies(protocol)
    exhaustive, monotone = both(protocol)
    assert exhaustive == monotone


def test_a_dead_rule_is_found_by_both_with_the_engine_agreeing(protocol_text) -> None:
    dead = (
        '[[rule]]\nid = "N8"\ndisposition = "call_doctor_now"\nwhen = "fainted = yes"\n'
        'explain = "Fainting."\nsource = "D"\nsign = "you faint"\n\n[[rule]]\nid = "T1"'
    )
    protocol = parse_protocol(protocol_text.replace('[[rule]]\nid = "T1"', dead, 1).encode())
    exhaustive, monotone = both(protocol)
    assert exhaustive == monotone and (4, False) in monotone
    finding = prove(protocol)[3]
    assert "rule N8 never decides" in finding.failure
    assert assess(finding.counterexample, protocol)["disposition"] == "emergency"
    assert finding.counterexample["fainted"] is True


def test_a_red_flag_ranked_below_another_disposition_fails_in_both(protocol_text) -> None:
    emergency = protocol_text[protocol_text.index('[[disposition]]\nid = "emergency"') :]
    emergency = emergency[: emergency.index('[[disposition]]\nid = "call_doctor_now"')]
    text = protocol_text.replace(emergency, "", 1)
    text = text.replace(
        '[[disposition]]\nid = "self_care"', emergency + '[[disposition]]\nid = "self_care"'
    )
    protocol = parse_protocol(text.encode())
    exhaustive, monotone = both(protocol)
    assert (3, False) in exhaustive and (3, False) in monotone
    example = prove(protocol)[2].counterexample
    assert assess(example, protocol)["disposition"] != "emergency"


def test_a_threshold_that_flips_direction_is_left_to_enumeration(protocol_text, tmp_path) -> None:
    text = protocol_text.replace('when = "temperature >= 38.0"', 'when = "temperature < 38.0"')
    protocol = parse_protocol(text.encode())
    assert not applies(protocol)
    assert ("N2", "temperature < 38.0") in not_upward_closed(protocol)
    path = tmp_path / "flipped.toml"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "rules", "verify", "--protocol", str(path), "--method", "monotone"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "The monotone proof does not apply: in rule N2" in done.stdout


@pytest.mark.parametrize("linked", [4, 6])
def test_both_proofs_agree_on_small_generated_protocols(linked) -> None:
    exhaustive, monotone = both(synthetic(30, 22, linked))
    assert exhaustive == monotone
    assert all(holds for _, holds in monotone)


def test_the_large_generated_protocol_is_proved_without_enumeration(tmp_path) -> None:
    protocol = synthetic(100, 95, 16)
    assert len(protocol.questions) == 100 and len(protocol.rules) == 95
    assert exhaustive_cost(protocol) > EXHAUSTIVE_LIMIT  # enumeration would take hours
    assert all(holds for _, holds in verdicts(prove(protocol)))
    path = tmp_path / "synthetic.toml"
    path.write_text(synthetic_text(100, 95, 16), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "rules", "verify", "--protocol", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout
    assert "Method: the rules' monotone structure" in done.stdout
    assert "All 6 safety properties hold" in done.stdout
