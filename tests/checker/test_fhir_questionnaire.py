"""The served Questionnaire tells a renderer what is required, each range, hint and version."""

from typing import Any

import fhir.resources
import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError

from checker.api.fhir import NOT_MEASURED_SUFFIX, choice_system, questionnaire
from rules import fill
from rules.model import CHOICE, INTEGER, TEMPERATURE
from tests.checker.test_fhir import CLIENT, PROTOCOL, TEMPERATURE_QUESTION, UCUM, flat

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
CORE = "http://hl7.org/fhir/StructureDefinition/"
ITEM_CONTROL = CORE + "questionnaire-itemControl"


def _served() -> dict[str, Any]:
    """The Questionnaire as the API serves it, with the app's emergency number."""
    response = CLIENT.get("/api/v1/questionnaire")
    assert response.status_code == 200
    return dict(response.get_json())


def _extension(item: dict[str, Any], url: str) -> Any:
    """The value of an item's one extension with this URL."""
    found = [e for e in item.get("extension", []) if e["url"] == url]
    assert len(found) == 1, (item["linkId"], url)
    return next(v for k, v in found[0].items() if k.startswith("value"))


def test_every_question_is_required_and_the_not_measured_box_is_not() -> None:
    items = flat(_served()["item"])
    for question in PROTOCOL.questions:
        assert items[question.id]["required"] is True, question.id
    assert "required" not in items[TEMPERATURE_QUESTION.id + NOT_MEASURED_SUFFIX]


def test_whole_numbers_carry_their_range_as_min_max_and_entry_format() -> None:
    items = flat(_served()["item"])
    for question in PROTOCOL.questions:
        if question.type != INTEGER:
            continue
        low, high = (int(v) for v in question.bounds)
        item = items[question.id]
        assert _extension(item, CORE + "minValue") == low
        assert _extension(item, CORE + "maxValue") == high
        assert _extension(item, CORE + "entryFormat") == f"{low}–{high}"


def test_the_temperature_carries_its_range_and_units_with_the_sdc_extensions() -> None:
    item = flat(_served()["item"])[TEMPERATURE_QUESTION.id]
    low, high = TEMPERATURE_QUESTION.bounds
    assert _extension(item, SDC + "sdc-questionnaire-minQuantity") == {
        "value": low, "unit": "°C", "system": UCUM, "code": "Cel"}
    assert _extension(item, SDC + "sdc-questionnaire-maxQuantity") == {
        "value": high, "unit": "°C", "system": UCUM, "code": "Cel"}
    units = [e["valueCoding"]["code"] for e in item["extension"]
             if e["url"] == CORE + "questionnaire-unitOption"]
    assert units == ["Cel", "[degF]"]


def test_the_temperature_is_enabled_unless_it_was_not_measured() -> None:
    item = flat(_served()["item"])[TEMPERATURE_QUESTION.id]
    assert item["enableWhen"] == [{"question": TEMPERATURE_QUESTION.id + NOT_MEASURED_SUFFIX,
                                   "operator": "!=", "answerBoolean": True}]


def test_each_asked_when_is_an_enable_when_with_the_same_comparison() -> None:
    items = flat(_served()["item"])
    guarded = [q for q in PROTOCOL.questions if q.asked_when is not None]
    assert guarded, "the protocol asks some question only in some cases"
    for question in guarded:
        expected = []
        for atom in question.asked_when.disjuncts[0]:
            source = PROTOCOL.by_id[atom.name]
            value: Any = atom.value
            if source.type == CHOICE:
                value = {"system": choice_system(PROTOCOL, source), "code": atom.value}
            key = {INTEGER: "answerInteger", CHOICE: "answerCoding"}.get(source.type,
                                                                         "answerBoolean")
            expected.append({"question": atom.name, "operator": atom.op, key: value})
        assert items[question.id]["enableWhen"] == expected
    assert items["pain_relieved"]["enableWhen"][0]["question"] == "pain_score"


def test_every_hint_is_a_help_item_of_its_question() -> None:
    items = flat(_served()["item"])
    hinted = [q for q in PROTOCOL.questions if q.hint and q.type != TEMPERATURE]
    assert hinted, "the protocol has hints"
    for question in hinted:
        helps = [i for i in items[question.id].get("item", []) if i["type"] == "display"]
        assert [h["text"] for h in helps] == [fill(question.hint, "911")]
        control = _extension(helps[0], ITEM_CONTROL)
        assert control["coding"] == [{"system": "http://hl7.org/fhir/questionnaire-item-control",
                                      "code": "help", "display": "Help-Button"}]


def test_a_groups_hint_is_shown_at_the_top_of_the_group() -> None:
    served = _served()
    for group, item in zip(PROTOCOL.groups, served["item"], strict=True):
        first = item["item"][0]
        if group.hint:
            assert first["type"] == "display"
            assert first["text"] == fill(group.hint, "911")
        else:
            assert first["type"] != "display"


def test_the_fhir_version_is_named_as_the_validator_checks_it() -> None:
    served = _served()
    assert served["meta"]["tag"] == [{"system": "http://hl7.org/fhir/FHIR-version",
                                      "code": "4.3.0", "display": "FHIR R4B (4.3.0)"}]
    Questionnaire.model_validate(served)  # fhir.resources.R4B: the version named


def test_fhir_resources_refuses_an_element_r4b_does_not_have() -> None:
    # fhir.resources 8.3 checks structure and types but not the codes of required bindings
    # (a status "sort of" passes): test_fhir_schema checks those with HL7's JSON schema.
    assert fhir.resources.__version__.startswith("8.")
    broken = questionnaire(PROTOCOL, "911")
    broken["item"][0]["reqiured"] = True
    with pytest.raises(ValidationError):
        Questionnaire.model_validate(broken)


def test_link_ids_are_unique() -> None:
    def link_ids(items: list[dict[str, Any]]) -> list[str]:
        return [i["linkId"] for i in items] + [x for i in items for x in
                                                link_ids(i.get("item", []))]

    found = link_ids(_served()["item"])
    assert len(found) == len(set(found))
