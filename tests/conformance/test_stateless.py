"""The JSON API and the patient's anonymous check, held to rules.assess over many answer sets."""

from __future__ import annotations

from tests.conformance.checks import (
    SHOWN,
    check_api,
    check_api_refuses,
    check_patient_incomplete,
    check_patient_page,
)
from tests.conformance.harness import Harness
from tests.conformance.run import over_sets
from tests.conformance.space import PROTOCOL as P
from tests.conformance.space import (
    SHAPE,
    WORDING,
    choice,
    complete_answers,
    form_fields,
    partial_answers,
    refused_answers,
    refused_fields,
)

API_SETS = 11500
PAGE_SETS = 4500
INCOMPLETE_PAGE_SETS = 1500
LANGUAGES = ("en", "es")


def test_the_api_answers_every_answer_set_exactly_as_rules_assess_does(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        shape = choice(gene, SHAPE).byte() % 4
        if shape == 0:
            check_api(harness, complete_answers(gene))
        elif shape == 1:
            check_api(harness, partial_answers(gene))
        elif shape == 2:
            check_api(harness, complete_answers(gene), as_floats=True)
        else:
            check_api_refuses(harness, refused_answers(gene)[1])

    assert over_sets("api", API_SETS, each) >= API_SETS


def test_the_patient_result_page_states_what_rules_assess_gives_in_either_language(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        read = choice(gene, WORDING)
        check_patient_page(harness, complete_answers(gene),
                           language=read.pick(LANGUAGES), comma=read.chance(0.3))

    assert over_sets("patient page", PAGE_SETS, each) >= PAGE_SETS
    # Every disposition is drawn often, so no surface is held to one result only.
    assert {d.id: SHOWN[d.id] >= PAGE_SETS // 20 for d in P.dispositions} == \
        {d.id: True for d in P.dispositions}, SHOWN


def test_the_patient_check_shows_a_result_for_missing_or_unreadable_answers_only_in_an_emergency(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        if choice(gene, SHAPE).chance(0.5):
            readable, fields, spoiled = refused_fields(gene)
            check_patient_incomplete(harness, readable, fields, spoiled)
        else:
            answers = partial_answers(gene)
            check_patient_incomplete(harness, answers, form_fields(P, answers), set())

    assert over_sets("incomplete patient page", INCOMPLETE_PAGE_SETS, each) \
        >= INCOMPLETE_PAGE_SETS
