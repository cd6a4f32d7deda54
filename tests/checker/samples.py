"""Answer sets and settings shared by the app's tests and the browser tests."""

from typing import Any

from flask import Flask

from checker import create_app

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "WTF_CSRF_ENABLED": False,
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
}

# A complete, calm answer set as the check's last page posts it: every answer the least
# severe, carried in the form, and "Get my result" pressed on "Check your answers".
CALM_FORM = {
    "chest_symptoms": "no",
    "leg_weakness": "no",
    "bladder_bowel": "no",
    "fainted": "no",
    "bleeding": "none",
    "numbness_tingling": "no",
    "temperature_value": "98.6",
    "temperature_unit": "F",
    "drainage": "no",
    "headache": "none",
    "pain_score": "2",
    "pain_relieved": "yes",
    "activity": "light",
    "pain_trend": "better",
    "swelling": "none",
    "redness": "none",
    "feels_feverish": "no",
    "new_back_pain": "no",
    "days_since_procedure": "2",
    "osteoporosis": "no",
    "blood_thinner": "no",
    "step": "review",
    "action": "submit",
}

# The same answers as the JSON API and `python -m rules assess` take them.
CALM_ANSWERS = {
    "chest_symptoms": False,
    "leg_weakness": False,
    "bladder_bowel": False,
    "fainted": False,
    "bleeding": "none",
    "numbness_tingling": False,
    "temperature": {"value": 98.6, "unit": "F"},
    "drainage": False,
    "headache": "none",
    "pain_score": 2,
    "pain_relieved": True,
    "activity": "light",
    "pain_trend": "better",
    "swelling": "none",
    "redness": "none",
    "feels_feverish": False,
    "new_back_pain": False,
    "days_since_procedure": 2,
    "osteoporosis": False,
    "blood_thinner": False,
}

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

