"""Every patient-facing text of the served protocol reads at about a 6th-grade level.

The formula is Flesch-Kincaid grade level: 0.39 x words per sentence + 11.8 x syllables per
word - 15.59. Syllables are counted from pyphen's US English hyphenation dictionary (hyphenation
points + 1), a number counts as one word of one syllable, and sentences end at . ! or ?.
A text is what the patient reads as one piece: a question with its hint and choices, a group's
title and hint, a headline with its detail, one reason, one advice item, and the call-back
sentences under one action. Words the patient must know, such as the procedure's name, count
as one syllable (EXCEPTIONS).
"""

from __future__ import annotations

import re

import pyphen
import pytest

from rules import fill, load_protocol

MAX_GRADE = 6.0
EXCEPTIONS = frozenset(
    {
        "vertebroplasty",
        "kyphoplasty",
        "osteoporosis",
        "procedure",
        "temperature",
        "nsaid",
        "ibuprofen",
        "naproxen",
        "alendronate",
        "fosamax",
    }
)
_DICTIONARY = pyphen.Pyphen(lang="en_US")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z0-9]")


def syllables(word: str) -> int:
    """Syllables of one word; a number or an excepted word counts as one."""
    if not word[0].isalpha() or word.lower() in EXCEPTIONS:
        return 1
    return len(_DICTIONARY.positions(word.lower())) + 1


def grade(parts: list[str]) -> float:
    """The Flesch-Kincaid grade of a text made of several sentences or fragments."""
    sentences = [s for part in parts for s in re.split(r"(?<=[.!?])\s+", part.strip()) if s]
    words = _WORD.findall(" ".join(parts))
    per_sentence = len(words) / len(sentences)
    per_word = sum(syllables(w) for w in words) / len(words)
    return 0.39 * per_sentence + 11.8 * per_word - 15.59


def patient_texts() -> dict[str, list[str]]:
    """Every text the served protocol shows a patient, named by where it is."""
    protocol = load_protocol()
    texts: dict[str, list[str]] = {}
    for group in protocol.groups:
        texts[f"group {group.id}"] = [group.title, group.hint]
    for q in protocol.questions:
        texts[f"question {q.id}"] = [q.text, q.hint, *(c.text for c in q.choices)]
    for d in protocol.dispositions:
        texts[f"disposition {d.id}"] = [d.headline, d.detail]
        signs = [i.text for i in protocol.call_back_items if i.disposition == d.id]
        if signs:
            texts[f"call-back list under {d.id}"] = signs
    for rule in protocol.rules:
        texts[f"reason {rule.id}"] = [rule.explain]
    for item in protocol.advice:
        texts[f"advice {item.id}"] = [item.text]
    return {name: [fill(t, "911") for t in parts if t] for name, parts in texts.items()}


def test_the_formula_tells_plain_from_hard_words() -> None:
    plain = grade(["Call your doctor if your pain gets worse."])
    hard = grade(["Contact your physician regarding deteriorating postoperative discomfort."])
    assert plain < MAX_GRADE < hard
    assert syllables("bandage") == 2 and syllables("osteoporosis") == 1 and syllables("38.0") == 1


def test_every_kind_of_patient_text_is_measured() -> None:
    names = patient_texts()
    for kind in ("group", "question", "disposition", "call-back list", "reason", "advice"):
        assert any(name.startswith(kind) for name in names), kind


@pytest.mark.parametrize("name", sorted(patient_texts()))
def test_the_patient_text_reads_at_grade_6_or_below(name: str) -> None:
    parts = patient_texts()[name]
    measured = grade(parts)
    assert measured <= MAX_GRADE, f"{name} reads at grade {measured:.1f}: {' / '.join(parts)}"
