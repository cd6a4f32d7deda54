"""What the API must answer to a FHIR QuestionnaireResponse, held to rules.assess."""

from __future__ import annotations

import json
from typing import Any

from tests.conformance.checks import EMERGENCY, SENT, disagree, expected, refused_fields_of
from tests.conformance.harness import Harness
from tests.conformance.responses import (
    COMPLETED,
    Questionnaire,
    all_items,
    named,
    with_item_twice,
)
from tests.conformance.space import (
    FHIR_REFUSED,
    FHIR_TWICE,
    PROTOCOL,
    asked,
    choice,
    complete,
    domains,
)

FHIR = "application/fhir+json"
SURFACE = "FHIR QuestionnaireResponse"


def served(h: Harness) -> Questionnaire:
    """The Questionnaire the API serves, read once per run."""
    if not hasattr(h, "questionnaire"):
        document = h.app.test_client().get("/api/v1/questionnaire").get_json()
        h.questionnaire = Questionnaire.read(document)  # type: ignore[attr-defined]
    return h.questionnaire  # type: ignore[attr-defined,no-any-return]


def send(h: Harness, response: dict[str, Any]) -> tuple[int, Any]:
    """The API's answer to a QuestionnaireResponse."""
    status, body = h.api(json.dumps(response).encode(), FHIR)
    SENT[SURFACE] += 1
    return status, body


def missing(answers: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Questions a complete response must answer that these leave out: surely, and possibly.

    A question asked only in some case is surely missing once its case is known to hold.
    """
    possibly = {q.id for q in asked(PROTOCOL, answers) if q.id not in answers}
    surely = {q for q in possibly if PROTOCOL.by_id[q].asked_when is None
              or PROTOCOL.by_id[q].asked_when.evaluate(answers) is True}
    return surely, possibly


def check_fhir(h: Harness, gene: bytes, answers: dict[str, Any], status: str, *,
               under_answers: bool = False, chained: bool = False) -> None:
    """A response gives the assessment of its answers; a completed one must be complete.

    A completed response that leaves a question out is refused (422, naming it), unless its
    answers already mean an emergency, which decides at once as it ends the patient's form.
    """
    response = served(h).response(gene, answers, status, under_answers=under_answers,
                                  chained=chained)
    got_status, body = send(h, response)
    want = expected(answers, number=h.number)
    if status in (COMPLETED, "amended") and not complete(PROTOCOL, answers) \
            and want["disposition"] != EMERGENCY:
        surely, possibly = missing(answers)
        if got_status != 422 or not surely <= named(body) <= possibly | surely:
            raise disagree(SURFACE, response, f"422 naming {sorted(surely)}",
                           (got_status, body))
        return
    if got_status != 200 or body != want:
        raise disagree(SURFACE, response, want, (got_status, body))


def check_fhir_twice(h: Harness, gene: bytes, answers: dict[str, Any], status: str) -> None:
    """An item answered twice (two items anywhere, or two answers in one): the more urgent
    reading when on its own it means an emergency, as on the patient's form; else refused."""
    read = choice(gene, FHIR_TWICE)
    domain = read.pick([d for d in domains().values() if d.question.id in answers])
    link = domain.question.id
    other = read.pick([v for v in domain.valid if v != answers[link]])
    check_item_twice(h, gene, answers, link, other, status, in_one_item=read.chance(0.5))


def check_item_twice(h: Harness, gene: bytes, answers: dict[str, Any], link: str, other: Any,
                     status: str, *, in_one_item: bool = False) -> None:
    """One question answered `answers[link]` and `other`, in the response's order."""
    q = served(h)
    response = q.response(gene, answers, status)
    if other is None:  # "not measured" beside a reading
        extra_link, extra = q.not_measured[link], {"valueBoolean": True}
    else:
        extra_link, extra = link, q.answer(link, other)
    own = next((i for i in all_items(response["item"]) if i["linkId"] == extra_link), None)
    if own is not None and in_one_item:
        own["answer"].append(extra)  # two answers in one item
    else:
        response = with_item_twice(response, gene, extra_link, extra)
    got_status, body = send(h, response)
    urgent = [expected({**answers, link: v}, number=h.number) for v in (answers[link], other)]
    urgent = [want for want in urgent if want["disposition"] == EMERGENCY]
    if urgent:
        if got_status != 200 or body not in urgent:
            raise disagree(SURFACE, response, f"the emergency: {urgent[0]}", (got_status, body))
    elif got_status != 422 or not named(body) & {link, extra_link}:
        raise disagree(SURFACE, response, f"422 naming {link}", (got_status, body))


def check_fhir_refuses(h: Harness, gene: bytes, answers: dict[str, Any], status: str) -> None:
    """An answer the engine refuses, sent in its item's value[x], is refused (422)."""
    read = choice(gene, FHIR_REFUSED)
    q = served(h)
    domain = read.pick([d for d in domains().values() if d.question.id in q.items])
    value = read.pick(domain.refused)
    spoiled = {**answers, domain.question.id: value}
    response = q.response(gene, answers, status)
    for item in all_items(response["item"]):
        if item["linkId"] == domain.question.id:
            item["answer"] = [q.raw_answer(domain.question.id, value)]
            break
    else:
        response["item"].append({"linkId": domain.question.id,
                                 "answer": [q.raw_answer(domain.question.id, value)]})
    got_status, body = send(h, response)
    if got_status != 422 or not named(body) & (refused_fields_of(spoiled) | {"body"}):
        raise disagree(SURFACE, response, f"422 naming {domain.question.id}",
                       (got_status, body))
