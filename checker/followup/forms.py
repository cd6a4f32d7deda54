"""Follow-up forms: enrolment and a new code (nurse), the code and year of birth (patient)."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from checker.followup.models import normal_code
from checker.form_fields import (
    MANY_LINES,
    ONE_LINE,
    PHONE,
    PROCEDURES,
    SelectChoice,
    TypedDateField,
)
from checker.validators import OneValue

LANGUAGES = [SelectChoice("en", "English"), SelectChoice("es", "Spanish")]
DEFAULT_DAYS = 28
# One @, something either side, a dot in the domain: enough to catch slips, not a verdict.
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
MAX_FOLLOW_DAYS = 90
YEAR_MESSAGE = _l("Enter your year of birth, for example 1948.")
CODE_MESSAGE = _l("Type the code on your sheet: 10 letters and numbers, for example "
                  "K7QM-2XRD-9F.")


def new_form_key() -> str:
    """A random key for one filled-in form, so sending it again is recognised (no secret)."""
    return secrets.token_urlsafe(16)


class OpenForm(FlaskForm):
    """The code on the patient's sheet and their year of birth: posted, never in an address."""

    # An old printed link (/followup/<token>) names the follow-up itself: no code is typed.
    link = HiddenField(validators=[OneValue(), Length(max=200)])
    # Lazy texts, so each page shows them in its own language: WTForms keeps a label or message
    # as given and makes it text only to show it, but types-WTForms asks for a str.
    code = StringField(_l("The code on your sheet"),  # type: ignore[arg-type]
                       validators=[OneValue(), Length(max=40)])
    year = IntegerField(_l("Your year of birth"), validators=[  # type: ignore[arg-type]
        OneValue(), DataRequired(message=YEAR_MESSAGE),  # type: ignore[arg-type]
        NumberRange(min=1900, max=2100, message=YEAR_MESSAGE)])  # type: ignore[arg-type]

    def validate_code(self, field: StringField) -> None:
        """Ten letters and numbers, in any case, with or without dashes and spaces."""
        if not self.link.data and normal_code(field.data or "") is None:
            raise ValidationError(str(CODE_MESSAGE))


class EnrolForm(FlaskForm):
    """A patient enrolled for follow-up at discharge."""

    patient_name = StringField("Patient's name",
                               validators=[*ONE_LINE, DataRequired(), Length(max=200)])
    date_of_birth = TypedDateField("Date of birth", validators=[*ONE_LINE, DataRequired()])
    record_number = StringField("Record number",
                                validators=[*ONE_LINE, DataRequired(), Length(max=64)])
    procedure_type = RadioField("Procedure", choices=PROCEDURES,
                                validators=[OneValue(), DataRequired()])
    procedure_date = TypedDateField("Date of the procedure", validators=[*ONE_LINE, DataRequired()])
    phone = StringField("Phone", validators=[
        *ONE_LINE, DataRequired(),
        Regexp(PHONE, message="Enter a phone number: digits, spaces, + - . ( ).")])
    email = StringField("E-mail (optional)", validators=[
        *ONE_LINE, Optional(), Length(max=254),
        Regexp(EMAIL, message="Enter an e-mail address such as name@example.org.")])
    language = RadioField("Preferred language", choices=LANGUAGES, default="en",
                          validators=[OneValue(), DataRequired()])
    follow_days = IntegerField("Days to follow", default=DEFAULT_DAYS, validators=[
        OneValue(), DataRequired(message="Enter how many days to follow, for example 28."),
        NumberRange(min=1, max=MAX_FOLLOW_DAYS,
                    message=f"Enter a number of days from 1 to {MAX_FOLLOW_DAYS}.")])
    consent = BooleanField("The patient agrees to daily check-ins being stored and read by the "
                           "care team", validators=[OneValue(), DataRequired(
                               message="Record the patient's consent before enrolling.")])
    consent_note = TextAreaField("How consent was given", validators=[
        *MANY_LINES, DataRequired(), Length(max=1000)])
    form_key = HiddenField(default=new_form_key, validators=[OneValue(), Length(max=64)])

    def validate_date_of_birth(self, field: TypedDateField) -> None:
        """A birth date in the future is a typing slip."""
        if field.data and field.data > date.today():
            raise ValidationError("The date of birth cannot be in the future.")

    def validate_procedure_date(self, field: TypedDateField) -> None:
        """Follow-up starts at discharge: a procedure in the last year, not in the future."""
        if not field.data:
            return
        if field.data > date.today():
            raise ValidationError("The procedure date cannot be in the future.")
        if field.data < date.today() - timedelta(days=365):
            raise ValidationError("Follow-up covers the first 365 days after the procedure.")


class ReviewForm(FlaskForm):
    """A nurse's review of one check-in: what was done about it."""

    note = TextAreaField("Review note", validators=[
        *MANY_LINES, DataRequired(message="Write what was done, for example: called the "
                                          "patient, advice given."), Length(max=2000)])


class EndForm(FlaskForm):
    """Ending a follow-up before its days are over; the link stops working."""

    reason = TextAreaField("Reason for ending", validators=[
        *MANY_LINES, DataRequired(message="Write why the follow-up ends, for example: "
                                          "readmitted."), Length(max=2000)])


class NewCodeForm(FlaskForm):
    """Issuing a new code for a running follow-up: the old sheet's code stops working."""

    form_key = HiddenField(default=new_form_key, validators=[OneValue(), Length(max=64)])
