"""A completed QuestionnaireResponse answers every enabled question; one in progress is partial."""

from typing import Any

import pytest

from checker.api.fhir import NOT_MEASURED_SUFFIX
from rules import assess
from rules.model import INTEGER
from tests.checker.test_fhir import (
    CLIENT,
    EMERGENCY,
    EMERGENCY_QUESTIONS,
    PROTOCOL,
    TEMPERATURE_QUESTION,
    URL,
    calm_answers,
    outcome_errors,
    post_fhir,
    response_for,
)

ALWAYS_ASKED = [q.id for q in PROTOCOL.questions if q.asked_when is None]
GUARDED = [q for q in PROTOCOL.questions if q.asked_when is not None]


def _guard_value(question: Any, enabled: bool) -> tuple[str, int]:
    """An answer to the whole-number question a guarded question depends on, enabling it or not."""
    name = next(iter(question.asked_when.names))
    source = PROTOCOL.by_id[name]
    assert source.type == INTEGER
    low, high = (int(v) for v in source.bounds)
    value = next(v for v in range(low, high + 1)
                 if question.asked_when.evaluate({name: v}) is enabled)
    return name, value


def test_a_completed_response_with_no_items_is_refused_naming_every_question() -> None:
    errors = outcome_errors(post_fhir(CLIENT, response_for({}, status="completed", items=[])))
    assert sorted(errors) == sorted(ALWAYS_ASKED)


@pytest.mark.parametrize("question_id", EMERGENCY_QUESTIONS)
def test_a_completed_response_without_an_emergency_question_is_refused_naming_it(
    question_id: str,
) -> None:
    answers = calm_answers()
    del answers[question_id]
    errors = outcome_errors(post_fhir(CLIENT, response_for(answers, status="completed")))
    assert list(errors) == [question_id]


@pytest.mark.parametrize("status", ["completed", "amended"])
def test_a_complete_response_gets_the_json_apis_decided_assessment(status: str) -> None:
    answers = calm_answers()
    response = post_fhir(CLIENT, response_for(answers, status=status))
    assert response.status_code == 200
    assert response.get_json() == CLIENT.post(URL, json=answers).get_json()
    assert response.get_json()["decided"] is True


def test_an_amended_response_must_be_complete_too() -> None:
    answers = calm_answers()
    del answers[ALWAYS_ASKED[-1]]
    errors = outcome_errors(post_fhir(CLIENT, response_for(answers, status="amended")))
    assert list(errors) == [ALWAYS_ASKED[-1]]


@pytest.mark.parametrize("question", GUARDED, ids=lambda q: q.id)
def test_a_question_that_is_not_enabled_need_not_be_answered(question: Any) -> None:
    name, value = _guard_value(question, enabled=False)
    answers = {**calm_answers(), name: value}
    answers.pop(question.id, None)
    response = post_fhir(CLIENT, response_for(answers, status="completed"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == CLIENT.post(URL, json=answers).get_json()


@pytest.mark.parametrize("question", GUARDED, ids=lambda q: q.id)
def test_a_question_that_is_enabled_must_be_answered(question: Any) -> None:
    name, value = _guard_value(question, enabled=True)
    answers = {**calm_answers(), name: value}
    answers.pop(question.id, None)
    errors = outcome_errors(post_fhir(CLIENT, response_for(answers, status="completed")))
    assert list(errors) == [question.id]


def test_a_temperature_marked_not_measured_is_answered() -> None:
    temperature = TEMPERATURE_QUESTION
    answers = {**calm_answers(), temperature.id: None}
    body = response_for(answers, status="completed")
    assert temperature.id + NOT_MEASURED_SUFFIX in [i["linkId"] for i in body["item"]]
    response = post_fhir(CLIENT, body)
    assert response.status_code == 200
    assert response.get_json() == CLIENT.post(URL, json=answers).get_json()


def test_a_temperature_neither_given_nor_marked_not_measured_is_missing() -> None:
    temperature = TEMPERATURE_QUESTION
    answers = calm_answers()
    del answers[temperature.id]
    body = response_for(answers, status="completed")
    body["item"].append({"linkId": temperature.id + NOT_MEASURED_SUFFIX,
                         "answer": [{"valueBoolean": False}]})
    assert list(outcome_errors(post_fhir(CLIENT, body))) == [temperature.id]


def test_a_completed_response_with_an_emergency_answer_is_decided_at_once() -> None:
    # As on the patient's form, an emergency answer ends the questions: nothing else can
    # change the result, and a refusal would only delay the call.
    rule = next(r for r in PROTOCOL.rules if r.disposition == EMERGENCY)
    atom = rule.when.disjuncts[0][0]
    answers = {atom.name: atom.value}
    response = post_fhir(CLIENT, response_for(answers, status="completed"))
    assert response.status_code == 200
    assert response.get_json()["disposition"] == EMERGENCY
    assert response.get_json() == CLIENT.post(URL, json=answers).get_json()


def test_missing_items_and_a_bad_answer_are_named_together() -> None:
    answers = calm_answers()
    missing = EMERGENCY_QUESTIONS[0]
    del answers[missing]
    body = response_for(answers, status="completed")
    wrong = next(i for i in body["item"] if i["linkId"] != missing)
    wrong["answer"] = [{"valueString": "x"}]
    errors = outcome_errors(post_fhir(CLIENT, body))
    assert sorted(errors) == sorted([missing, wrong["linkId"]])


def test_an_in_progress_response_gets_the_undecided_assessment_with_what_could_raise_it() -> None:
    answers = {k: v for k, v in calm_answers().items() if k not in EMERGENCY_QUESTIONS}
    response = post_fhir(CLIENT, response_for(answers, status="in-progress"))
    assert response.status_code == 200
    result = response.get_json()
    assert result == CLIENT.post(URL, json=answers).get_json()
    assert result["decided"] is False
    assert set(EMERGENCY_QUESTIONS) <= set(result["could_raise"])
    assert result["could_raise"] == assess(answers, PROTOCOL)["could_raise"]


def test_an_in_progress_response_with_no_items_is_the_empty_partial_assessment() -> None:
    response = post_fhir(CLIENT, response_for({}, status="in-progress", items=[]))
    assert response.status_code == 200
    assert response.get_json() == CLIENT.post(URL, json={}).get_json()
    assert response.get_json()["decided"] is False
