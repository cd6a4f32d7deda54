"""Threshold placeholders: every text says the number its rule compares with, in every language."""

from __future__ import annotations

import re

import pytest

from rules import load_protocol
from rules.errors import PlaceholderError, SchemaError
from rules.translations import in_language
from tests.protocol_data import fever_rule, temperature_words
from tests.rules.small import small

LEFT = re.compile(r"\{(?!emergency_number\})[^{}]*\}")


def test_a_rules_own_placeholder_says_its_threshold_in_each_languages_way() -> None:
    protocol = small(fever="38.5")
    fever = next(r for r in protocol.rules if r.id == "N1")
    assert fever.sign == "you have a fever of 38.5 °C (101.3 °F) or higher"
    assert fever.explain == "A fever of 38.5 °C (101.3 °F) or higher can mean an infection."
    spanish = next(r for r in in_language(protocol, "es").rules if r.id == "N1")
    assert spanish.sign == "tiene fiebre de 38,5 °C (101,3 °F) o más"
    assert "Call your doctor now if you have a fever of 38.5 °C (101.3 °F) or higher." in (
        protocol.call_back
    )


def test_a_named_rules_placeholder_stands_in_advice_and_notes_too() -> None:
    advice = small(fever="39.0").advice[0]
    assert (
        advice.text
        == "Take your temperature. If it is 39.0 °C (102.2 °F) or higher, call your doctor now."
    )
    assert advice.note == "take temperature, call if 39.0 °C (102.2 °F) or more"


def test_a_whole_number_threshold_reads_as_itself() -> None:
    pain = next(r for r in small(pain_when="pain >= 7").rules if r.id == "T1")
    assert pain.sign == "your pain is 7 or more"
    assert pain.explain == "Pain of 7 or more out of 10 should be checked."


def test_the_served_protocol_says_its_own_thresholds_and_keeps_no_placeholder() -> None:
    protocol = load_protocol()
    rules = {r.id: r for r in protocol.rules}
    fever, threshold = fever_rule(protocol)
    words = temperature_words(threshold)
    assert rules[fever].sign == f"you have a fever of {words} or higher"
    assert rules["N6"].sign.startswith("your pain is 8 or more")
    assert "5 or more" in rules["T7"].explain and "3 or more days" in rules["T7"].explain
    take = next(a for a in protocol.advice if a.id == "take_temperature")
    assert f"{words} or higher" in take.text
    spanish_words = temperature_words(threshold, "es")
    assert f"{spanish_words} o más" in protocol.translations["es"][("advice", take.id, "text")]
    spanish = in_language(protocol, "es")
    for text in [*protocol.call_back, *spanish.call_back, *(r.sign for r in spanish.rules)]:
        assert not LEFT.search(text), text
    assert protocol.templates["en"][("rule", "N2", "sign")] == (
        "you have a fever of {temperature} or higher"
    )


def test_a_question_placeholder_outside_a_rules_own_texts_is_refused() -> None:
    with pytest.raises(PlaceholderError) as caught:
        small(hint="Call if over {temperature}.")
    error = caught.value
    assert (error.file, error.item, error.field) == ("small.toml", "group all", "hint")
    assert "{N1.temperature}" not in error.message and "{<RULE>.temperature}" in error.message


def test_a_placeholder_in_any_text_may_name_a_rule() -> None:
    assert small(hint="Call if {N1.temperature} or more.").groups[0].hint == (
        "Call if 38.0 °C (100.4 °F) or more."
    )


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ("{T1.temperature}", "rule T1 compares temperature with no number (`pain >= 5`)"),
        ("{E1.fainted}", "rule E1 compares fainted with no number"),
        ("{X9.pain}", "unknown placeholder {X9.pain}: no rule 'X9'"),
        ("{N1.fever}", "unknown placeholder {N1.fever}: no question 'fever'"),
    ],
)
def test_a_placeholder_that_names_no_threshold_is_a_load_error(hint: str, message: str) -> None:
    with pytest.raises(SchemaError, match="small.toml: group all: field 'hint'") as caught:
        small(hint=hint)
    assert message in caught.value.message


def test_a_rule_that_compares_a_question_with_two_numbers_makes_its_placeholder_ambiguous() -> None:
    with pytest.raises(PlaceholderError) as caught:
        small(pain_when="pain >= 5 and pain <= 8")
    assert (caught.value.item, caught.value.field) == ("rule T1", "explain")
    assert "several numbers (5, 8)" in caught.value.message and "ambiguous" in caught.value.message


def test_a_bad_placeholder_in_a_translation_names_its_language() -> None:
    with pytest.raises(PlaceholderError) as caught:
        small(fever_sign_es="tiene fiebre de {pain} o más")
    assert (caught.value.item, caught.value.field) == ("rule N1 (es)", "sign")
