"""Items in groups or under answers are read; an item answered twice never lowers a result."""

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.api.fhir import read_answers
from rules import AnswerError, assess
from tests.checker.test_fhir import (
    CLIENT,
    COMPLETE_SETS,
    EMERGENCY,
    PROTOCOL,
    STRATEGIES,
    URL,
    calm_answers,
    fhir_answer,
    items_for,
    outcome_errors,
    post_fhir,
    response_for,
)

# A yes/no question whose "yes" alone is an emergency, read from the protocol's rules.
RED_FLAG = next(atom for rule in PROTOCOL.rules if rule.disposition == EMERGENCY
                for atom in rule.when.disjuncts[0] if atom.value is True)


def _item(answers: dict[str, Any], question_id: str) -> dict[str, Any]:
    """The one item that carries a question's answer."""
    return next(i for i in items_for(answers) if i["linkId"] == question_id)


def _same_as_json(body: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """The FHIR result, asserted equal to the JSON API's for the same answers."""
    response = post_fhir(CLIENT, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == CLIENT.post(URL, json=answers).get_json()
    return dict(response.get_json())


def test_an_answer_nested_under_another_answer_is_read() -> None:
    answers = {**calm_answers(), RED_FLAG.name: True}
    items = [i for i in items_for(answers) if i["linkId"] != RED_FLAG.name]
    items[0]["answer"][0]["item"] = [_item(answers, RED_FLAG.name)]
    result = _same_as_json(response_for(answers, "completed", items), answers)
    assert result["disposition"] == EMERGENCY


@pytest.mark.parametrize("depth", [1, 2, 5, 40])
def test_items_in_groups_at_any_depth_are_read(depth: int) -> None:
    answers = calm_answers()
    nested: list[dict[str, Any]] = items_for(answers)
    for level in range(depth):
        nested = [{"linkId": f"group-{level}", "text": "A group", "item": nested}]
    _same_as_json(response_for(answers, "completed", nested), answers)


def test_nesting_under_answers_inside_groups_inside_answers_is_read() -> None:
    answers = {**calm_answers(), RED_FLAG.name: True}
    items = items_for(answers)
    first, rest = items[0], items[1:]
    first["answer"][0]["item"] = [{"linkId": "inner", "item": [
        {"linkId": rest[0]["linkId"], "answer": [dict(rest[0]["answer"][0], item=rest[1:])]}]}]
    result = _same_as_json(response_for(answers, "completed", [first]), answers)
    assert result["disposition"] == EMERGENCY


def test_empty_groups_are_fine() -> None:
    answers = calm_answers()
    items = [{"linkId": g.id, "text": g.title} for g in PROTOCOL.groups]
    items += [{"linkId": "empty", "item": []}, {"linkId": "outer", "item": [{"linkId": "x"}]}]
    _same_as_json(response_for(answers, "completed", items + items_for(answers)), answers)


def test_an_item_without_an_answer_in_progress_is_not_asked_yet() -> None:
    body = response_for({}, items=[{"linkId": RED_FLAG.name, "answer": []},
                                   {"linkId": RED_FLAG.name}])
    _same_as_json(body, {})


@pytest.mark.parametrize("shape", ["same linkId twice", "two answers in one item",
                                   "twice, once nested"])
@pytest.mark.parametrize("order", [(False, True), (True, False)])
def test_an_emergency_answered_twice_gets_the_emergency(shape: str, order: tuple[bool, bool]
                                                         ) -> None:
    answers = {**calm_answers(), RED_FLAG.name: order[0]}
    items = items_for(answers)
    item = next(i for i in items if i["linkId"] == RED_FLAG.name)
    second = fhir_answer(PROTOCOL.by_id[RED_FLAG.name], order[1])
    if shape == "same linkId twice":
        items.append({"linkId": RED_FLAG.name, "answer": [second]})
    elif shape == "two answers in one item":
        item["answer"].append(second)
    else:
        host = next(i for i in reversed(items) if i["linkId"] != RED_FLAG.name)
        host["answer"][0]["item"] = [{"linkId": RED_FLAG.name, "answer": [second]}]
    response = post_fhir(CLIENT, response_for(answers, "completed", items))
    assert response.status_code == 200
    assert response.get_json() == CLIENT.post(URL, json={**answers, RED_FLAG.name: True}
                                              ).get_json()
    assert response.get_json()["disposition"] == EMERGENCY


def test_an_item_answered_twice_with_no_emergency_reading_is_refused_naming_it() -> None:
    answers = calm_answers()
    question = PROTOCOL.by_id["pain_score"]
    low, high = (int(v) for v in question.bounds)
    items = items_for({**answers, question.id: low})
    items.append({"linkId": question.id, "answer": [fhir_answer(question, high)]})
    errors = outcome_errors(post_fhir(CLIENT, response_for(answers, "completed", items)))
    assert list(errors) == [question.id]
    assert "more than once" in errors[question.id]


def test_the_same_answer_twice_is_refused_like_a_key_sent_twice() -> None:
    answers = {**calm_answers(), RED_FLAG.name: False}
    items = items_for(answers) + [copy.deepcopy(_item(answers, RED_FLAG.name))]
    errors = outcome_errors(post_fhir(CLIENT, response_for(answers, "completed", items)))
    assert list(errors) == [RED_FLAG.name]


def _alone(answers: dict[str, Any], question_id: str, value: Any) -> str | None:
    """The disposition these answers give with this one reading, None if they are invalid."""
    try:
        return str(assess({**answers, question_id: value}, PROTOCOL)["disposition"])
    except AnswerError:
        return None


@settings(max_examples=80, deadline=None)
@given(answers=COMPLETE_SETS, data=st.data())
def test_an_item_answered_twice_is_never_less_urgent_than_any_reading(
    answers: dict[str, Any], data: st.DataObject,
) -> None:
    question_id = data.draw(st.sampled_from([q.id for q in PROTOCOL.questions]))
    first, second = (data.draw(STRATEGIES[question_id]) for _ in range(2))
    readings = {_alone(answers, question_id, v) for v in (first, second)}
    items = items_for({**answers, question_id: first})
    items += items_for({question_id: second})
    body = response_for(answers, "completed", items)
    if EMERGENCY in readings:
        assert post_fhir(CLIENT, body).get_json()["disposition"] == EMERGENCY
    else:
        errors = outcome_errors(post_fhir(CLIENT, body))
        assert question_id in errors


def test_a_flat_and_a_deeply_nested_response_read_the_same() -> None:
    answers = calm_answers()
    items = items_for(answers)
    nested = items[0]
    for item in items[1:]:
        nested = {"linkId": item["linkId"], "answer": [dict(item["answer"][0], item=[nested])]}
    body = response_for(answers, "completed", [nested])
    assert read_answers(body, PROTOCOL) == read_answers(response_for(answers, "completed"),
                                                        PROTOCOL)
