"""What the patient's pages show of each question, built once per protocol, language and clinic.

Rendering WTForms radio widgets on every request cost most of a page's time; everything here
depends only on the protocol, its language and the emergency number, so it is made once and
the templates only mark what is chosen and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _

from checker.answer_form import NO, UNIT, VALUE, YES, as_buttons, field_name
from rules import Protocol, Question, fill
from rules.model import CHOICE, INTEGER, YES_NO

RADIOS, NUMBER, TEMPERATURE_INPUT = "radios", "number", "temperature"


@dataclass(frozen=True)
class Option:
    """One answer to tap: its posted value, its words and the id of its input."""

    value: str
    label: str
    input_id: str


@dataclass(frozen=True)
class QuestionDisplay:
    """One question as a page shows it."""

    id: str
    kind: str  # RADIOS, NUMBER or TEMPERATURE_INPUT
    legend: str
    hint: str
    options: tuple[Option, ...] = ()
    inline: bool = False  # short answers side by side
    low: int = 0
    high: int = 0
    value_label: str = ""  # a temperature: the words beside its box, and over its units
    unit_label: str = ""
    not_measured: str = ""  # a "not measured" box's words; the patient leaves the box empty

    @property
    def input_id(self) -> str:
        """The id of the text input of a number or temperature question (its name too)."""
        return self.input_name

    @property
    def target(self) -> str:
        """The id of the input an error summary links to."""
        if self.kind == RADIOS:
            return self.options[0].input_id
        return self.input_name

    @property
    def input_name(self) -> str:
        """The name (and id) of the text input of a number or temperature question."""
        return f"{self.id}_{VALUE}" if self.kind == TEMPERATURE_INPUT else self.id

    @property
    def unit_name(self) -> str:
        """The name of a temperature's unit buttons."""
        return f"{self.id}_{UNIT}"


def _radios(question: Question, legend: str, options: list[tuple[str, str]], inline: bool,
            hint: str) -> QuestionDisplay:
    """A question answered by tapping one of its options."""
    return QuestionDisplay(
        question.id, RADIOS, legend, hint,
        tuple(Option(value, label, f"{question.id}-{value}") for value, label in options),
        inline=inline)


def _question(question: Question, number: str) -> QuestionDisplay:
    """One question's display, in the protocol's language (the page's locale is forced)."""
    text = fill(question.text, number)
    hint = fill(question.hint, number) if question.hint else ""
    if question.type == YES_NO:
        return _radios(question, text, [(YES, _("Yes")), (NO, _("No"))], True, hint)
    if question.type == CHOICE:
        return _radios(question, text, [(c.id, c.text) for c in question.choices], False, hint)
    if question.type == INTEGER:
        low, high = (int(limit) for limit in question.bounds)
        if as_buttons(question):
            numbers = [(str(n), str(n)) for n in range(low, high + 1)]
            return _radios(question, text, numbers, True, hint)
        return QuestionDisplay(question.id, NUMBER, text, hint, low=low, high=high)
    unit = field_name(question, UNIT)
    units = (Option("F", _("°F (Fahrenheit)"), f"{unit}-F"),
             Option("C", _("°C (Celsius)"), f"{unit}-C"))
    return QuestionDisplay(question.id, TEMPERATURE_INPUT, text, hint, units,
                           value_label=_("Temperature (empty: not taken)"), unit_label=_("Unit"))


@lru_cache(maxsize=32)
def display_for(protocol: Protocol, language: str,
                emergency_number: str) -> dict[str, QuestionDisplay]:
    """The display of every question of a protocol (already worded in `language`)."""
    with force_locale(language):
        return {q.id: _question(q, emergency_number) for q in protocol.questions}
