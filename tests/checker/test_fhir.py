"""The protocol as a FHIR Questionnaire, and answers read back from a QuestionnaireResponse."""

import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.api.fhir import (
    NOT_MEASURED_SUFFIX,
    ResponseError,
    canonical,
    questionnaire,
    read_response,
)
from rules import Protocol, load_protocol
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO
from tests.checker.samples import make_app

PROTOCOL = load_protocol()


def _flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every item of a questionnaire by linkId, groups included."""
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        found[item["linkId"]] = item
        found.update(_flat(item.get("item", [])))
    return found


def response_for(answers: dict[str, Any], protocol: Protocol = PROTOCOL) -> dict[str, Any]:
    """A QuestionnaireResponse giving these answers, as another system would send it."""
    items = []
    for question in protocol.questions:
        if question.id not in answers:
            continue
        value = answers[question.id]
        if question.type == TEMPERATURE and value is None:
            items.append({"linkId": question.id + NOT_MEASURED_SUFFIX,
                          "answer": [{"valueBoolean": True}]})
            continue
        if question.type == YES_NO:
            answer = {"valueBoolean": value}
        elif question.type == INTEGER:
            answer = {"valueInteger": value}
        elif question.type == CHOICE:
            answer = {"valueCoding": {"system": f"{canonical(protocol)}:{question.id}",
                                      "code": value}}
        else:
            code = {"C": "Cel", "F": "[degF]"}[value["unit"]]
            answer = {"valueQuantity": {"value": value["value"],
                                        "system": "http://unitsofmeasure.org", "code": code}}
        items.append({"linkId": question.id, "answer": [answer]})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical(protocol)}|{protocol.version}",
        "status": "completed",
        "item": items,
    }


def _answer(question: Any) -> st.SearchStrategy[Any]:
    """Any valid answer to one question, drawn from the protocol's own domain."""
    if question.type == YES_NO:
        return st.booleans()
    if question.type == INTEGER:
        return st.integers(int(question.minimum), int(question.maximum))
    if question.type == CHOICE:
        return st.sampled_from([c.id for c in question.choices])
    celsius = st.decimals(min_value=question.minimum, max_value=question.maximum, places=1)
    return st.none() | celsius.map(lambda v: {"value": float(v), "unit": "C"})


ANSWER_SETS = st.fixed_dictionaries(
    {}, optional={q.id: _answer(q) for q in PROTOCOL.questions}
)


def test_the_questionnaire_is_valid_fhir_r4_with_the_protocol_version() -> None:
    document = questionnaire(PROTOCOL, "911")
    parsed = Questionnaire.model_validate(document)
    assert parsed.version == PROTOCOL.version
    assert parsed.url == canonical(PROTOCOL)
    assert document["meta"]["profile"] == [
        "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire"
    ]


def test_every_question_is_an_item_of_the_type_its_answers_need() -> None:
    items = _flat(questionnaire(PROTOCOL, "911")["item"])
    expected = {YES_NO: "boolean", INTEGER: "integer", CHOICE: "choice",
                TEMPERATURE: "quantity"}
    for question in PROTOCOL.questions:
        assert items[question.id]["type"] == expected[question.type], question.id
    assert [g.id for g in PROTOCOL.groups] == [
        i["linkId"] for i in questionnaire(PROTOCOL, "911")["item"]
    ]


def test_pain_relief_is_enabled_only_when_there_is_pain() -> None:
    item = _flat(questionnaire(PROTOCOL, "911")["item"])["pain_relieved"]
    assert item["enableWhen"] == [
        {"question": "pain_score", "operator": ">=", "answerInteger": 1}
    ]


def test_answer_options_run_from_least_to_most_severe() -> None:
    items = _flat(questionnaire(PROTOCOL, "911")["item"])
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
    assert read_response(body, PROTOCOL) == answers


def test_answers_inside_groups_are_read_like_flat_ones() -> None:
    flat = response_for({"fainted": True, "pain_score": 3})
    grouped = dict(flat, item=[{"linkId": "emergency", "item": flat["item"]}])
    assert read_response(grouped, PROTOCOL) == {"fainted": True, "pain_score": 3}


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
    body = response_for({"fainted": True})
    change(body)
    with pytest.raises(ResponseError) as caught:
        read_response(body, PROTOCOL)
    assert field in caught.value.errors


def test_a_temperature_given_and_marked_not_measured_is_refused() -> None:
    body = response_for({"temperature": {"value": 38.5, "unit": "C"}})
    body["item"].append({"linkId": "temperature" + NOT_MEASURED_SUFFIX,
                         "answer": [{"valueBoolean": True}]})
    with pytest.raises(ResponseError) as caught:
        read_response(body, PROTOCOL)
    assert "temperature" in caught.value.errors


def test_a_temperature_in_an_unknown_unit_is_refused() -> None:
    body = response_for({"temperature": {"value": 38.5, "unit": "C"}})
    body["item"][0]["answer"][0]["valueQuantity"]["code"] = "K"
    with pytest.raises(ResponseError) as caught:
        read_response(body, PROTOCOL)
    assert "Cel" in caught.value.errors["temperature"]


CLIENT = make_app().test_client()


def test_the_questionnaire_is_served_as_fhir_json() -> None:
    response = CLIENT.get("/api/v1/questionnaire")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    parsed = Questionnaire.model_validate(response.get_json())
    assert parsed.version == PROTOCOL.version


@settings(max_examples=60, deadline=None)
@given(ANSWER_SETS)
def test_a_questionnaire_response_gets_the_same_assessment_as_the_json_answers(
    answers: dict[str, Any],
) -> None:
    as_json = CLIENT.post("/api/v1/assessments", json=answers)
    as_fhir = CLIENT.post("/api/v1/assessments", data=json.dumps(response_for(answers)),
                          content_type="application/fhir+json")
    assert as_json.status_code == as_fhir.status_code
    assert as_json.get_json() == as_fhir.get_json()


def test_a_questionnaire_response_for_an_emergency_gets_the_emergency() -> None:
    body = response_for({"chest_symptoms": True})
    response = CLIENT.post("/api/v1/assessments", data=json.dumps(body),
                           content_type="application/fhir+json")
    assert response.status_code == 200
    assert response.get_json()["disposition"] == "emergency"


def test_a_malformed_questionnaire_response_gets_422_naming_the_item() -> None:
    body = response_for({"pain_score": 3})
    body["item"][0]["answer"] = [{"valueBoolean": True}]
    response = CLIENT.post("/api/v1/assessments", data=json.dumps(body),
                           content_type="application/fhir+json")
    assert response.status_code == 422
    assert "valueInteger" in response.get_json()["errors"]["pain_score"]
