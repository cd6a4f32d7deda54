"""One reader for the patient's check and the nurse's console: the same input, the same answer."""

import pytest
from flask import Flask

from checker.answer_form import read_answers
from checker.nurse.questions import read_triage
from rules import load_protocol
from tests.checker.samples import CALM_FORM, make_app

# What people type into a temperature box, and how many digits into a number box.
TEMPERATURES = ["38,5", "38.5", "38", "100.4", "1.000,5", "38,,5", "385", "hot", " 38.5 ", "",
                "38.55", "38.555", "9999"]
NUMBERS = ["0", "7", "10", "11", "1234", "12345", "-1", "2.5", "٣", "", "abc"]


@pytest.fixture
def app() -> Flask:
    return make_app()


def _both(app: Flask, changes: dict[str, str]) -> tuple[object, object]:
    """What the patient's reader and the console's reader make of the same posted fields."""
    data = {k: v for k, v in {**CALM_FORM, **changes}.items() if k not in ("step", "action")}
    data.pop("days_since_procedure")  # the console works the day count out itself
    protocol = load_protocol()
    with app.test_request_context("/"):
        reading = read_answers(protocol, _multidict(data))
        triage = read_triage(_multidict(data), protocol, days=None, emergency_number="911")
    patient = (reading.answers, reading.errors)
    console = ({k: v for k, v in triage.answers.items()}, triage.errors)
    return patient, console


def _multidict(data: dict[str, str]):
    from werkzeug.datastructures import MultiDict

    return MultiDict(list(data.items()))


@pytest.mark.parametrize("typed", TEMPERATURES)
@pytest.mark.parametrize("unit", ["C", "F"])
def test_a_temperature_is_read_alike_by_the_check_and_the_console(
    app: Flask, typed: str, unit: str
) -> None:
    patient, console = _both(app, {"temperature_value": typed, "temperature_unit": unit})
    assert patient == console


@pytest.mark.parametrize("typed", NUMBERS)
def test_a_pain_score_is_read_alike_by_the_check_and_the_console(app: Flask, typed: str) -> None:
    patient, console = _both(app, {"pain_score": typed})
    assert patient == console


def test_a_comma_decimal_is_the_decimal_and_never_a_thousands_separator(app: Flask) -> None:
    (answers, errors), _ = _both(app, {"temperature_value": "38,5", "temperature_unit": "C"})
    assert answers["temperature"] == {"value": 38.5, "unit": "C"} and not errors
    (answers, errors), _ = _both(app, {"temperature_value": "1.000,5", "temperature_unit": "C"})
    assert "temperature" not in answers and "temperature" in errors


def test_four_digit_numbers_are_refused_by_both(app: Flask) -> None:
    (answers, errors), (console_answers, console_errors) = _both(app, {"pain_score": "1234"})
    assert "pain_score" in errors and "pain_score" in console_errors
    assert "pain_score" not in answers and "pain_score" not in console_answers


def test_a_reading_keeps_nothing_of_the_one_before_it(app: Flask) -> None:
    # Each thread reuses its bound form, so one patient's answers must never reach the next.
    protocol = load_protocol()
    first = {k: v for k, v in CALM_FORM.items() if k not in ("step", "action")}
    with app.test_request_context("/"):
        full = read_answers(protocol, _multidict({**first, "temperature_value": "101.2",
                                                  "temperature_unit": "F"}))
        empty = read_answers(protocol, None)
        wrong = read_answers(protocol, _multidict({"pain_score": "eleven"}))
    assert full.answers["temperature"] == {"value": 101.2, "unit": "F"}
    assert empty.answers == {} and empty.errors == {}
    assert not any(empty.posted.values())
    assert wrong.answers == {} and list(wrong.errors) == ["pain_score"]
    assert {name for name, values in wrong.posted.items() if values} == {"pain_score"}
