"""One reader of posted answers, built from the protocol: the patient's steps and the console.

Both post the same field names (a question's id; a temperature as `<id>_value`, `<id>_unit`
and `<id>_not_measured`) and both are read here, so they accept and refuse exactly the same
input. An empty field means "not answered yet"; anything that is not a clean answer gets a
message naming what to do, and is never guessed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from checker.validators import OneValue, PlainText
from rules import Protocol, Question
from rules.answers import to_celsius, to_fahrenheit
from rules.model import CHOICE, INTEGER, TEMPERATURE, TEMPERATURE_UNITS, YES_NO

# Flask-Babel's own annotation of gettext; mypy cannot read it (the package has no py.typed).
_: Callable[..., str] = gettext

VALUE, UNIT, NOT_MEASURED = "value", "unit", "not_measured"
YES, NO = "yes", "no"
# ASCII digits only, never more than a whole number can need: nothing is guessed.
WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
# A decimal point or a decimal comma (38,5 is how Spanish writes 38.5); never a thousands
# separator, so "38,5" can only be 38.5, never 385.
DECIMAL_NUMBER = re.compile(r"[0-9]{1,3}([.,][0-9]{1,2})?")
# The question stands beside each message, so a message need not repeat it.
THIS_ANSWER = _l("This answer")
THE_UNIT = _l("The unit")
# A whole-number question with no more answers than this is shown as buttons to tap.
MAX_BUTTONS = 11


def shown_number(typed: str) -> str:
    """A number as typed (38.5 or 38,5), written the page's language's way: 38,5 in Spanish."""
    text = typed.strip()
    if not DECIMAL_NUMBER.fullmatch(text):
        return typed
    number = text.replace(",", ".")
    decimals = len(number.partition(".")[2])
    pattern = "0." + "0" * decimals if decimals else "0"
    return str(format_decimal(Decimal(number), format=pattern))


def field_name(question: Question, part: str = "") -> str:
    """The posted name of a question's field, or of one part of a temperature."""
    return f"{question.id}_{part}" if part else question.id


def field_names(question: Question) -> tuple[str, ...]:
    """Every name a question posts."""
    if question.type == TEMPERATURE:
        return tuple(field_name(question, part) for part in (VALUE, UNIT, NOT_MEASURED))
    return (question.id,)


def as_buttons(question: Question) -> bool:
    """Whether a whole-number question is answered by tapping one of a few buttons."""
    low, high = question.bounds
    return high - low + 1 <= MAX_BUTTONS


def missing_message(question: Question) -> str:
    """What to say when a question that must be answered was left empty."""
    if question.type == YES_NO:
        return _("Choose yes or no")
    if question.type == CHOICE:
        return _("Choose one answer")
    if question.type == INTEGER:
        low, high = (int(limit) for limit in question.bounds)
        if as_buttons(question):
            return _("Choose a number from %(low)d to %(high)d", low=low, high=high)
        return _("Enter a whole number from %(low)d to %(high)d", low=low, high=high)
    return _("Enter your temperature, or leave the box empty if you have not taken it")


def _whole_number_message(question: Question) -> str:
    low, high = (int(limit) for limit in question.bounds)
    return _("Enter a whole number from %(low)d to %(high)d, using digits only",
             low=low, high=high)


def _temperature_range_message(question: Question) -> str:
    low, high = question.bounds

    def tenths(number: float) -> str:
        return str(format_decimal(number, format="0.0"))

    return _("Enter a temperature from %(low)s to %(high)s °C (%(low_f)s to %(high_f)s °F)",
             low=tenths(low), high=tenths(high), low_f=tenths(to_fahrenheit(low)),
             high_f=tenths(to_fahrenheit(high)))


def read_value(question: Question, raw: str) -> bool | str | int | None:
    """One posted value of a yes/no, choice or whole-number question; None if it is not one."""
    if question.type == YES_NO:
        return raw == YES if raw in (YES, NO) else None
    if question.type == CHOICE:
        return raw if raw in question.choice_ids else None
    if question.type == INTEGER:
        low, high = question.bounds
        if WHOLE_NUMBER.fullmatch(raw) and low <= int(raw) <= high:
            return int(raw)
    return None


@dataclass
class Reading:
    """What a posted form says: answers, a message per unreadable question, and unit hints."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # A refused temperature that fits the other unit (38.5 °F, 101 °C): that unit.
    other_unit: dict[str, str] = field(default_factory=dict)
    # Every field's posted values as sent, for showing them again and carrying them on.
    posted: dict[str, list[Any]] = field(default_factory=dict)

    def raw(self, name: str) -> str:
        """A field's one posted value, or '' when it was not sent or sent more than once."""
        values = self.posted.get(name, [])
        return values[0] if len(values) == 1 and isinstance(values[0], str) else ""


class AnswerForm(Form):
    """The answers of one protocol as posted fields; the question fields are added per protocol."""

    protocol: Protocol

    def read(self) -> Reading:
        """Every answer given, and for each question that cannot be read, why."""
        self.validate()  # one value each, plain text: the checks every field shares
        reading = Reading(posted={name: list(field.raw_data or [])
                                  for name, field in self._fields.items()})
        for question in self.protocol.questions:
            self._read_one(question, reading)
        return reading

    def _shared_error(self, question: Question) -> str:
        """The first message of the checks every field shares, for any part of the question."""
        for name in field_names(question):
            if self[name].errors:
                return str(self[name].errors[0])
        return ""

    def _read_one(self, question: Question, reading: Reading) -> None:
        """Read one question into the reading: an answer, an error, or nothing (not answered)."""
        error = self._shared_error(question)
        if error:
            reading.errors[question.id] = error
            return
        if question.type == TEMPERATURE:
            self._read_temperature(question, reading)
            return
        raw = reading.raw(question.id).strip()
        if not raw:
            return
        value = read_value(question, raw)
        if value is not None:
            reading.answers[question.id] = value
        elif question.type == YES_NO:
            reading.errors[question.id] = _("Choose yes or no")
        elif question.type == CHOICE:
            reading.errors[question.id] = _("Choose one of the answers shown")
        else:
            reading.errors[question.id] = _whole_number_message(question)

    def _read_temperature(self, question: Question, reading: Reading) -> None:
        """A reading with its unit, or ticked as not taken; a typed reading is never dropped."""
        value = reading.raw(field_name(question, VALUE)).strip()
        unit = reading.raw(field_name(question, UNIT)).strip()
        not_measured = bool(reading.raw(field_name(question, NOT_MEASURED)))
        if not value:
            if not_measured:
                reading.answers[question.id] = None
            return
        if not_measured:
            # A reading typed in must never vanish behind the tick: it could be a fever.
            reading.errors[question.id] = _(
                "You typed a temperature and also ticked that you have not taken it: "
                "keep one of them")
            return
        if not DECIMAL_NUMBER.fullmatch(value):
            reading.errors[question.id] = _(
                "Enter your temperature as a number, like 98.6 or 37.0")
            return
        if unit not in TEMPERATURE_UNITS:
            reading.errors[question.id] = _("Choose °F or °C")
            return
        text = value.replace(",", ".")
        number: float | int = float(text) if "." in text else int(text)
        low, high = question.bounds
        if low <= to_celsius(number, unit) <= high:
            reading.answers[question.id] = {"value": number, "unit": unit}
            return
        reading.errors[question.id] = _temperature_range_message(question)
        other = "C" if unit == "F" else "F"
        if low <= to_celsius(number, other) <= high:
            reading.other_unit[question.id] = other


@lru_cache(maxsize=16)
def answer_form_class(protocol: Protocol) -> type[AnswerForm]:
    """A form class with the fields of every question of the protocol, built once."""
    one = [OneValue(subject=THIS_ANSWER), PlainText(subject=THIS_ANSWER)]
    attrs: dict[str, Any] = {"protocol": protocol}
    for question in protocol.questions:
        if question.type == TEMPERATURE:
            attrs[field_name(question, VALUE)] = StringField(validators=one)
            attrs[field_name(question, UNIT)] = StringField(
                validators=[OneValue(subject=THE_UNIT), PlainText(subject=THE_UNIT)])
            attrs[field_name(question, NOT_MEASURED)] = StringField(validators=one)
        else:
            attrs[question.id] = StringField(validators=one)
    return type("ProtocolAnswerForm", (AnswerForm,), attrs)


# Binding a field is most of a form's cost, so each thread keeps one bound form per protocol
# and gives it each request's data: WTForms' process() replaces every field's data and raw
# data, validate() every error, and read() copies out all a caller keeps.
_bound = threading.local()


def read_answers(protocol: Protocol, formdata: Any) -> Reading:
    """Read posted answers (None: nothing posted) with the protocol's form, bound once per thread.

    Speed machinery, kept because it earns it: every page of a patient's check takes 1.12x to
    1.22x as long when a form is bound per request, the plain way
    (`answer_form_class(protocol)(formdata=data).read()`), measured by
    `python -m bench.machinery --only pages` (bench/README.md, "Speed machinery").
    """
    form_class = answer_form_class(protocol)
    forms: dict[type[AnswerForm], AnswerForm] = _bound.__dict__.setdefault("forms", {})
    form = forms.get(form_class)
    # Never None: a form processed with no data would keep the last request's.
    data = formdata if formdata is not None else MultiDict()
    if form is None:
        form = forms[form_class] = form_class(formdata=data)
    else:
        form.process(data)
    return form.read()


def as_fields(protocol: Protocol, answers: dict[str, Any]) -> MultiDict[str, str]:
    """Answers as the form posts them: what `read_answers` reads back as the same answers."""
    fields: MultiDict[str, str] = MultiDict()
    for question in protocol.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.type == TEMPERATURE:
            if value is None:
                fields[field_name(question, NOT_MEASURED)] = "1"
            else:
                fields[field_name(question, VALUE)] = str(value["value"])
                fields[field_name(question, UNIT)] = str(value["unit"])
        elif question.type == YES_NO:
            fields[question.id] = YES if value else NO
        else:
            fields[question.id] = str(value)
    return fields
