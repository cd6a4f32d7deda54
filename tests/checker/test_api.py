"""The JSON API: the CLI's assessment over HTTP, strict about what it accepts."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import request
from flask.testing import FlaskClient
from flask_limiter import Limiter
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode

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


CALM_TEXT = json.dumps(CALM_ANSWERS, ensure_ascii=False)


@pytest.mark.parametrize(("body", "message"), [
    (CALM_TEXT.encode("utf-16"), "it looks like UTF-16 or UTF-32"),
    (CALM_TEXT.encode("utf-16-le"), "it looks like UTF-16 or UTF-32"),
    (CALM_TEXT.encode("utf-16-be"), "it looks like UTF-16 or UTF-32"),
    (CALM_TEXT.encode("utf-32"), "it looks like UTF-16 or UTF-32"),
    (CALM_TEXT.encode("utf-8-sig"), "starts with a byte order mark"),
    (CALM_TEXT.replace('"none"', '"n\u00f6ne"').encode("latin-1"), "not UTF-8"),
])
def test_it_accepts_utf8_json_only(client: FlaskClient, body: bytes, message: str) -> None:
    # Before, Python's JSON reader guessed UTF-16 and UTF-32 and answered 200.
    response = client.post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["errors"]["body"]


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "us-ascii", "UTF-32"])
def test_it_refuses_a_charset_other_than_utf8_with_415(client: FlaskClient, charset: str) -> None:
    response = client.post(URL, data=CALM_TEXT.encode(), content_type=f"application/json; "
                           f"charset={charset}")
    assert response.status_code == 415
    assert "UTF-8" in response.get_json()["errors"]["body"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"', "utf8"])
def test_it_takes_an_explicit_utf8_charset(client: FlaskClient, charset: str) -> None:
    response = client.post(URL, data=CALM_TEXT.encode(), content_type=f"application/json; "
                           f"charset={charset}")
    assert response.status_code == 200


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
    assert set(document["paths"]) == {
        "/api/v1/assessments", "/api/v1/openapi.json", "/api/v1/questionnaire"
    }
    responses = document["paths"]["/api/v1/assessments"]["post"]["responses"]
    assert set(responses) == {"200", "400", "411", "413", "415", "422"}


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


# --- schema-valid means accepted -----------------------------------------------------------

# Bodies drawn from the served OpenAPI document by the same generator a schemathesis run uses.
ASSESS = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", make_app())[URL]["POST"]
SCHEMA_SETTINGS = settings(max_examples=200, deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture])


@SCHEMA_SETTINGS
@given(case=ASSESS.as_strategy(generation_mode=GenerationMode.POSITIVE))
def test_every_answer_set_the_schema_allows_is_assessed(case: Any) -> None:
    # Before, the schema allowed any temperature in either unit, which the API refused.
    response = case.call()
    assert response.status_code == 200, (case.body, response.json())
    assert response.json()["protocol"]["id"] == "vertebral-augmentation-aftercare"


def test_a_whole_number_written_with_a_decimal_point_is_that_number(
    client: FlaskClient,
) -> None:
    answers = {**CALM_ANSWERS, "pain_score": 9, "pain_relieved": False, "days_since_procedure": 2}
    whole = client.post(URL, json={**answers, "pain_score": 9.0, "days_since_procedure": 2.0})
    assert whole.status_code == 200
    assert whole.get_json() == client.post(URL, json=answers).get_json()
    assert whole.get_json()["disposition"] != "self_care"
    for bad in ("8.5", '"8"', "true", "1e400", "-1.0"):
        response = client.post(URL, data=f'{{"pain_score": {bad}}}',
                               content_type="application/json")
        assert response.status_code == 422, bad


def _temperature(value: float, unit: str) -> dict[str, Any]:
    """A calm answer set with this temperature reading."""
    return {**CALM_ANSWERS, "temperature": {"value": value, "unit": unit}}


@pytest.mark.parametrize("answers", [
    _temperature(33.95, "C"), _temperature(43.04, "C"), _temperature(43.049999, "C"),
    _temperature(93.11, "F"), _temperature(109.48, "F"), _temperature(34, "C"),
    {**CALM_ANSWERS, "pain_score": 0}, {**CALM_ANSWERS, "pain_score": 10},
    {**CALM_ANSWERS, "days_since_procedure": 365}, {"temperature": None}, {},
])
def test_answers_just_inside_the_documented_ranges_are_valid_and_accepted(
    client: FlaskClient, answers: dict[str, Any]
) -> None:
    assert _validator(client, "Answers").is_valid(answers)
    assert client.post(URL, json=answers).status_code == 200


@pytest.mark.parametrize("answers", [
    # Before, the schema allowed any number of degrees in either unit.
    _temperature(33.94, "C"), _temperature(43.05, "C"), _temperature(93.1, "F"),
    _temperature(109.49, "F"), _temperature(100.0, "C"), _temperature(38.0, "F"),
    _temperature(38.0, "K"), {"temperature": {"value": "38.0", "unit": "C"}},
    {"temperature": {"value": 38.0, "unit": "C", "site": "mouth"}},
    {**CALM_ANSWERS, "pain_score": 11}, {**CALM_ANSWERS, "pain_score": -1},
    {**CALM_ANSWERS, "days_since_procedure": 366}, {**CALM_ANSWERS, "bleeding": "some"},
    {**CALM_ANSWERS, "fainted": "no"}, {**CALM_ANSWERS, "fainted": 0}, {"mood": "fine"},
])
def test_answers_just_outside_the_documented_ranges_are_invalid_and_refused(
    client: FlaskClient, answers: dict[str, Any]
) -> None:
    assert not _validator(client, "Answers").is_valid(answers)
    assert client.post(URL, json=answers).status_code == 422


def test_the_api_is_never_rate_limited_and_keeps_no_session(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[str] = []
    original = Limiter._check_request_limit

    def spy(self: Limiter, *args: Any, **kwargs: Any) -> None:
        checked.append(request.path)
        original(self, *args, **kwargs)

    # The limiter is shared by every app of the process, so watch it rather than configure it.
    monkeypatch.setattr(Limiter, "_check_request_limit", spy)
    client = make_app().test_client()
    answers = [client.post(URL, json=CALM_ANSWERS) for _ in range(3)]
    assert [r.status_code for r in answers] == [200] * 3
    assert all("Set-Cookie" not in r.headers and "Vary" not in r.headers for r in answers)
    assert checked == []
    client.get("/nurse/login")
    assert checked and set(checked) == {"/nurse/login"}


def test_the_api_keeps_its_security_headers_while_skipping_the_hooks_it_does_not_use() -> None:
    response = make_app(WTF_CSRF_ENABLED=True).test_client().post(URL, json=CALM_ANSWERS)
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_the_other_routes_still_check_the_csrf_token() -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    refused = client.post("/nurse/login", data={"username": "nurse", "password": "wrong"})
    assert refused.status_code == 400


def test_the_sign_in_is_still_rate_limited_after_the_api_skipped_its_limits() -> None:
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    for _ in range(3):
        assert client.post(URL, json=CALM_ANSWERS).status_code == 200
    statuses = [
        client.post("/nurse/login", data={"username": "nurse", "password": "wrong"}).status_code
        for _ in range(30)
    ]
    assert 429 in statuses
