"""The self-check form, built from the protocol's own questions."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, Regexp

from checker.validators import OneValue, PlainText
from rules import Protocol, Question, fill
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

YES_NO_CHOICES = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
UNIT_FIELD = "temperature_unit"
SWITCH_UNIT = "switch_unit"  # "Yes, I meant °C": posts the answers again in that unit
UNIT_CHOICES = [SelectChoice("F", "°F (Fahrenheit)"), SelectChoice("C", "°C (Celsius)")]
# An integer question with no more than this many answers is shown as buttons to tap.
MAX_RADIO_STEPS = 11
WHOLE_NUMBER = re.compile(r"^[0-9]{1,6}\Z")  # ASCII digits only: nothing is guessed
# A decimal point or a decimal comma (38,5 is how much of the world writes 38.5); never a
# thousands separator, so "38,5" can only be 38.5, never 385.
DECIMAL_NUMBER = re.compile(r"^[0-9]{1,3}([.,][0-9]{1,2})?\Z")
# The question stands beside each message and in the summary, so messages need not repeat it.
THIS_ANSWER = "This answer"
MISSING = {
    YES_NO: "Choose yes or no",
    CHOICE: "Choose one answer",
    INTEGER: "Enter a whole number",
}


def as_radios(question: Question) -> bool:
    """Whether a question is answered by choosing one of a few buttons."""
    if question.type == INTEGER:
        return question.maximum - question.minimum + 1 <= MAX_RADIO_STEPS
    return question.type in (YES_NO, CHOICE)


class CheckForm(FlaskForm):
    """The fields every generated form shares; the question fields are added per protocol."""

    protocol: Protocol

    def question_fields(self, group_id: str) -> list[tuple[Question, Field]]:
        """The questions of one group with their fields, in asking order."""
        return [(q, self[q.id]) for q in self.protocol.questions_in(group_id)]

    def answers(self) -> dict[str, Any]:
        """The answers as the rules read them, leaving out empty and malformed fields."""
        answers: dict[str, Any] = {}
        for question in self.protocol.questions:
            field = self[question.id]
            if field.errors:
                continue
            value = self._answer(question, field)
            if value is not _EMPTY:
                answers[question.id] = value
        # A question asked only in some cases is ignored when its case does not hold.
        for question in self.protocol.questions:
            if question.asked_when and question.asked_when.evaluate(answers) is False:
                answers.pop(question.id, None)
        return answers

    def _answer(self, question: Question, field: Field) -> Any:
        """One field's answer in the rules' format, or _EMPTY when it was left blank."""
        raw = field.data
        if question.type == TEMPERATURE:
            if not raw:
                return None  # left empty: not measured
            unit = self[UNIT_FIELD]
            # The default unit only preselects a button; a post without a unit is not guessed.
            if unit.errors or not unit.raw_data or unit.data not in ("F", "C"):
                return _EMPTY
            reading = raw.replace(",", ".")
            value = float(reading) if "." in reading else int(reading)
            return {"value": value, "unit": unit.data}
        if raw in (None, ""):
            return _EMPTY
        if question.type == YES_NO:
            return raw == "yes"
        if question.type == INTEGER:
            return int(raw)
        return raw

    def repeated_readings(self) -> list[tuple[str, Any]]:
        """(question id, answer) for every value of a chosen answer that was sent twice or more."""
        readings = []
        for question in self.protocol.questions:
            values = self[question.id].raw_data or []
            if len(values) < 2 or question.type == TEMPERATURE:
                continue
            for value in values:
                if question.type == YES_NO and value in ("yes", "no"):
                    readings.append((question.id, value == "yes"))
                elif question.type == CHOICE and value in question.choice_ids:
                    readings.append((question.id, value))
                elif question.type == INTEGER and WHOLE_NUMBER.match(value):
                    readings.append((question.id, int(value)))
        return readings

    def require_answers(self, answers: dict[str, Any]) -> None:
        """Mark every question the patient still has to answer."""
        for question in self.protocol.questions:
            field = self[question.id]
            if question.id in answers or field.errors:
                continue
            if question.asked_when and question.asked_when.evaluate(answers) is False:
                continue
            if question.type == TEMPERATURE and self[UNIT_FIELD].errors:
                field.errors.extend(self[UNIT_FIELD].errors)  # only the reading's are shown
            elif question.type == TEMPERATURE:
                self[UNIT_FIELD].errors.append("Choose °F or °C")
                field.errors.append("Choose °F or °C for your temperature")
            else:
                field.errors.append(MISSING[question.type])

    def add_errors(self, errors: dict[str, str]) -> None:
        """Show the rules' messages beside the fields they name."""
        for name, message in errors.items():
            text = message[:1].upper() + message[1:]
            if name in self.protocol.by_id:
                self[name].errors.append(text)
            else:
                self.form_errors.append(text)

    def error_summary(self) -> list[tuple[str, str]]:
        """Each error as (the id of the input to jump to, the message with its question)."""
        summary = []
        for question in self.protocol.questions:
            field = self[question.id]
            target = f"{field.id}-0" if as_radios(question) else field.id
            for message in field.errors:
                summary.append((target, f"{field.label.text} – {message}"))
        return summary


class _Empty:
    """Marks a field the patient left blank (None already means 'not measured')."""


_EMPTY = _Empty()


def _field(question: Question, label: str) -> Field:
    """The form field for one question, accepting only the answers it offers."""
    # OneValue and PlainText come first: Optional() would clear their messages.
    chosen = [OneValue(subject=THIS_ANSWER), Optional()]
    typed = [OneValue(subject=THIS_ANSWER), PlainText(subject=THIS_ANSWER), Optional()]
    if question.type == YES_NO:
        return RadioField(label, choices=YES_NO_CHOICES, validators=chosen)
    if question.type == CHOICE:
        choices = [SelectChoice(c.id, c.text) for c in question.choices]
        return RadioField(label, choices=choices, validators=chosen)
    if question.type == INTEGER:
        low, high = int(question.minimum), int(question.maximum)
        if as_radios(question):
            choices = [SelectChoice(str(n)) for n in range(low, high + 1)]
            return RadioField(label, choices=choices, validators=chosen)
        message = f"Enter a whole number from {low} to {high}, using digits only"
        return StringField(label, validators=[*typed, Regexp(WHOLE_NUMBER, message=message)])
    message = "Enter your temperature as a number, like 98.6 or 37.0, or leave it empty"
    return StringField(label, validators=[*typed, Regexp(DECIMAL_NUMBER, message=message)])


_CLASSES: dict[tuple[str, str, str], type[CheckForm]] = {}


def form_class(protocol: Protocol, emergency_number: str, default_unit: str) -> type[CheckForm]:
    """A form class with one field per question of the protocol, named by answer id."""
    key = (protocol.sha256, emergency_number, default_unit)
    if key not in _CLASSES:
        _CLASSES[key] = _build(protocol, emergency_number, default_unit)
    return _CLASSES[key]


def _build(protocol: Protocol, emergency_number: str, default_unit: str) -> type[CheckForm]:
    """Build the form class for one protocol and configuration."""
    attrs: dict[str, Any] = {"protocol": protocol}
    for question in protocol.questions:
        attrs[question.id] = _field(question, fill(question.text, emergency_number))
        if question.type == TEMPERATURE:
            attrs[UNIT_FIELD] = RadioField(
                "Unit", choices=UNIT_CHOICES, default=default_unit,
                validators=[OneValue(subject="The unit"), Optional()],
            )
    return type("ProtocolCheckForm", (CheckForm,), attrs)


_OP_WORDS = {">=": "{} or more", ">": "more than {}", "<=": "{} or less", "<": "less than {}"}


def hint_for(protocol: Protocol, question: Question, emergency_number: str) -> str:
    """The question's hint, plus when to answer it if it is asked only in some cases."""
    parts = [fill(question.hint, emergency_number)] if question.hint else []
    when = question.asked_when
    if when is not None:
        words = []
        for atoms in when.disjuncts:
            for atom in atoms:
                asked = protocol.by_id[atom.name]
                value = atom.value
                if isinstance(value, bool):
                    value = "yes" if value else "no"
                answer = _OP_WORDS.get(atom.op, "{}").format(value)
                words.append(f"“{fill(asked.text, emergency_number)}” is {answer}")
        parts.append("Answer this only if your answer to " + " and ".join(words) + ".")
    return " ".join(parts)
