"""Answer sets and settings shared by the app's tests and the browser tests."""

from typing import Any

from flask import Flask

from checker import create_app
from tests.protocol_data import as_form, mildest

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}

# A complete, calm answer set as the JSON API and `python -m rules assess` take them, built from
# the protocol: every question its mildest answer, with a little pain that rest eases, on day 2,
# and a normal temperature taken in °F.
CALM_ANSWERS = mildest(temperature={"value": 98.6, "unit": "F"}, pain_score=2,
                       pain_relieved=True, days_since_procedure=2)

# The same answers as the check's last page posts them: carried in the form, and "Get my
# result" pressed on "Check your answers".
CALM_FORM = {**as_form(CALM_ANSWERS), "step": "review", "action": "submit"}

# One change to the calm answers for each disposition, as the form posts it.
FORM_FOR = {
    "self_care": {},
    "call_doctor_today": {"pain_trend": "worse"},
    "call_doctor_now": {"numbness_tingling": "yes"},
    "emergency": {"bleeding": "uncontrolled"},
}

# The headline each disposition shows, as a browser displays it.
HEADLINES = {
    "self_care": "You can care for yourself at home.",
    "call_doctor_today": "Call your doctor's office today.",
    "call_doctor_now": "Call your doctor now, whatever the hour.",
    "emergency": "Call 911 now. Do not drive yourself.",
}


def form_answers(disposition: str) -> dict[str, str]:
    """The answers a patient gives on the form to reach one disposition."""
    answers = {**CALM_FORM, **FORM_FOR[disposition]}
    answers.pop("action")
    answers.pop("step")
    return answers


def make_app(**overrides: Any) -> Flask:
    """An app with the test settings and any overrides."""
    return create_app({**TEST_CONFIG, **overrides})

