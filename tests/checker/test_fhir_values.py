"""Quantities and codings are read only when they say exactly what the Questionnaire asks."""

import logging
from typing import Any

import pytest

from checker.api.fhir import choice_system
from rules.answers import to_fahrenheit
from rules.model import CHOICE
from tests.checker.test_fhir import (
    CLIENT,
    PROTOCOL,
    TEMPERATURE_QUESTION,
    UCUM,
    URL,
    calm_answers,
    outcome_errors,
    post_fhir,
    response_for,
)

TEMPERATURE = TEMPERATURE_QUESTION.id
CHOICES = [q for q in PROTOCOL.questions if q.type == CHOICE]


def _with_quantity(**quantity: Any) -> dict[str, Any]:
    """A completed response whose temperature item carries this valueQuantity."""
    answers = calm_answers()
    body = response_for(answers, "completed")
    item = next(i for i in body["item"] if i["linkId"] == TEMPERATURE)
    item["answer"] = [{"valueQuantity": quantity}]
    return body


def _fever() -> float:
    """A reading in °C at the fever rule's threshold, read from the protocol."""
    return float(next(atom.value for rule in PROTOCOL.rules for conj in rule.when.disjuncts
                      for atom in conj if atom.name == TEMPERATURE and atom.op == ">="))


@pytest.mark.parametrize("comparator", ["<", "<=", ">=", ">", "ad"])
def test_it_refuses_a_quantity_with_a_comparator(comparator: str) -> None:
    body = _with_quantity(value=_fever(), comparator=comparator, system=UCUM, code="Cel")
    errors = outcome_errors(post_fhir(CLIENT, body))
    assert list(errors) == [TEMPERATURE]
    assert "comparator" in errors[TEMPERATURE]


@pytest.mark.parametrize(
    "quantity",
    [
        {"code": "Cel"},
        {"system": "http://snomed.info/sct", "code": "Cel"},
        {"system": UCUM, "code": "K"},
        {"system": UCUM, "code": "cel"},
        {"system": UCUM},
        {"unit": "°C"},
    ],
    ids=["no system", "another system", "kelvin", "code in the wrong case", "no code",
         "unit text only"],
)
def test_it_refuses_a_temperature_not_coded_in_ucum_cel_or_degf(quantity: dict[str, Any]
                                                                 ) -> None:
    errors = outcome_errors(post_fhir(CLIENT, _with_quantity(value=_fever(), **quantity)))
    assert list(errors) == [TEMPERATURE]
    assert UCUM in errors[TEMPERATURE]


@pytest.mark.parametrize(("code", "unit"), [("Cel", "°F"), ("[degF]", "°C"), ("Cel", "F")])
def test_it_refuses_a_unit_text_that_contradicts_the_code(code: str, unit: str) -> None:
    body = _with_quantity(value=_fever(), unit=unit, system=UCUM, code=code)
    assert list(outcome_errors(post_fhir(CLIENT, body))) == [TEMPERATURE]


def test_it_refuses_a_quantity_without_a_value() -> None:
    body = _with_quantity(system=UCUM, code="Cel")
    assert list(outcome_errors(post_fhir(CLIENT, body))) == [TEMPERATURE]


@pytest.mark.parametrize(("code", "unit", "value"),
                         [("Cel", "°C", None), ("[degF]", "°F", "F"), ("[degF]", None, "F")])
def test_a_ucum_reading_is_assessed_as_the_json_api_assesses_it(
    code: str, unit: str | None, value: str | None,
) -> None:
    reading = to_fahrenheit(_fever()) if value == "F" else _fever()
    quantity = {"value": reading, "system": UCUM, "code": code}
    if unit:
        quantity["unit"] = unit
    answers = {**calm_answers(), TEMPERATURE: {"value": reading, "unit": value or "C"}}
    response = post_fhir(CLIENT, _with_quantity(**quantity))
    assert response.status_code == 200
    as_json = CLIENT.post(URL, json=answers).get_json()
    assert response.get_json() == as_json
    assert as_json["disposition"] != PROTOCOL.default_disposition.id  # the fever rule holds


@pytest.mark.parametrize("question", CHOICES, ids=lambda q: q.id)
@pytest.mark.parametrize("system", [None, "http://example.org/other", "wrong question"])
def test_it_refuses_a_choice_code_outside_the_declared_system(question: Any,
                                                               system: str | None) -> None:
    answers = calm_answers()
    body = response_for(answers, "completed")
    item = next(i for i in body["item"] if i["linkId"] == question.id)
    coding = item["answer"][0]["valueCoding"]
    if system is None:
        del coding["system"]
    elif system == "wrong question":
        other = next(q for q in CHOICES if q.id != question.id)
        coding["system"] = choice_system(PROTOCOL, other)
    else:
        coding["system"] = system
    errors = outcome_errors(post_fhir(CLIENT, body))
    assert list(errors) == [question.id]
    assert choice_system(PROTOCOL, question) in errors[question.id]


def test_a_choice_code_the_question_does_not_offer_is_refused_naming_it() -> None:
    question = CHOICES[0]
    answers = calm_answers()
    body = response_for(answers, "completed")
    item = next(i for i in body["item"] if i["linkId"] == question.id)
    item["answer"][0]["valueCoding"]["code"] = "not-a-choice"
    assert list(outcome_errors(post_fhir(CLIENT, body))) == [question.id]


def test_nothing_sent_in_a_refused_response_is_logged_or_echoed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    typed = "Mrs Sample, 12 Private Lane"
    body = _with_quantity(value=_fever(), comparator="<", system=UCUM, code="Cel",
                          unit=typed)
    question = CHOICES[0]
    item = next(i for i in body["item"] if i["linkId"] == question.id)
    item["answer"][0]["valueCoding"].update(code=typed, display=typed, system=typed)
    body["item"].append({"linkId": "pain_score", "answer": [{"valueString": typed}]})
    with caplog.at_level(logging.DEBUG):
        response = post_fhir(CLIENT, body)
    assert response.status_code == 422
    assert typed not in response.get_data(as_text=True)
    assert typed not in caplog.text
