"""`verify` refuses a number stated in the words that disagrees with the rules' logic."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from rules import parse_protocol
from rules.cli import main
from rules.loader import PROTOCOLS, released
from rules.stated import check, literals
from tests.rules.small import small, small_text

FEVER_385 = "`temperature >= 38.5`"


def fever_at_38_5() -> str:
    """Protocol 1.1.0, whose texts write 38.0 out, with its fever rule moved to 38.5."""
    text = (PROTOCOLS / "1.1.0.toml").read_text(encoding="utf-8")
    changed = text.replace('when = "temperature >= 38.0"', 'when = "temperature >= 38.5"', 1)
    assert changed != text
    return changed.replace('version = "1.1.0"', 'version = "1.1.9"', 1)


def test_a_fever_rule_at_38_5_whose_texts_say_38_0_is_refused_naming_text_and_rule() -> None:
    problems = check(parse_protocol(fever_at_38_5().encode(), "1.1.9.toml")).problems
    assert (
        "rule N2: field 'sign' (en) says 38.0 °C, but rule N2 compares the temperature with "
        f"38.5 °C (101.3 °F): {FEVER_385}"
    ) in problems
    assert (
        "advice take_temperature: field 'text' (en) says 38.0 °C, which is no rule's temperature "
        f"threshold: rule N2 compares the temperature with 38.5 °C (101.3 °F): {FEVER_385}"
    ) in problems
    assert any(p.startswith("rule N2: field 'sign' (es) says 38,0 °C") for p in problems)
    assert any(
        p.startswith("advice take_temperature: field 'text' (es) says 100,4 °F") for p in problems
    )
    assert len(problems) == 12  # 38.0 °C and 100.4 °F in 3 texts, in 2 languages


def test_verify_fails_on_the_disagreement_and_prints_every_one(tmp_path) -> None:
    path = tmp_path / "1.1.9.toml"
    path.write_text(fever_at_38_5(), encoding="utf-8")
    out = io.StringIO()
    assert main(["verify", "--protocol", str(path)], stdout=out) == 1
    report = out.getvalue()
    assert "All 6 safety properties hold" in report  # the logic is safe; the words are wrong
    assert "FAIL stated numbers: 12 numbers disagree with the rules" in report
    assert "advice take_temperature: field 'text' (en) says 38.0 °C" in report


@pytest.mark.parametrize("protocol", released(), ids=lambda p: p.version)
def test_every_released_version_states_only_its_rules_numbers(protocol) -> None:
    found = check(protocol)
    assert found.problems == []
    assert found.numbers > 10 and found.texts > 90


def test_placeholders_follow_a_moved_threshold_so_nothing_is_refused() -> None:
    assert check(small(fever="38.5")).problems == []
    assert check(small(fever="38.5", hint="Call if over {N1.temperature}.")).problems == []


def test_a_number_the_rule_does_not_read_is_refused() -> None:
    problems = check(small(pain_explain="Pain of 6 or more out of 10 should be checked.")).problems
    assert problems == [
        "rule T1: field 'explain' (en) says 6, a number rule T1 does not read (`pain >= 5`)"
    ]


def test_a_number_from_a_choice_the_rule_reads_is_grounded_for_that_rule_only() -> None:
    assert check(small()).problems == []  # E2: "10 minutes", from the choice it reads
    problems = check(small(bleeding_explain="Call after 15 minutes.")).problems
    assert problems == [
        "rule E2: field 'explain' (en) says 15, a number rule E2 does not read "
        "(`bleeding = uncontrolled`)"
    ]
    fainting = small_text().replace(
        'explain = "Fainting needs help now."', 'explain = "Fainting for 10 minutes needs help."'
    )
    problems = check(parse_protocol(fainting.encode(), "small.toml")).problems
    assert problems == [
        "rule E1: field 'explain' (en) says 10, a number rule E1 does not read (`fainted = yes`)"
    ]


def test_a_temperature_anywhere_must_be_some_rules_threshold() -> None:
    problems = check(small(hint="Call if over 39.0 °C.")).problems
    assert problems == [
        "group all: field 'hint' (en) says 39.0 °C, which is no rule's temperature threshold: "
        "rule N1 compares the temperature with 38.0 °C (100.4 °F): `temperature >= 38.0`"
    ]
    assert check(small(hint="Call if over 38.0 °C or 100.4 °F.")).problems == []


def test_a_temperature_in_a_rules_text_must_be_that_rules_own() -> None:
    problems = check(small(pain_explain="Pain with a fever of 38.0 °C should be checked.")).problems
    assert problems == [
        "rule T1: field 'explain' (en) says 38.0 °C, but rule T1 reads no temperature (`pain >= 5`)"
    ]


def test_a_spanish_text_is_read_with_its_decimal_comma() -> None:
    assert literals("tiene fiebre de 38,5 °C (101,3 °F)", "es") == [
        ("38,5 °C", Decimal("38.5"), "C"),
        ("101,3 °F", Decimal("101.3"), "F"),
    ]
    wrong = small(fever_sign_es="tiene fiebre de 38,5 °C o más")
    assert check(wrong).problems == [
        "rule N1: field 'sign' (es) says 38,5 °C, but rule N1 compares the temperature with "
        "38.0 °C (100.4 °F): `temperature >= 38.0`"
    ]
    assert check(small(fever_sign_es="tiene fiebre de 38,0 °C o más")).problems == []
