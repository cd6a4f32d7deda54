"""The nurse's forms: sign-in, the caller's details, closing a call, and addenda."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from checker.validators import OneValue, PlainText

PHONE = r"^\+?[0-9][0-9 ().\-]{1,30}$"
CALLERS = [
    SelectChoice("patient", "The patient"),
    SelectChoice("family", "A family member or carer"),
    SelectChoice("professional", "A health professional"),
]
PROCEDURES = [SelectChoice("vertebroplasty", "Vertebroplasty"),
              SelectChoice("kyphoplasty", "Kyphoplasty")]


def labels(choices: list[SelectChoice]) -> dict[str, str]:
    """Choice value to label."""
    return {c.value: c.label for c in choices}

SAME_AS_ENGINE = ""
MAX_DAYS = 365  # the protocol's range for days_since_procedure
# Every field but advice_given (several ticks) is sent once; OneValue and PlainText come
# before Optional(), which would clear their messages.
ONE_LINE = (OneValue(), PlainText())
MANY_LINES = (OneValue(), PlainText(multiline=True))


REQUIRED = "This field is required."  # DataRequired's own message
DATE_FORMAT = "Not a valid date value. Type it as YYYY-MM-DD, for example 1941-05-11."


class TypedDateField(DateField):
    """A date typed as text (YYYY-MM-DD), so no key can change it silently."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the date; a value that is not one gets a message saying how to write it."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(DATE_FORMAT) from error

    def post_validate(self, form: FlaskForm, validation_stopped: bool) -> None:
        """Say how to write the date, not "required", when something unreadable was typed."""
        # DataRequired replaces every earlier message with its own; other messages stay.
        if DATE_FORMAT in self.process_errors:
            self.errors = [DATE_FORMAT if e == REQUIRED else e for e in self.errors]


class LoginForm(FlaskForm):
    """A nurse's username and password."""

    username = StringField("Username", validators=[*ONE_LINE, DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[OneValue(), DataRequired(), Length(max=200)])


class CallForm(FlaskForm):
    """Who is calling, about whom, and which procedure."""

    call = HiddenField()
    patient_name = StringField(
        "Patient's name", validators=[*ONE_LINE, DataRequired(), Length(max=200)]
    )
    date_of_birth = TypedDateField("Date of birth", validators=[*ONE_LINE, DataRequired()])
    record_number = StringField(
        "Record number (optional)", validators=[*ONE_LINE, Optional(), Length(max=64)]
    )
    callback_number = StringField(
        "Callback number",
        validators=[
            *ONE_LINE,
            DataRequired(),
            Regexp(PHONE, message="Enter a phone number: digits, spaces, + - . ( )."),
        ],
    )
    caller = RadioField("Who is calling", choices=CALLERS, validators=[OneValue(), DataRequired()])
    procedure_type = RadioField(
        "Procedure", choices=PROCEDURES, validators=[OneValue(), DataRequired()]
    )
    procedure_date = TypedDateField("Date of the procedure", validators=[*ONE_LINE, DataRequired()])

    def __init__(self, *args: object, call_date: date | None = None, **kwargs: object) -> None:
        """Remember the call's date, which the procedure date is checked against."""
        super().__init__(*args, **kwargs)
        self.call_date = call_date or date.today()

    def validate_date_of_birth(self, field: DateField) -> None:
        """A birth date in the future is a typing slip."""
        if field.data and field.data > self.call_date:
            raise ValidationError("The date of birth cannot be in the future.")

    def validate_procedure_date(self, field: DateField) -> None:
        """The protocol covers the year after the procedure."""
        if not field.data:
            return
        if field.data > self.call_date:
            raise ValidationError("The procedure date cannot be after the call.")
        if field.data < self.call_date - timedelta(days=MAX_DAYS):
            raise ValidationError("This protocol covers the first 365 days after the procedure.")
        if self.date_of_birth.data and field.data < self.date_of_birth.data:
            raise ValidationError("The procedure date cannot be before the date of birth.")


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CloseForm(FlaskForm):
    """The nurse's final disposition, advice given and notes."""

    class Meta:
        csrf = False  # part of the console form, whose CallForm carries the token

    final_disposition = SelectField(
        "Final disposition", default=SAME_AS_ENGINE, validators=[OneValue()]
    )
    override_reason = TextAreaField(
        "Reason for a less urgent disposition", validators=[*MANY_LINES, Length(max=2000)]
    )
    advice_given = CheckboxListField("Advice given", validate_choice=True)
    notes = TextAreaField("Notes (optional)", validators=[*MANY_LINES, Length(max=5000)])


class AddendumForm(FlaskForm):
    """A correction or addition to a saved encounter."""

    text = TextAreaField("Addendum", validators=[*MANY_LINES, DataRequired(), Length(max=5000)])
