"""The nurse's forms: sign-in, the caller's details, closing a call, and addenda."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
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
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from checker.clock import clinic_zone, utcnow
from checker.form_fields import (
    MANY_LINES,
    ONE_LINE,
    PHONE,
    PROCEDURES,
    SelectChoice,
    TypedDateField,
)
from checker.nurse import plan
from checker.validators import OneValue
from rules import Protocol, load_protocol

CALLERS = [
    SelectChoice("patient", "The patient"),
    SelectChoice("family", "A family member or carer"),
    SelectChoice("professional", "A health professional"),
]
SAME_AS_ENGINE = ""
CHOOSE_ACTION = "Choose the action you took."
CHOOSE_AGREEMENT = "Say whether the caller agreed with the plan."
CHOOSE_SIGNS = "Say whether you told the caller when to call back."


def covered_days(protocol: Protocol) -> int | None:
    """The most days after the procedure the protocol covers: its day count's own range."""
    day_count = protocol.day_count
    return int(day_count.maximum) if day_count and day_count.maximum is not None else None


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

    def __init__(self, *args: Any, call_date: date | None = None, **kwargs: Any) -> None:
        """Remember the call's date, which the procedure date is checked against; the rest is
        FlaskForm's (the form data, data=, prefix=, meta=)."""
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
        most = covered_days(load_protocol())
        if most is not None and field.data < self.call_date - timedelta(days=most):
            raise ValidationError(f"This protocol covers the first {most} days after the "
                                  "procedure.")
        if self.date_of_birth.data and field.data < self.date_of_birth.data:
            raise ValidationError("The procedure date cannot be before the date of birth.")


class CheckboxListField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CloseForm(FlaskForm):
    """The nurse's final disposition, advice given, the call's plan and notes."""

    class Meta:
        csrf = False  # part of the console form, whose CallForm carries the token

    final_disposition = SelectField(
        "Final disposition", default=SAME_AS_ENGINE, validators=[OneValue()]
    )
    override_reason = TextAreaField(
        "Reason for a less urgent disposition", validators=[*MANY_LINES, Length(max=2000)]
    )
    advice_given = CheckboxListField("Advice given", validate_choice=True)
    # The plan (checker/nurse/plan.py). InputRequired, not a default, so a form that never
    # showed a field (one opened before it existed) records nothing the nurse did not choose.
    action_taken = RadioField("Action taken", choices=plan.ACTIONS, default=plan.TOLD,
                              validators=[OneValue(), InputRequired(CHOOSE_ACTION)])
    agreement = RadioField("Caller's agreement with the plan", choices=plan.AGREEMENTS,
                           validators=[OneValue(), InputRequired(CHOOSE_AGREEMENT)])
    disagreement_reason = StringField("Why the caller did not agree",
                                      validators=[*ONE_LINE, Length(max=500)])
    call_back_signs = RadioField(
        "Told the caller when to call back",
        choices=plan.SIGNS, validators=[OneValue(), InputRequired(CHOOSE_SIGNS)])
    nurse_call_back_at = StringField("When you will call the patient back (optional)",
                                     validators=[*ONE_LINE, Length(max=40)])
    notes = TextAreaField("Notes (optional)", validators=[*MANY_LINES, Length(max=5000)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """FlaskForm's form; the nurse's call-back time is read when the form is validated."""
        super().__init__(*args, **kwargs)
        self.call_back_at: datetime | None = None

    def validate_disagreement_reason(self, field: StringField) -> None:
        """A caller who did not agree: the record says why."""
        if self.agreement.data == plan.DISAGREED and not (field.data or "").strip():
            raise ValidationError("Say why the caller did not agree.")

    def validate_nurse_call_back_at(self, field: StringField) -> None:
        """A time on the clinic's clock, ahead of now and within a week."""
        try:
            self.call_back_at = plan.call_back_time(
                field.data or "", utcnow(), clinic_zone(current_app.config))
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def validate_notes(self, field: TextAreaField) -> None:
        """An action of "other" is said in the notes."""
        if self.action_taken.data == plan.OTHER and not (field.data or "").strip():
            raise ValidationError("Say in the notes what you did: the action taken is Other.")


class AddendumForm(FlaskForm):
    """A correction or addition to a saved encounter."""

    text = TextAreaField("Addendum", validators=[*MANY_LINES, DataRequired(), Length(max=5000)])
