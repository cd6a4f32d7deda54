"""Form pieces every staff and patient form shares: typed dates, phone numbers, procedures."""

from __future__ import annotations

# types-WTForms (3.2.1, its newest) predates WTForms 3.3's SelectChoice, so mypy finds no
# such name; the app takes it from here. Its choices are SelectChoice(value, label).
from wtforms import DateField
from wtforms.fields.choices import SelectChoice as SelectChoice  # type: ignore[attr-defined]
from wtforms.form import BaseForm

from checker.validators import OneValue, PlainText

PHONE = r"^\+?[0-9][0-9 ().\-]{1,30}$"
PROCEDURES = [SelectChoice("vertebroplasty", "Vertebroplasty"),
              SelectChoice("kyphoplasty", "Kyphoplasty")]
# Every field but advice_given (several ticks) is sent once; OneValue and PlainText come
# before Optional(), which would clear their messages.
ONE_LINE = (OneValue(), PlainText())
MANY_LINES = (OneValue(), PlainText(multiline=True))

REQUIRED = "This field is required."  # DataRequired's own message
DATE_FORMAT = "Not a valid date value. Type it as YYYY-MM-DD, for example 1941-05-11."


def labels(choices: list[SelectChoice]) -> dict[str, str]:
    """Choice value to label."""
    return {c.value: c.label for c in choices}


class TypedDateField(DateField):
    """A date typed as text (YYYY-MM-DD), so no key can change it silently."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the date; a value that is not one gets a message saying how to write it."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(DATE_FORMAT) from error

    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None:
        """Say how to write the date, not "required", when something unreadable was typed."""
        # DataRequired replaces every earlier message with its own; other messages stay.
        if DATE_FORMAT in self.process_errors:
            self.errors = [DATE_FORMAT if e == REQUIRED else e for e in self.errors]
