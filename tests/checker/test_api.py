"""The JSON API: the CLI's assessment over HTTP, strict about what it accepts."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from tests.checker.samples import CALM_ANSWERS, make_app

URL = "/api/v1/assessments"
ROOT = Path(__file__).resolve().parents[2]


def _cli_assess(answers: dict[str, Any]) -> dict[str, Any]:
    """The assessment printed by `python -m rules assess` for the same answers."""
    done = subprocess.run(
        [sys.executable, "-m", "rules", "assess"],
        input=json.dumps(answers),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(done.stdout)


def _validator(client: FlaskClient, schema: str) -> Draft202012Validator:
    """A validator for one component schema of the served OpenAPI document."""
    document = client.get("/api/v1/openapi.json").get_json()
    root = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    return Draft202012Validator(root)


@pytest.mark.parametrize(
    "answers",
    [
        CALM_ANSWERS,
        {**CALM_ANSWERS, "pain_trend": "worse", "feels_feverish": True, "temperature": None},
        {**CALM_ANSWERS, "temperature": {"value": 100.4, "unit": "F"}},
        {**CALM_ANSWERS, "leg_weakness": True},
        {"chest_symptoms": False},
        {},
    ],
)
def test_it_returns_the_same_assessment_as_the_command_line(
    client: FlaskClient, answers: dict[str, Any]
) -> None:
    response = client.post(URL, json=answers)
    assert response.status_code == 200
    assert response.get_json() == _cli_assess(answers)


def test_it_fills_in_the_configured_emergency_number() -> None:
    client = make_app(EMERGENCY_NUMBER="112").test_client()
    result = client.post(URL, json={"fainted": True}).get_json()
    assert result["advice"][0]["text"].startswith("Call 112 now.")


def test_it_rejects_bad_answers_with_a_message_per_field(client: FlaskClient) -> None:
    response = client.post(URL, json={"pain_score": 11, "fainted": "yes", "mood": "ok"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"pain_score", "fainted", "mood"}
    assert errors["pain_score"] == "must be a whole number from 0 to 10"


@pytest.mark.parametrize("body", ["[1, 2]", '"yes"', "null", "3"])
def test_it_rejects_json_that_is_not_an_object(client: FlaskClient, body: str) -> None:
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 422
    assert "answers" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        "{",
        "",
        '{"temperature": {"value": NaN, "unit": "C"}}',
        '{"temperature": {"value": Infinity, "unit": "C"}}',
        '{"fainted": false, "fainted": true}',
        b'{"fainted": "\xff"}',
    ],
)
def test_it_rejects_malformed_json_with_400(client: FlaskClient, body: str | bytes) -> None:
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"]["body"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_it_rejects_a_body_that_is_not_json_with_415(
    client: FlaskClient, content_type: str | None
) -> None:
    response = client.post(URL, data='{"fainted": true}', content_type=content_type)
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.get_json()["errors"]["body"]


def test_it_rejects_a_body_over_the_limit_with_413(client: FlaskClient) -> None:
    body = '{"days_since_procedure": 1' + " " * (70 * 1024) + "}"
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["errors"]["request"]


def test_it_answers_a_get_on_the_assessments_url_with_a_json_405(client: FlaskClient) -> None:
    response = client.get(URL)
    assert response.status_code == 405
    assert response.is_json


def test_it_sets_no_cookie_and_no_cors_header(client: FlaskClient) -> None:
    for response in (client.post(URL, json=CALM_ANSWERS), client.post(URL, json={"x": 1})):
        assert "Set-Cookie" not in response.headers
        assert not any(h.lower().startswith("access-control-") for h in response.headers.keys())


def test_it_needs_no_csrf_token_when_csrf_is_on() -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    assert client.post(URL, json=CALM_ANSWERS).status_code == 200


def test_it_serves_an_openapi_3_1_document(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/api/v1/assessments", "/api/v1/openapi.json"}
    responses = document["paths"]["/api/v1/assessments"]["post"]["responses"]
    assert set(responses) == {"200", "400", "413", "415", "422"}


@pytest.mark.parametrize(
    "answers",
    [CALM_ANSWERS, {**CALM_ANSWERS, "bleeding": "uncontrolled"}, {"pain_score": 9}],
)
def test_its_assessments_match_the_documented_schema(
    client: FlaskClient, answers: dict[str, Any]
) -> None:
    _validator(client, "Answers").validate(answers)
    _validator(client, "Assessment").validate(client.post(URL, json=answers).get_json())


def test_its_documented_answer_schema_rejects_what_the_api_rejects(client: FlaskClient) -> None:
    validator = _validator(client, "Answers")
    for bad in ({"pain_score": 11}, {"mood": "ok"}, {"temperature": {"value": 37}}):
        assert not validator.is_valid(bad)
        assert client.post(URL, json=bad).status_code == 422


def test_its_errors_match_the_documented_schema(client: FlaskClient) -> None:
    validator = _validator(client, "Errors")
    for response in (
        client.post(URL, json={"pain_score": 11}),
        client.post(URL, data="{", content_type="application/json"),
        client.post(URL, data="{}", content_type="text/plain"),
        client.post(URL, data="{" + " " * 70000, content_type="application/json"),
    ):
        assert response.status_code in (400, 413, 415, 422)
        validator.validate(response.get_json())
