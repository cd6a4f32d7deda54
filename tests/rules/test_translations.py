"""Protocol texts in Spanish: complete, placeholders kept, the same triage in every language."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings

from rules import assess, load_protocol, parse_protocol
from rules.translations import check, in_language, source_texts
from tests.bench.strategies import partial_answers
from tests.rules.conftest import calm


def run(*args: str) -> subprocess.CompletedProcess:
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
    fever = [t for t in texts if "fiebre de 38,0" in t]
    assert fever == [
        "Llame a su médico ahora, de día o de noche, si tiene fiebre de 38,0 °C (100,4 °F) o más."
    ]
    assert texts[0].startswith("Llame al 911 ahora si")


@settings(max_examples=150, deadline=None)
@given(answers=partial_answers())
def test_spanish_triage_is_the_same_triage(answers) -> None:
    english = assess(answers, load_protocol())
    spanish = assess(answers, in_language(load_protocol(), "es"))
    for key in ("disposition", "decided", "could_raise", "protocol"):
        assert spanish[key] == english[key]
    assert [r["rule"] for r in spanish["reasons"]] == [r["rule"] for r in english["reasons"]]
    assert [a["id"] for a in spanish["advice"]] == [a["id"] for a in english["advice"]]
    assert len(spanish["call_back_if"]) == len(english["call_back_if"])


def test_a_language_the_protocol_lacks_gets_its_own_words() -> None:
    assert in_language(load_protocol(), "fr") is load_protocol()


def test_verify_names_a_missing_spanish_text_by_id_and_language(protocol_text, write_protocol):
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
    protocol_text, write_protocol
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
