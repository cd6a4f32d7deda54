"""Released versions kept byte for byte (the tests' only version and hash pins), and 1.1's rules."""

from __future__ import annotations

import hashlib
import json

import pytest

from rules import assess, load_protocol
from rules.callback import check_call_back, grouped
from rules.errors import SchemaError
from rules.loader import PROTOCOLS, find_release, parse_protocol, released
from rules.verify import Verifier
from tests.protocol_data import fever_rule, mildest, temperature_words
from tests.rules.conftest import calm

# Every released version with the sha256 of its file, which every call saved under it names:
# a released file never changes. The only pins of versions and hashes in the tests: releasing
# a new version adds its line here, and changes no other test.
RELEASED = {
    "1.0.0": "95b27eb762948c5036efd7bd6b35f4414c68984e69818f71cb0c69d68855ab92",
    "1.1.0": "2fab079e409ec7a5c81631c5eecf26f0cec43d1730bda8d63faa4650a9ac2760",
    "1.2.0": "5f766de07611872c4c67bec38e1c262b027d83e78c72c4acbedb8847cd438432",
    "1.3.0": "233845672687bec778762f3b515e4ef835d47deafd8d470fc82a3e814558cc39",
}
HASH_1_0_0 = RELEASED["1.0.0"]


def release(version: str):
    """One released protocol, which must be kept."""
    protocol = find_release(version)
    assert protocol is not None
    return protocol


def test_every_released_version_is_kept_and_the_newest_is_served() -> None:
    versions = [p.version for p in released()]
    assert versions[:2] == ["1.0.0", "1.1.0"]
    assert load_protocol() is released()[-1]
    assert load_protocol().version == versions[-1]


def test_the_released_versions_are_these_and_the_newest_is_served() -> None:
    assert {p.version: p.sha256 for p in released()} == RELEASED
    assert load_protocol().version == list(RELEASED)[-1]


@pytest.mark.parametrize(("version", "digest"), RELEASED.items())
def test_every_released_file_is_kept_byte_for_byte(version: str, digest: str) -> None:
    assert hashlib.sha256((PROTOCOLS / f"{version}.toml").read_bytes()).hexdigest() == digest


def test_protocol_1_0_0_is_kept_byte_for_byte() -> None:
    content = (PROTOCOLS / "1.0.0.toml").read_bytes()
    assert hashlib.sha256(content).hexdigest() == HASH_1_0_0
    assert release("1.0.0").sha256 == HASH_1_0_0
    assert find_release("1.0.0", "0" * 64) is None


def test_1_0_0_still_assesses_with_its_own_wording() -> None:
    old = assess(mildest(release("1.0.0"), pain_score=9, pain_relieved=True), release("1.0.0"))
    assert old["protocol"]["version"] == "1.0.0"
    assert len(old["call_back_if"]) == 5
    assert "soreness_normal" in [a["id"] for a in old["advice"]]


def test_verify_proves_all_six_properties_on_1_1_0() -> None:
    findings = Verifier(release("1.1.0")).run()
    assert [f.number for f in findings] == [1, 2, 3, 4, 5, 6]
    assert all(f.holds for f in findings)


def test_verify_fails_the_sixth_on_1_0_0_with_the_fever_it_tells_to_call_later() -> None:
    findings = Verifier(release("1.0.0")).run()
    assert all(f.holds for f in findings[:5])
    sixth = findings[5]
    assert not sixth.holds
    assert "N2" in sixth.failure and "call_doctor_today" in sixth.failure
    fever = sixth.counterexample
    assert fever["temperature"] == {"value": 38.0, "unit": "C"}
    assert "pain_relieved" not in fever  # not asked at pain 0: the smallest answer set
    result = assess(fever, release("1.0.0"))
    assert result["disposition"] == "call_doctor_now"
    assert any("fever" in text and "now" not in text for text in result["call_back_if"])


def test_the_call_back_list_names_every_rule_under_its_own_action(protocol) -> None:
    items = protocol.call_back_items
    assert [item.rules[0] for item in items] == [r.id for r in protocol.rules]
    for item in items:
        rule = next(r for r in protocol.rules if r.id == item.rules[0])
        action = protocol.disposition(rule.disposition).call_back_action
        assert item.disposition == rule.disposition
        assert item.text == f"{action} {rule.sign}."
    ranks = [protocol.rank[item.disposition] for item in items]
    assert ranks == sorted(ranks)  # most urgent first


def test_a_fever_is_a_call_now_sign_and_the_911_list_is_complete() -> None:
    texts = assess(calm())["call_back_if"]
    fever = [t for t in texts if "fever" in t and temperature_words(fever_rule()[1]) in t]
    assert fever and all(t.startswith("Call your doctor now") for t in fever)
    numbness = [t for t in texts if "numbness" in t]
    assert numbness and all(t.startswith("Call your doctor now") for t in numbness)
    emergency = " ".join(t for t in texts if t.startswith("Call 911 now"))
    for sign in ("faint", "cough up blood", "bleeding does not stop", "bladder", "chest pain"):
        assert sign in emergency


@pytest.mark.parametrize("pain", range(0, 11))
def test_soreness_is_called_normal_only_for_mild_pain_with_a_decided_self_care(pain) -> None:
    answers = calm(pain_score=pain, pain_relieved=True)
    result = assess(answers)
    ids = [a["id"] for a in result["advice"]]
    expected = result["disposition"] == "self_care" and 1 <= pain <= 4
    assert ("soreness_normal" in ids) is expected


def test_soreness_is_not_called_normal_while_pain_relief_is_unasked() -> None:
    answers = calm(pain_score=9)
    answers.pop("pain_relieved", None)
    result = assess(answers)
    assert result["disposition"] == "self_care" and not result["decided"]
    assert "soreness_normal" not in [a["id"] for a in result["advice"]]
    mild = calm(pain_score=3)
    mild.pop("chest_symptoms")
    result = assess(mild)
    assert not result["decided"]
    assert "soreness_normal" not in [a["id"] for a in result["advice"]]


def test_the_new_advice_wording_says_what_1_1_asks() -> None:
    texts = {a.id: a.text for a in load_protocol().advice}
    assert "{emergency_number}" in texts["pressure"] and "still bleeds" in texts["pressure"]
    for reason in ("kidney disease", "stomach ulcer", "heart failure"):
        assert reason in texts["nsaid"]
    assert "only when your doctor says it is safe" in texts["bone_health"]


def test_a_list_built_from_rules_needs_every_rule_to_have_a_sign(protocol_text) -> None:
    text = protocol_text.replace('sign = "you faint or pass out"\n', "", 1)
    with pytest.raises(SchemaError, match="rule E4: field 'sign'"):
        parse_protocol(text.encode())


def test_a_free_text_list_with_no_reading_fails_the_sixth_property(protocol_text) -> None:
    head, _, _ = protocol_text.partition("[call_back]")
    text = head + '[call_back]\nsource = "D"\nitems = ["Call your doctor if you feel unwell."]\n'
    finding = check_call_back(parse_protocol(text.encode()))
    assert not finding.holds and "no reading" in finding.failure


def test_the_sixth_property_reads_a_kept_reading_sentence_by_sentence(
    tmp_path, monkeypatch
) -> None:
    kept = (PROTOCOLS / "readings" / "1.0.0.toml").read_text(encoding="utf-8")
    fever = 'action = "call_doctor_today"\nsigns = ["N2"]'
    assert fever in kept
    (tmp_path / "1.0.0.toml").write_text(
        kept.replace(fever, 'action = "call_doctor_now"\nsigns = ["N2"]'), encoding="utf-8"
    )
    monkeypatch.setattr("rules.callback.READINGS", tmp_path)
    finding = check_call_back(release("1.0.0"))
    assert "rule N1" in finding.failure  # the fever read as call-now, numbness fails next
    assert finding.counterexample["numbness_tingling"] is True


def test_a_list_built_from_rules_moves_each_sign_with_its_action(protocol_text) -> None:
    moved = protocol_text.replace(
        'call_back_action = "Call your doctor now, day or night, if"',
        'call_back_action = "Call your doctor at once if"',
        1,
    )
    protocol = parse_protocol(moved.encode())
    assert check_call_back(protocol).holds
    assert json.dumps(protocol.call_back).count("at once if") == 7


def test_the_call_back_list_reads_as_each_action_once_with_its_signs() -> None:
    groups = grouped(release("1.1.0"))
    assert [action for action, _ in groups] == [
        "Call {emergency_number} now if",
        "Call your doctor now, day or night, if",
        "Call your doctor's office today if",
    ]
    assert [len(signs) for _, signs in groups] == [5, 7, 7]
    assert "you have a fever of 38.0 °C (100.4 °F) or higher" in groups[1][1]
    assert grouped(release("1.0.0")) == [("", list(release("1.0.0").call_back))]
