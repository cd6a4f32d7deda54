"""Every field of the answer forms sent twice with two values, in both orders, on the
patient's check, a follow-up check-in and the call console."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from rules import load_protocol
from tests.conformance.checks import SENT, expected, rank
from tests.conformance.doubled_checks import (
    NAVIGATION,
    check_checkin_twice,
    check_console_twice,
    check_page_twice,
    conflicting,
)
from tests.conformance.fhir_checks import check_item_twice
from tests.conformance.harness import Harness, caller_fields, today
from tests.conformance.responses import COMPLETED
from tests.conformance.run import over_sets
from tests.conformance.space import GENE_SIZE, answer_field_names, complete_answers, domains
from tests.conformance.space import PROTOCOL as P
from tests.conformance.stored_checks import stored_answers

# The answer the app gives itself: the protocol's context question (days since the procedure).
DAYS = next(q.id for q in load_protocol().questions if q.context)

ORDERS = ("as posted first", "as posted last")
PAGE_FIELDS = [*answer_field_names(), *NAVIGATION]
CHECKIN_FIELDS = [name for name in PAGE_FIELDS if name != DAYS]
CONSOLE_FIELDS = [name for name in answer_field_names() if name != DAYS]
PAGE_SETS, CHECKIN_SETS, CONSOLE_SETS = 12, 4, 3


def _values(gene: bytes, answers: dict, name: str, order: str) -> tuple[str, str]:
    """The two values, the answer's own first or last."""
    first, second = conflicting(gene, answers, name)
    return (first, second) if order == ORDERS[0] else (second, first)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", PAGE_FIELDS)
def test_a_field_sent_twice_on_the_patient_check_shows_the_urgent_reading_or_asks_again(
    harness: Harness, name: str, order: str,
) -> None:
    def each(gene: bytes) -> None:
        answers = complete_answers(gene)
        check_page_twice(harness, answers, name, _values(gene, answers, name, order))

    assert over_sets(f"page twice {name} {order}", PAGE_SETS, each, batch=PAGE_SETS,
                     tally="a field twice: patient page") \
        >= PAGE_SETS


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", CHECKIN_FIELDS)
def test_a_field_sent_twice_in_a_check_in_stores_exactly_what_was_shown(
    harness: Harness, name: str, order: str,
) -> None:
    def each(gene: bytes) -> None:
        answers = stored_answers(complete_answers(gene))
        patient = harness.enrol([answers[DAYS]])[0]
        check_checkin_twice(harness, patient, answers, name,
                            _values(gene, answers, name, order))
        harness.end([patient])

    assert over_sets(f"checkin twice {name} {order}", CHECKIN_SETS, each,
                     batch=CHECKIN_SETS, tally="a field twice: check-in") >= CHECKIN_SETS


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("name", CONSOLE_FIELDS)
def test_an_answer_sent_twice_to_the_console_shows_its_urgent_reading_and_is_not_saved(
    harness: Harness, name: str, order: str,
) -> None:
    page = harness.nurse.get("/nurse/call").get_data(as_text=True)
    call = re.search(r'name="call" type="hidden" value="([^"]+)"', page)
    assert call is not None

    def each(gene: bytes) -> None:
        answers = stored_answers(complete_answers(gene))
        caller = caller_fields(today() - timedelta(days=answers[DAYS]))
        check_console_twice(harness, answers, caller, name,
                            _values(gene, answers, name, order), call.group(1))

    assert over_sets(f"console twice {name} {order}", CONSOLE_SETS, each,
                     batch=CONSOLE_SETS, tally="an answer twice: console") >= CONSOLE_SETS


def _most_urgent_other(answers: dict, question_id: str) -> object:
    """The answer to this question, other than the given one, with the most urgent result."""
    others = [v for v in domains()[question_id].valid if v != answers.get(question_id)]
    return min(others, key=lambda v: rank(expected({**answers, question_id: v})["disposition"]))


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("question_id", [q.id for q in P.questions])
def test_an_answer_given_twice_in_a_json_body_is_refused(
    harness: Harness, question_id: str, order: str,
) -> None:
    answers = complete_answers(bytes(GENE_SIZE))
    values = [answers.pop(question_id, None), _most_urgent_other(answers, question_id)]
    if order == ORDERS[1]:
        values.reverse()
    body = json.dumps(answers)[:-1] + "".join(
        f', "{question_id}": {json.dumps(v)}' for v in values) + "}"
    status, got = harness.api(body.encode())
    assert (status, set(got["errors"])) == (400, {"body"}), (body, got)
    SENT["JSON API, an answer twice"] += 1


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("question_id", [q.id for q in P.questions])
def test_a_fhir_item_given_twice_is_refused_unless_its_urgent_reading_is_an_emergency(
    harness: Harness, question_id: str, order: str,
) -> None:
    gene = bytes(GENE_SIZE)
    answers = complete_answers(gene)
    answers.setdefault(question_id, domains()[question_id].calm)
    other = _most_urgent_other(answers, question_id)
    if order == ORDERS[1]:  # the urgent answer first, the calm one after it
        answers, other = {**answers, question_id: other}, answers[question_id]
    check_item_twice(harness, gene, answers, question_id, other, COMPLETED)
