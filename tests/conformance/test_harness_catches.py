"""The harness fails when a surface disagrees: each test plants one bug and expects it caught."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import checker.api.views
import checker.followup.checkin
import checker.followup.worklist
import checker.nurse.console
import checker.nurse.handout
import checker.nurse.questions
import checker.public.flow
from tests.conformance.checks import Disagreement, check_api, check_patient_page
from tests.conformance.doubled_checks import check_console_twice
from tests.conformance.fhir_checks import check_fhir
from tests.conformance.harness import Harness, caller_fields, today
from tests.conformance.responses import COMPLETED
from tests.conformance.space import GENE_SIZE, PROTOCOL, complete_answers, domains
from tests.conformance.stored_checks import (
    check_saved,
    from_checkins,
    stored_answers,
    through_checkins,
)

# The question the plants drop: the first one a rule of the most urgent disposition reads.
RED_FLAG = next(iter(sorted(PROTOCOL.rules[0].when.names)))


def _genes(count: int) -> Iterator[bytes]:
    """Genes with many unusual answers, so a planted bug shows within a few answer sets."""
    for index in range(count):
        yield bytes([3] + [(index * 37 + i * 101) % 256 for i in range(GENE_SIZE - 1)])


def _caught(check: Callable[[bytes], None], count: int = 40) -> bool:
    """Whether the check meets a disagreement within `count` answer sets."""
    try:
        for gene in _genes(count):
            check(gene)
    except Disagreement:
        return True
    return False


def _without_red_flag(function: Callable[..., Any]) -> Callable[..., Any]:
    """The function, given answers without the red flag: a surface that drops a field."""
    def dropping(answers: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(answers, dict):
            answers = {k: v for k, v in answers.items() if k != RED_FLAG}
        return function(answers, *args, **kwargs)
    return dropping


def _with_red_flag_calm(function: Callable[..., Any]) -> Callable[..., Any]:
    """The function, given the red flag's calm answer: a surface that misreads a field."""
    calm = domains()[RED_FLAG].calm

    def misreading(answers: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(answers, dict) and RED_FLAG in answers:
            answers = {**answers, RED_FLAG: calm}
        return function(answers, *args, **kwargs)
    return misreading


def test_a_json_api_that_drops_an_answer_is_caught(harness: Harness,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert not _caught(lambda gene: check_api(harness, complete_answers(gene)))
    monkeypatch.setattr(checker.api.views, "assess", _without_red_flag(checker.api.views.assess))
    assert _caught(lambda gene: check_api(harness, complete_answers(gene)))


def test_a_fhir_reader_that_drops_an_answer_is_caught(harness: Harness,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def check(gene: bytes) -> None:
        check_fhir(harness, gene, complete_answers(gene), COMPLETED)

    assert not _caught(check, 10)
    read = checker.api.views.read_response
    monkeypatch.setattr(checker.api.views, "read_response",
                        lambda body, protocol: _without_red_flag(dict)(read(body, protocol)))
    assert _caught(check)


def test_a_result_page_that_misreads_an_answer_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def check(gene: bytes) -> None:
        check_patient_page(harness, complete_answers(gene))

    assert not _caught(check, 10)
    monkeypatch.setattr(checker.public.flow, "assess",
                        _with_red_flag_calm(checker.public.flow.assess))
    assert _caught(check)


def test_a_check_in_that_stores_another_result_than_it_showed_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def check(gene: bytes) -> None:
        through_checkins(harness, [complete_answers(gene)])

    assert not _caught(check, 5)
    store = checker.followup.checkin.store
    monkeypatch.setattr(checker.followup.checkin, "store",
                        lambda enrolment, answers, shown, *rest: store(
                            enrolment, answers, {**shown, "disposition": "self_care"}, *rest))
    assert _caught(check)


def test_a_worklist_that_never_alerts_is_caught(harness: Harness,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker.followup.worklist, "alerts", lambda protocol, disposition: False)
    assert _caught(lambda gene: through_checkins(harness, [complete_answers(gene)]))


def test_a_note_or_handout_that_states_a_calmer_disposition_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def check(gene: bytes) -> None:
        calls = through_checkins(harness, [complete_answers(gene)])
        from_checkins(harness, calls)
        check_saved(harness, calls)

    build = checker.nurse.console.build_note
    monkeypatch.setattr(checker.nurse.console, "build_note", lambda facts, *args: build(
        type(facts)(**{**vars(facts), "final_disposition": "self_care"}), *args))
    assert _caught(check, 10)
    monkeypatch.undo()
    render = checker.nurse.handout.render_template
    monkeypatch.setattr(checker.nurse.handout, "render_template",
                        lambda name, **context: render(name, **{**context,
                                                               "advice": context["advice"][1:]}))
    assert _caught(check, 10)


def test_a_console_that_drops_an_answer_sent_twice_is_caught(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = harness.nurse.get("/nurse/call").get_data(as_text=True)
    call = page.split('name="call" type="hidden" value="')[1].split('"')[0]

    def check(gene: bytes) -> None:
        answers = stored_answers(complete_answers(bytes(GENE_SIZE)))
        caller = caller_fields(today())
        check_console_twice(harness, answers, caller, RED_FLAG, ("no", "yes"), call)

    assert not _caught(check, 1)
    monkeypatch.setattr(checker.nurse.questions, "_urgent_reading",
                        lambda protocol, formdata, answers, assessment, number: assessment)
    assert _caught(check, 1)
