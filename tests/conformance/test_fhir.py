"""FHIR QuestionnaireResponses, nested any way, held to rules.assess: the same answers as JSON."""

from __future__ import annotations

from tests.conformance.fhir_checks import check_fhir, check_fhir_refuses, check_fhir_twice
from tests.conformance.harness import Harness
from tests.conformance.responses import AMENDED, COMPLETED, IN_PROGRESS
from tests.conformance.run import over_sets
from tests.conformance.space import SHAPE, choice, complete_answers, partial_answers

COMPLETE_SETS = 700
PARTIAL_SETS = 500
MISSING_SETS = 300
TWICE_SETS = 400
REFUSED_SETS = 250


def test_a_completed_fhir_response_nested_any_way_gives_what_rules_assess_gives(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        read = choice(gene, SHAPE)
        check_fhir(harness, gene, complete_answers(gene), read.pick((COMPLETED, AMENDED)),
                   under_answers=read.chance(0.5), chained=read.chance(0.2))

    assert over_sets("fhir complete", COMPLETE_SETS, each) >= COMPLETE_SETS


def test_an_in_progress_fhir_response_gives_the_assessment_of_its_answers_so_far(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        check_fhir(harness, gene, partial_answers(gene), IN_PROGRESS,
                   under_answers=choice(gene, SHAPE).chance(0.5))

    assert over_sets("fhir in progress", PARTIAL_SETS, each) >= PARTIAL_SETS


def test_a_completed_fhir_response_missing_a_question_is_refused_unless_it_is_an_emergency(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        check_fhir(harness, gene, partial_answers(gene), COMPLETED,
                   under_answers=choice(gene, SHAPE).chance(0.5))

    assert over_sets("fhir completed, missing", MISSING_SETS, each) >= MISSING_SETS


def test_a_fhir_item_answered_twice_is_refused_unless_a_reading_is_an_emergency(
    harness: Harness,
) -> None:
    def each(gene: bytes) -> None:
        read = choice(gene, SHAPE)
        answers = complete_answers(gene) if read.chance(0.5) else partial_answers(gene)
        if answers:
            check_fhir_twice(harness, gene, answers, IN_PROGRESS if read.chance(0.5)
                             else COMPLETED)

    assert over_sets("fhir answered twice", TWICE_SETS, each) >= TWICE_SETS


def test_a_fhir_answer_the_engine_refuses_is_refused(harness: Harness) -> None:
    def each(gene: bytes) -> None:
        check_fhir_refuses(harness, gene, partial_answers(gene), IN_PROGRESS)

    assert over_sets("fhir refused", REFUSED_SETS, each) >= REFUSED_SETS
