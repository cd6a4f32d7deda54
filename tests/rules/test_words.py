"""Conditions in words: every asked_when of every released protocol, and each kind of comparison."""

from __future__ import annotations

import re

import pytest

from rules import Protocol
from rules.loader import released
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO
from rules.reader import Reader
from rules.typer import ConditionTyper
from rules.words import NoWordsError, condition_words

ID = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")  # an answer id such as pain_score


def typed(protocol: Protocol, text: str):
    """A condition typed against the protocol's questions, as the loader types asked_when."""
    typer = ConditionTyper(Reader("<test>"), protocol.by_id, [])
    return typer.condition(text, "question", "asked_when", allow_disposition=False)


def first(protocol: Protocol, kind: str):
    """The protocol's first question of a kind."""
    return next(q for q in protocol.questions if q.type == kind and not q.context)


@pytest.mark.parametrize("protocol", released(), ids=lambda p: p.version)
def test_every_asked_when_reads_in_the_protocols_words_without_an_id(protocol: Protocol) -> None:
    conditional = [q for q in protocol.questions if q.asked_when is not None]
    assert conditional  # every released version asks some question only under a condition
    for question in conditional:
        assert question.asked_when is not None
        words = condition_words(question.asked_when, protocol.by_id)
        for atoms in question.asked_when.disjuncts:
            for atom in atoms:
                assert f"'{protocol.by_id[atom.name].text}'" in words
                assert atom.name not in words
        assert not ID.search(words), words
        assert not re.search(r"[<>=!]", words), words


def test_the_pain_condition_reads_as_the_console_shows_it() -> None:
    protocol = released()[-1]
    pain = protocol.by_id["pain_score"]
    assert condition_words(typed(protocol, "pain_score >= 1"), protocol.by_id) == (
        f"the answer to '{pain.text}' is 1 or more")


@pytest.mark.parametrize(("op", "words"), [
    ("=", "is 3"), ("!=", "is not 3"), (">=", "is 3 or more"), ("<=", "is 3 or less"),
    (">", "is more than 3"), ("<", "is less than 3"),
])
def test_each_comparison_of_a_number_has_its_words(op: str, words: str) -> None:
    protocol = released()[-1]
    number = first(protocol, INTEGER)
    assert condition_words(typed(protocol, f"{number.id} {op} 3"), protocol.by_id) == (
        f"the answer to '{number.text}' {words}")


def test_yes_no_choices_temperatures_and_or_have_their_words() -> None:
    protocol = released()[-1]
    yes_no, choice, heat = (first(protocol, k) for k in (YES_NO, CHOICE, TEMPERATURE))
    option = choice.choices[-1]
    text = (f"{yes_no.id} = yes and {choice.id} != {option.id} or {heat.id} >= 38.5"
            f" or {heat.id} is not measured")
    assert condition_words(typed(protocol, text), protocol.by_id) == (
        f"the answer to '{yes_no.text}' is yes and the answer to '{choice.text}' is not "
        f"'{option.text}', or the answer to '{heat.text}' is 38.5 °C or more, or the answer "
        f"to '{heat.text}' is not measured")
    assert condition_words(typed(protocol, f"{yes_no.id} = no or {choice.id} = {option.id}"),
                           protocol.by_id) == (
        f"the answer to '{yes_no.text}' is no or the answer to '{choice.text}' is "
        f"'{option.text}'")
    assert condition_words(typed(protocol, "always"), protocol.by_id) == "always"


def test_a_condition_on_something_other_than_an_answer_has_no_words() -> None:
    protocol = released()[-1]
    advice = ConditionTyper(Reader("<test>"), protocol.by_id, [protocol.dispositions[0].id])
    condition = advice.condition(f"disposition = {protocol.dispositions[0].id}", "advice",
                                 "when", allow_disposition=True)
    with pytest.raises(NoWordsError):
        condition_words(condition, protocol.by_id)
