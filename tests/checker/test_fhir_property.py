"""For any valid answers, however a response nests them, FHIR gets exactly the JSON API's result."""

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import assess, validate_answers
from tests.checker.test_fhir import (
    ANSWER_SETS,
    CLIENT,
    COMPLETE_SETS,
    EMERGENCY,
    PROTOCOL,
    URL,
    items_for,
    outcome_errors,
    post_fhir,
    response_for,
)

NUMBER = CLIENT.application.config["EMERGENCY_NUMBER"]
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def nested(draw: st.DrawFn, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """These items in any order, each at the top, in new groups of any depth or under an
    earlier item's answer; sometimes with empty groups."""
    roots: list[dict[str, Any]] = []
    places = [roots]  # the top level and every group's items
    hosts: list[dict[str, Any]] = []  # items with an answer, which may carry others
    for item in draw(st.permutations(copy.deepcopy(items))):
        where = draw(st.sampled_from(["place", "group", "answer"] if hosts else ["place", "group"]))
        if where == "answer":
            host = draw(st.sampled_from(hosts))
            host["answer"][-1].setdefault("item", []).append(item)
        else:
            place = draw(st.sampled_from(places))
            for _ in range(draw(st.integers(1, 4)) if where == "group" else 0):
                group: dict[str, Any] = {"linkId": f"group-{len(places)}", "item": []}
                place.append(group)
                place = group["item"]
                places.append(place)
            place.append(item)
        hosts.append(item)
    for _ in range(draw(st.integers(0, 2))):
        empty = {"linkId": f"empty-{len(places)}"}
        draw(st.sampled_from(places)).append(empty if draw(st.booleans()) else
                                             dict(empty, item=[]))
    return roots


def _posted(answers: dict[str, Any], status: str, data: st.DataObject) -> Any:
    """The API's answer to these answers sent as a randomly nested QuestionnaireResponse."""
    items = data.draw(nested(items_for(answers)))
    return post_fhir(CLIENT, response_for(answers, status, items))


def _assert_same(fhir: Any, answers: dict[str, Any]) -> None:
    """The FHIR result is the JSON API's, and the engine's disposition, advice and call-back."""
    assert fhir.status_code == 200, fhir.get_data(as_text=True)
    result = fhir.get_json()
    assert result == CLIENT.post(URL, json=answers).get_json()
    engine = assess(answers, PROTOCOL, emergency_number=NUMBER)
    for key in ("disposition", "advice", "call_back_if", "decided", "could_raise"):
        assert result[key] == engine[key], key


@SETTINGS
@given(answers=COMPLETE_SETS, data=st.data())
def test_a_completed_response_nested_any_way_gets_the_json_apis_result(
    answers: dict[str, Any], data: st.DataObject,
) -> None:
    _assert_same(_posted(answers, "completed", data), answers)


@SETTINGS
@given(answers=ANSWER_SETS, data=st.data())
def test_a_response_in_progress_nested_any_way_gets_the_json_apis_partial_result(
    answers: dict[str, Any], data: st.DataObject,
) -> None:
    _assert_same(_posted(answers, "in-progress", data), answers)


@SETTINGS
@given(answers=ANSWER_SETS, data=st.data())
def test_a_completed_response_is_assessed_only_when_nothing_enabled_is_missing(
    answers: dict[str, Any], data: st.DataObject,
) -> None:
    values = validate_answers(PROTOCOL, answers)
    missing = [q.id for q in PROTOCOL.questions if q.id not in answers
               and (q.asked_when is None or q.asked_when.evaluate(values) is True)]
    fhir = _posted(answers, "completed", data)
    if not missing or assess(answers, PROTOCOL)["disposition"] == EMERGENCY:
        _assert_same(fhir, answers)
    else:
        assert sorted(outcome_errors(fhir)) == sorted(missing)
