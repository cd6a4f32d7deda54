"""Protocol texts in Spanish: complete, equal in meaning, the same triage in every language."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from rules import assess, load_protocol, parse_protocol
from rules.cli import main
from rules.loader import PROTOCOLS
from rules.translations import (
    VOCABULARIES,
    check,
    differences_in_meaning,
    in_language,
    source_texts,
)
from tests.bench.strategies import partial_answers
from tests.protocol_data import fever_rule, temperature_words
from tests.rules.conftest import calm


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m rules` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "rules", *args], capture_output=True, text=True, timeout=120
    )


def test_the_served_protocol_is_complete_in_spanish_and_not_yet_reviewed() -> None:
    protocol = load_protocol()
    assert protocol.translated == ("es",)
    assert check(protocol) == []
    assert "es" not in protocol.reviewed
    assert len(protocol.translations["es"]) == len(source_texts(protocol))


def test_spanish_texts_replace_every_english_one() -> None:
    spanish = in_language(load_protocol(), "es")
    english = source_texts(load_protocol())
    for key, text in source_texts(spanish).items():
        assert text != english[key] or text in ("No",), key  # "No" is Spanish as well
    assert spanish.version == load_protocol().version
    assert spanish.sha256 == load_protocol().sha256


def test_the_spanish_call_back_list_is_built_from_the_spanish_signs() -> None:
    texts = assess(calm(), in_language(load_protocol(), "es"))["call_back_if"]
    threshold = temperature_words(fever_rule()[1], "es")
    fever = [t for t in texts if "fiebre de" in t]
    assert fever == [
        f"Llame a su médico ahora, de día o de noche, si tiene fiebre de {threshold} o más."
    ]
    assert texts[0].startswith("Llame al 911 ahora si")


@settings(max_examples=150, deadline=None)
@given(answers=partial_answers())
def test_spanish_triage_is_the_same_triage(answers: dict[str, Any]) -> None:
    english = assess(answers, load_protocol())
    spanish = assess(answers, in_language(load_protocol(), "es"))
    for key in ("disposition", "decided", "could_raise", "protocol"):
        assert spanish[key] == english[key]
    assert [r["rule"] for r in spanish["reasons"]] == [r["rule"] for r in english["reasons"]]
    assert [a["id"] for a in spanish["advice"]] == [a["id"] for a in english["advice"]]
    assert len(spanish["call_back_if"]) == len(english["call_back_if"])


def test_a_language_the_protocol_lacks_gets_its_own_words() -> None:
    assert in_language(load_protocol(), "fr") is load_protocol()


def test_verify_names_a_missing_spanish_text_by_id_and_language(
    protocol_text: str, write_protocol: Callable[[str], Path]
) -> None:
    missing = protocol_text.replace(
        '[rule.es]\nexplain = "Si se desmaya', '[rule.es]\nexplain_x = "Si se desmaya', 1
    )
    assert missing != protocol_text
    done = run("verify", "--protocol", str(write_protocol(missing)))
    assert done.returncode == 1
    assert "rule E4 (es): field 'explain_x': is not a known field" in done.stdout

    text = protocol_text.replace('[rule.es]\nexplain = "Si se desmaya', "[rule.es]\n#", 1)
    protocol = parse_protocol(text.encode())
    assert check(protocol) == ["rule E4: field 'explain' (es): no translation"]
    done = run("verify", "--protocol", str(write_protocol(text)))
    assert done.returncode == 1
    assert "FAIL translations" in done.stdout
    assert "rule E4: field 'explain' (es): no translation" in done.stdout


def test_verify_names_a_translation_that_drops_the_emergency_number(
    protocol_text: str, write_protocol: Callable[[str], Path]
) -> None:
    dropped = protocol_text.replace(
        'llame al {emergency_number} ahora."', 'llame a emergencias ahora."', 1
    )
    assert dropped != protocol_text
    done = run("verify", "--protocol", str(write_protocol(dropped)))
    assert done.returncode == 1
    assert "(es): placeholders ['{emergency_number}'] in the original, [] here" in done.stdout


def test_the_review_sheet_puts_the_spanish_beside_the_english() -> None:
    done = run("table", "--lang", "es")
    assert done.returncode == 0
    assert "(NOT YET REVIEWED)" in done.stdout
    assert (
        "| question `bleeding` text | Is the needle spot bleeding? | "
        "¿Le sangra el lugar de la aguja? |"
    ) in done.stdout
    assert "| translator | date | decision |" in done.stdout
    assert run("table", "--lang", "fr").returncode == 1


# A protocol of one question, one rule and one advice item, in English and Spanish; the advice
# text is ENGLISH and SPANISH, for the tests to fill in.
TINY = """[protocol]
id = "tiny"
version = "0.0.1"
title = "Tiny"
translated = ["es"]
[protocol.es]
title = "Diminuto"

[sources.D]
title = "Written for a test"

[[disposition]]
id = "emergency"
headline = "Call {emergency_number} now."
only_advice = ["rest"]
call_back = false
call_back_action = "Call {emergency_number} now if"
[disposition.es]
headline = "Llame al {emergency_number} ahora."
call_back_action = "Llame al {emergency_number} ahora si"

[[disposition]]
id = "self_care"
headline = "Care for yourself at home."
[disposition.es]
headline = "Cuídese en casa."

[[group]]
id = "all"
title = "Questions"
[group.es]
title = "Preguntas"

[[question]]
id = "fainted"
group = "all"
type = "yes_no"
text = "Have you fainted?"
[question.es]
text = "¿Se ha desmayado?"

[[rule]]
id = "E1"
disposition = "emergency"
when = "fainted = yes"
sign = "you faint"
explain = "Fainting needs help now."
source = "D"
[rule.es]
explain = "Desmayarse necesita ayuda ahora."
sign = "se desmaya"

[[advice]]
id = "rest"
when = "always"
text = "ENGLISH"
source = "D"
[advice.es]
text = "SPANISH"

[call_back]
source = "D"
from_rules = true
"""


def tiny(english: str, spanish: str) -> str:
    """The small protocol's text with one advice text in English and in Spanish."""
    return TINY.replace("ENGLISH", english).replace("SPANISH", spanish)


def problems(english: str, spanish: str) -> list[str]:
    """What the translation check finds in the small protocol."""
    return check(parse_protocol(tiny(english, spanish).encode(), "tiny.toml"))


def differences(english: str, spanish: str) -> list[str]:
    """How a Spanish text differs in meaning from an English one."""
    return differences_in_meaning(english, VOCABULARIES["en"], spanish, VOCABULARIES["es"])


@pytest.mark.parametrize("version", ["1.1.0", "1.2.0"])
def test_every_released_spanish_text_is_equal_in_meaning(version: str) -> None:
    protocol = load_protocol(PROTOCOLS / f"{version}.toml")
    assert protocol.translated == ("es",)
    assert check(protocol) == []


def test_a_correct_translation_of_the_small_protocol_passes() -> None:
    english = "Do not drive. Ice it for 15 to 20 minutes, and call {emergency_number} at 38.0 °C."
    spanish = (
        "No maneje. Póngase hielo de 15 a 20 minutos, y llame al {emergency_number} a 38,0 °C."
    )
    assert problems(english, spanish) == []


def test_a_translation_that_drops_a_no_is_named_by_item_field_and_language() -> None:
    assert problems("Do not drive yourself.", "Maneje usted mismo.") == [
        "advice rest: field 'text' (es): the text is not negated here; the original says 'not'"
    ]


def test_a_translation_that_adds_a_no_is_named_with_its_sentence() -> None:
    assert problems("Rest today. Walk a little tomorrow.", "Descanse hoy. No camine mañana.") == [
        "advice rest: field 'text' (es): sentence 2 ('No camine mañana.') is negated here "
        "('no'); the original is not"
    ]


def test_a_translation_that_says_39_where_the_original_says_38_is_named() -> None:
    found = problems("Call at 38.0 °C (100.4 °F) or higher.", "Llame a 39,0 °C (100,4 °F) o más.")
    assert found == [
        "advice rest: field 'text' (es): numbers ['38.0', '100.4'] in the original, "
        "['39,0', '100,4'] here"
    ]


def test_a_translation_that_drops_the_emergency_number_is_named() -> None:
    assert problems("Call {emergency_number} now.", "Llame a emergencias ahora.") == [
        "advice rest: field 'text' (es): placeholders ['{emergency_number}'] in the original, "
        "[] here"
    ]


def test_verify_fails_on_a_translation_that_differs_in_meaning(
    write_protocol: Callable[[str], Path],
) -> None:
    path = write_protocol(tiny("Press for 10 minutes.", "Apriete durante 10 horas."))
    out = io.StringIO()
    assert main(["verify", "--protocol", str(path)], stdout=out) == 1
    assert "FAIL translations: 1 problems in es" in out.getvalue()
    assert (
        "advice rest: field 'text' (es): units ['minute'] in the original, ['hour'] here"
        in out.getvalue()
    )


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("Take 38.0 °C.", "Tome 38,0 °C."),
        ("Wait 10 minutes.", "Espere 10 minutos."),
        ("Wait 10 minutes.", "Espere 10,0 minutos."),
        ("From 15 to 20 minutes.", "De 15 a 20 minutos."),
        ("3 or more days after it.", "3 días o más después."),
    ],
)
def test_numbers_and_units_written_the_spanish_way_are_the_same(english: str, spanish: str) -> None:
    assert differences(english, spanish) == []


@pytest.mark.parametrize(
    ("english", "spanish", "difference"),
    [
        ("Wait 10 minutes.", "Espere 10 días.", "units ['minute'] in the original, ['day'] here"),
        ("Take 38.0 °C.", "Tome 38,0 °F.", "units ['°C'] in the original, ['°F'] here"),
        ("Take 38.0 °C.", "Tome 38,0.", "units ['°C'] in the original, [] here"),
        ("Wait 10 minutes.", "Espere 15 minutos.", "numbers ['10'] in the original, ['15'] here"),
        ("Wait 1 or 2 days.", "Espere 2 días.", "numbers ['1', '2'] in the original, ['2'] here"),
    ],
)
def test_a_different_number_or_unit_is_named(english: str, spanish: str, difference: str) -> None:
    assert differences(english, spanish) == [difference]


def test_a_unit_word_that_measures_nothing_is_not_compared() -> None:
    assert differences("Light everyday tasks", "Tareas ligeras de todos los días") == []
    assert differences("Call now, whatever the hour.", "Llame ahora.") == []


@pytest.mark.parametrize(
    ("english", "spanish"),
    [
        ("I can't get out of bed or walk.", "No puedo levantarme de la cama ni caminar."),
        ("Leave it empty if you have not measured it.", "Déjelo vacío si no se la ha tomado."),
        ("You may buy it without a prescription.", "Puede comprarlo sin receta."),
        ("You never need it.", "Nunca lo necesita."),
    ],
)
def test_a_negation_is_matched_by_any_negation_in_the_other_language(
    english: str, spanish: str
) -> None:
    assert differences(english, spanish) == []


def test_sentences_are_compared_one_by_one_when_both_texts_have_as_many() -> None:
    # Each text is negated somewhere, but not in the same sentence.
    found = differences("Do not lift. Rest.", "Levante. No descanse.")
    assert found == [
        "sentence 1 ('Levante.') is not negated here; the original says 'not'",
        "sentence 2 ('No descanse.') is negated here ('no'); the original is not",
    ]
    assert differences("Do not lift. Rest.", "No levante y descanse.") == []


def test_a_language_with_no_words_to_compare_is_reported() -> None:
    text = tiny("Rest.", "Descanse.").replace('"es"', '"xx"').replace(".es]", ".xx]")
    assert check(parse_protocol(text.encode(), "tiny.toml")) == [
        "language 'xx': no negation or unit words to compare with"
    ]


def test_a_threshold_placeholder_is_compared_as_a_placeholder_not_as_a_number() -> None:
    english, spanish = (
        "At {N2.temperature} or more, wait 3 days.",
        "A {N2.temperature}, espere 3 días.",
    )
    assert differences(english, spanish) == []
    assert differences("Wait {T7.days_since_procedure} days.", "Espere.") == [
        "units ['day'] in the original, [] here"
    ]
