"""A question's condition in words, from the protocol's own wording: never an answer id.

"pain_score >= 1" reads "the answer to 'How bad is your pain right now?' is 1 or more".
"""

from __future__ import annotations

from collections.abc import Mapping

from rules.conditions import NOT_MEASURED, Atom, Condition
from rules.model import CHOICE, TEMPERATURE, YES_NO, Question

# How a number is compared, in words: "{value}" is the number.
NUMBER_WORDS = {
    "=": "is {value}",
    "!=": "is not {value}",
    ">=": "is {value} or more",
    "<=": "is {value} or less",
    ">": "is more than {value}",
    "<": "is less than {value}",
}
ALWAYS = "always"


class NoWordsError(ValueError):
    """A condition that reads something other than a question's answer."""


def _value(question: Question, atom: Atom) -> str:
    """The value an answer is compared with, as the nurse reads it."""
    if question.type == YES_NO:
        return "yes" if atom.value else "no"
    if question.type == CHOICE:
        choice = question.choice(str(atom.value))
        if choice is None:  # the typer refuses this; a hand-built condition may not
            raise NoWordsError(f"question {question.id} has no such choice")
        return f"'{choice.text}'"
    number = f"{atom.value:g}" if isinstance(atom.value, float) else str(atom.value)
    return f"{number} °C" if question.type == TEMPERATURE else number


def atom_words(atom: Atom, questions: Mapping[str, Question]) -> str:
    """One comparison in words."""
    question = questions.get(atom.name)
    if question is None:
        raise NoWordsError(f"{atom.text}: not a question's answer")
    subject = f"the answer to '{question.text}'"
    if atom.op == NOT_MEASURED:
        return f"{subject} is not measured"
    value = _value(question, atom)
    if question.type in (YES_NO, CHOICE):
        return f"{subject} {'is' if atom.op == '=' else 'is not'} {value}"
    return f"{subject} {NUMBER_WORDS[atom.op].format(value=value)}"


def condition_words(condition: Condition, questions: Mapping[str, Question]) -> str:
    """A whole condition in words: its comparisons joined by "and", its alternatives by "or"."""
    if any(not atoms for atoms in condition.disjuncts):
        return ALWAYS
    parts = [" and ".join(atom_words(a, questions) for a in atoms)
             for atoms in condition.disjuncts]
    # "a and b, or c": the comma keeps an alternative of several comparisons in one piece.
    several = any(len(atoms) > 1 for atoms in condition.disjuncts)
    return (", or " if several else " or ").join(parts)
