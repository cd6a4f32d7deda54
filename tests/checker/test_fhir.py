"""The protocol as a FHIR Questionnaire, and answers read back from a QuestionnaireResponse.

The helpers here build responses as another system would send them; the other test_fhir_*
modules use them.
"""

import json
from typing import Any

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from checker.api.fhir import (
    NOT_MEASURED_SUFFIX,
    ResponseError,
    canonical,
    choice_system,
    questionnaire,
    read_answers,
)
from rules import Protocol, Question, load_protocol
from rules.answers import to_fahrenheit
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO
from tests.checker.samples import make_app
from tests.protocol_data import mildest, value_strategies

PROTOCOL = load_protocol()
UCUM = "http://unitsofmeasure.org"
URL = "/api/v1/assessments"


def flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every item of a questionnaire by linkId, groups and children included."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        found[item["linkId"]] = item
        found.update(flat(item.get("item", [])))
    return found


def fhir_answer(question: Question, value: Any, protocol: Protocol = PROTOCOL) -> dict[str, Any]:
    """One answer as a QuestionnaireResponse carries it (a temperature that was measured)."""
    if question.type == YES_NO:
        return {"valueBoolean": value}
    if question.type == INTEGER:
        return {"valueInteger": value}
    if question.type == CHOICE:
        return {"valueCoding": {"system": choice_system(protocol, question), "code": value}}
    code = {"C": "Cel", "F": "[degF]"}[value["unit"]]
    return {"valueQuantity": {"value": value["value"], "system": UCUM, "code": code}}


def items_for(answers: dict[str, Any], protocol: Protocol = PROTOCOL) -> list[dict[str, Any]]:
    """One flat item per answer, in the protocol's order; not measured as its own box."""
    items = []
    for question in protocol.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.type == TEMPERATURE and value is None:
            items.append({"linkId": question.id + NOT_MEASURED_SUFFIX,
                          "answer": [{"valueBoolean": True}]})
        else:
            items.append({"linkId": question.id,
                          "answer": [fhir_answer(question, value, protocol)]})
    return items


def response_for(answers: dict[str, Any], status: str = "in-progress",
                 items: list[dict[str, Any]] | None = None,
                 protocol: Protocol = PROTOCOL) -> dict[str, Any]:
    """A QuestionnaireResponse giving these answers (or these items), as another system would."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical(protocol)}|{protocol.version}",
        "status": status,
        "item": items_for(answers, protocol) if items is None else items,
    }


def post_fhir(client: FlaskClient, body: dict[str, Any]) -> TestResponse:
    """The API's answer to a QuestionnaireResponse."""
    return client.post(URL, data=json.dumps(body), content_type="application/fhir+json")


def outcome_errors(response: TestResponse) -> dict[str, str]:
    """A refusal's OperationOutcome, checked as FHIR, as {linkId or field: message}."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    body = response.get_json()
    OperationOutcome.model_validate(body)
    return {issue["diagnostics"]: issue["details"]["text"] for issue in body["issue"]}


def temperatures(question: Question) -> st.SearchStrategy[Any]:
    """A measured temperature in either unit, within the protocol's range, or not measured."""
    low, high = question.bounds

    def tenths(first: float, last: float) -> st.SearchStrategy[float]:
        return st.integers(round(first * 10), round(last * 10)).map(lambda t: t / 10)

    celsius = tenths(low, high)
    fahrenheit = tenths(to_fahrenheit(low), to_fahrenheit(high))
    return (st.none() | celsius.map(lambda v: {"value": v, "unit": "C"})
            | fahrenheit.map(lambda v: {"value": v, "unit": "F"}))


TEMPERATURE_QUESTION = next(q for q in PROTOCOL.questions if q.type == TEMPERATURE)
EMERGENCY = PROTOCOL.dispositions[0].id
# The questions the emergency rules read: the first a nurse or a form asks.
EMERGENCY_QUESTIONS = sorted({name for rule in PROTOCOL.rules if rule.disposition == EMERGENCY
                              for name in rule.when.names})


def calm_answers() -> dict[str, Any]:
    """Every question answered mildly, with a measured temperature in range."""
    answers = mildest(PROTOCOL)
    answers[TEMPERATURE_QUESTION.id] = {"value": TEMPERATURE_QUESTION.bounds[0], "unit": "C"}
    return answers


STRATEGIES = value_strategies(temperatures(TEMPERATURE_QUESTION))
ANSWER_SETS = st.fixed_dictionaries({}, optional=STRATEGIES)
COMPLETE_SETS = st.fixed_dictionaries(STRATEGIES)
CLIENT = make_app().test_client()


def test_the_questionnaire_is_valid_fhir_r4b_with_the_protocol_version() -> None:
    document = questionnaire(PROTOCOL, "911")
    parsed = Questionnaire.model_validate(document)
    assert parsed.version == PROTOCOL.version
    assert parsed.url == canonical(PROTOCOL)
    assert document["meta"]["profile"] == [
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
    ]


def test_every_question_is_an_item_of_the_type_its_answers_need() -> None:
    items = flat(questionnaire(PROTOCOL, "911")["item"])
    expected = {YES_NO: "boolean", INTEGER: "integer", CHOICE: "choice",
                TEMPERATURE: "quantity"}
    for question in PROTOCOL.questions:
        assert items[question.id]["type"] == expected[question.type], question.id
    assert [g.id for g in PROTOCOL.groups] == [
        i["linkId"] for i in questionnaire(PROTOCOL, "911")["item"]
    ]


def test_answer_options_run_from_least_to_most_severe() -> None:
    items = flat(questionnaire(PROTOCOL, "911")["item"])
    for question in PROTOCOL.questions:
        if question.type != CHOICE:
            continue
        options = items[question.id]["answerOption"]
        severities = [o["extension"][0]["valueDecimal"] for o in options]
        assert severities == sorted(severities), question.id
        assert {o["valueCoding"]["code"] for o in options} == question.choice_ids


def test_the_emergency_number_is_filled_into_the_item_texts() -> None:
    text = str(questionnaire(PROTOCOL, "112")["item"])
    assert "{emergency_number}" not in text


@given(ANSWER_SETS)
def test_a_response_reads_back_as_exactly_the_answers_it_carries(answers: dict[str, Any]) -> None:
    body = response_for(answers)
    QuestionnaireResponse.model_validate(body)
    assert read_answers(body, PROTOCOL) == answers


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.update(questionnaire="urn:other"), "questionnaire"),
        (lambda r: r["item"].append({"linkId": "mystery", "answer": [{"valueBoolean": True}]}),
         "mystery"),
        (lambda r: r["item"].append(dict(r["item"][0])), "fainted"),
        (lambda r: r["item"][0].update(answer=[{"valueInteger": 1}]), "fainted"),
        (lambda r: r["item"][0]["answer"].append({"valueBoolean": False}), "fainted"),
        (lambda r: r.update(resourceType="Patient"), "body"),
        (lambda r: r.update(status="sort of"), "status"),
        (lambda r: r.update(status="entered-in-error"), "status"),
    ],
)
def test_a_malformed_response_is_refused_naming_the_item(change: Any, field: str) -> None:
    body = response_for({"fainted": False})
    change(body)
    with pytest.raises(ResponseError) as caught:
        read_answers(body, PROTOCOL)
    assert field in caught.value.errors


def test_a_temperature_given_and_marked_not_measured_is_refused() -> None:
    body = response_for({"temperature": {"value": 38.5, "unit": "C"}})
    body["item"].append({"linkId": "temperature" + NOT_MEASURED_SUFFIX,
                         "answer": [{"valueBoolean": True}]})
    with pytest.raises(ResponseError) as caught:
        read_answers(body, PROTOCOL)
    assert "temperature" in caught.value.errors


def test_the_questionnaire_is_served_as_fhir_json() -> None:
    response = CLIENT.get("/api/v1/questionnaire")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    parsed = Questionnaire.model_validate(response.get_json())
    assert parsed.version == PROTOCOL.version


@settings(max_examples=60, deadline=None)
@given(ANSWER_SETS)
def test_a_response_in_progress_gets_the_same_assessment_as_the_json_answers(
    answers: dict[str, Any],
) -> None:
    as_json = CLIENT.post(URL, json=answers)
    as_fhir = post_fhir(CLIENT, response_for(answers))
    assert as_json.status_code == as_fhir.status_code == 200
    assert as_json.get_json() == as_fhir.get_json()


def test_a_questionnaire_response_for_an_emergency_gets_the_emergency() -> None:
    emergency = PROTOCOL.dispositions[0]
    atom = next(r.when.disjuncts[0][0] for r in PROTOCOL.rules if r.disposition == emergency.id)
    response = post_fhir(CLIENT, response_for({atom.name: atom.value}))
    assert response.status_code == 200
    assert response.get_json()["disposition"] == emergency.id


def test_an_answer_of_the_wrong_type_gets_an_operation_outcome_naming_the_item() -> None:
    body = response_for({"pain_score": 3})
    body["item"][0]["answer"] = [{"valueBoolean": True}]
    errors = outcome_errors(post_fhir(CLIENT, body))
    assert list(errors) == ["pain_score"]
    assert "valueInteger" in errors["pain_score"]


def test_an_answer_out_of_range_gets_an_operation_outcome_naming_the_item() -> None:
    question = PROTOCOL.by_id["pain_score"]
    body = response_for({"pain_score": int(question.bounds[1]) + 1})
    as_json = CLIENT.post(URL, json={"pain_score": int(question.bounds[1]) + 1})
    errors = outcome_errors(post_fhir(CLIENT, body))
    assert errors == {"pain_score": f"pain_score: {as_json.get_json()['errors']['pain_score']}"}
