"""The console's protocol questions: form values to answers, and the state of each question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import islice, product
from typing import Any

from werkzeug.datastructures import MultiDict

from checker.answer_form import field_names, read_answers
from checker.validators import repeated
from rules import AnswerError, Protocol, Question, assess

# Readings of one question sent twice that are tried (a temperature's parts multiply).
MAX_READINGS = 16


@dataclass
class Triage:
    """Answers read from the console form, their errors, and the engine's assessment."""

    answers: dict[str, Any]
    errors: dict[str, str]
    assessment: dict[str, Any]
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def decided(self) -> bool:
        """Whether the answers so far settle the disposition."""
        return bool(self.assessment["decided"])

    def status(self, question_id: str) -> str:
        """answered, needed (could still raise the disposition) or optional."""
        if question_id in self.answers:
            return "answered"
        if question_id in self.assessment["could_raise"]:
            return "needed"
        return "optional"


def asked_questions(protocol: Protocol) -> tuple[Question, ...]:
    """The questions the nurse asks, in the protocol's order of urgency.

    The day count (the protocol's context question) is never asked: it follows from the
    procedure date and the call date.
    """
    return tuple(q for q in protocol.questions if not q.context)


def days_between(procedure: date | None, call: date) -> int | None:
    """Whole days from the procedure to the call, or None when the date is unknown or later."""
    if procedure is None or procedure > call:
        return None
    return (call - procedure).days


def read_triage(
    form: Mapping[str, str],
    protocol: Protocol,
    *,
    days: int | None,
    emergency_number: str,
) -> Triage:
    """Read the answers given so far and assess them; a bad answer is reported, not guessed."""
    formdata = form if hasattr(form, "getlist") else MultiDict(form)
    # The same reader as the patient's check: both accept and refuse exactly the same input.
    reading = read_answers(protocol, formdata)
    day = protocol.day_count.id if protocol.day_count else None
    answers = {k: v for k, v in reading.answers.items() if k != day}
    errors = {k: v for k, v in reading.errors.items() if k != day}
    if days is not None and day is not None:
        answers[day] = days
    try:
        assessment = assess(answers, protocol, emergency_number=emergency_number)
    except AnswerError as exc:
        errors.update(exc.errors)
        # Leave the bad answers out (not asked yet), so the disposition shown stays safe.
        answers = {k: v for k, v in answers.items() if k not in exc.errors}
        assessment = assess(answers, protocol, emergency_number=emergency_number)
    assessment = _urgent_reading(protocol, formdata, answers, assessment, emergency_number)
    # A value sent twice is shown as not chosen, so no answer the nurse did not pick is kept.
    raw = {k: str(v) for k, v in form.items() if k != "csrf_token" and not repeated(form, k)}
    return Triage(answers=answers, errors=errors, assessment=assessment, raw=raw)


def _readings(protocol: Protocol, question: Question, formdata: Any) -> list[Any]:
    """Every answer one value per field of a question sent more than once would give."""
    names = field_names(question)
    posted = [formdata.getlist(name) or [""] for name in names]
    found: list[Any] = []
    for values in islice(product(*posted), MAX_READINGS):
        reading = read_answers(protocol, MultiDict(dict(zip(names, values, strict=True))))
        if question.id in reading.answers and reading.answers[question.id] not in found:
            found.append(reading.answers[question.id])
    return found


def _urgent_reading(protocol: Protocol, formdata: Any, answers: dict[str, Any],
                    assessment: dict[str, Any], emergency_number: str) -> dict[str, Any]:
    """The assessment shown when an answer was sent twice: its more urgent reading wins.

    The answer itself stays out (the question is marked and must be asked again, so the call
    cannot be closed), but the disposition shown is never calmer than either reading, as on
    the patient's form.
    """
    twice = [q for q in asked_questions(protocol)
             if any(len(formdata.getlist(name)) > 1 for name in field_names(q))]
    if not twice:
        return assessment
    rank = protocol.rank
    chosen = dict(answers)
    for question in twice:
        best: tuple[int, Any] | None = None
        for value in _readings(protocol, question, formdata):
            try:
                result = assess({**chosen, question.id: value}, protocol,
                                emergency_number=emergency_number)
            except AnswerError:
                continue
            if best is None or rank[result["disposition"]] < best[0]:
                best = (rank[result["disposition"]], value)
        if best is not None:
            chosen[question.id] = best[1]
    urgent = assess(chosen, protocol, emergency_number=emergency_number)
    if rank[urgent["disposition"]] >= rank[assessment["disposition"]]:
        return assessment
    asked_again = {q.id for q in twice} | set(urgent["could_raise"])
    return {**urgent, "decided": False,
            "could_raise": [q.id for q in protocol.questions if q.id in asked_again]}


def is_lower(protocol: Protocol, final: str, engine: str) -> bool:
    """Whether the final disposition is less urgent than the engine's (False if unknown)."""
    # An unknown final disposition is refused by the close form; it must not fail here first.
    return final in protocol.rank and protocol.rank[final] > protocol.rank[engine]


def still_to_ask(protocol: Protocol, triage: Triage) -> list[str]:
    """The texts of the questions that could still raise the disposition."""
    return [
        "The procedure date (for the day count)" if protocol.by_id[q].context
        else protocol.by_id[q].text
        for q in triage.assessment["could_raise"]
    ]
