"""Where a patient is in the check: their answers, read from the form they posted, and the steps.

Nothing is kept on the server between steps: every answer travels in the form, as hidden fields
on the pages that do not ask it, so Back, an old page or another language loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from werkzeug.datastructures import MultiDict

from checker.answer_form import (
    DECIMAL_NUMBER,
    UNIT,
    VALUE,
    Reading,
    field_name,
    field_names,
    missing_message,
    read_answers,
    read_value,
)
from checker.public.steps import Step, steps_for
from rules import AnswerError, Protocol, Question, assess
from rules.model import TEMPERATURE
from rules.space import domain

REVIEW = "review"  # the "Check your answers" page's step id
RESULT = "result"


@dataclass
class Check:
    """A patient's answers so far and the steps they go through."""

    protocol: Protocol
    reading: Reading
    emergency_number: str
    # Answers the server gives, never the form (a follow-up's day count), and not asked.
    fixed: dict[str, Any]

    @classmethod
    def read(cls, protocol: Protocol, formdata: MultiDict[str, str] | None,
             emergency_number: str, fixed: dict[str, Any] | None = None) -> Check:
        """Read the posted answers (none for a new check)."""
        fixed = dict(fixed or {})
        reading = read_answers(protocol, formdata)
        for question_id in fixed:  # what the server knows is never taken from the form
            reading.answers.pop(question_id, None)
            reading.errors.pop(question_id, None)
        check = cls(protocol, reading, emergency_number, fixed)
        check._keep_urgent_readings()
        return check

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """Every step of this check, whether or not it applies."""
        return steps_for(self.protocol, frozenset(self.fixed))

    @cached_property
    def answers(self) -> dict[str, Any]:
        """The answers as the rules read them, without any asked only in a case that fails."""
        answers = {**self.reading.answers, **self.fixed}
        for question in self.protocol.questions:
            if question.asked_when and question.asked_when.evaluate(answers) is False:
                answers.pop(question.id, None)
        return answers

    def applicable(self) -> list[Step]:
        """The steps asked, given the answers so far."""
        return [step for step in self.steps if step.applies(self.answers)]

    def step(self, step_id: str | None) -> Step | None:
        """The step with this id, if it is one of this check's and applies."""
        return next((s for s in self.applicable() if s.id == step_id), None)

    def after(self, step: Step) -> Step | None:
        """The step that comes next, or None when it was the last."""
        steps = self.applicable()
        index = next((i for i, s in enumerate(steps) if s.id == step.id), -1)
        return steps[index + 1] if 0 <= index + 1 < len(steps) else None

    def before(self, step: Step) -> Step | None:
        """The step that came before, or None on the first."""
        steps = self.applicable()
        index = next((i for i, s in enumerate(steps) if s.id == step.id), 0)
        return steps[index - 1] if index > 0 else None

    def position(self, step: Step) -> tuple[int, int]:
        """The step's number, from 1, and how many steps there are."""
        steps = self.applicable()
        index = next((i for i, s in enumerate(steps) if s.id == step.id), 0)
        return index + 1, len(steps)

    def problems(self, step: Step) -> dict[str, str]:
        """A message for each question of the step that is unreadable or unanswered."""
        problems = {}
        for question in step.questions:
            if question.id in self.reading.errors:
                problems[question.id] = self.reading.errors[question.id]
            elif question.id not in self.answers:
                problems[question.id] = missing_message(question)
        return problems

    def first_problem(self) -> tuple[Step, dict[str, str]] | None:
        """The first step with a problem, and its problems; None when all is answered."""
        for step in self.applicable():
            problems = self.problems(step)
            if problems:
                return step, problems
        return None

    def assess(self) -> dict[str, Any]:
        """The assessment of the answers so far, in the page's language."""
        return assess(self.answers, self.protocol, emergency_number=self.emergency_number)

    def emergency(self) -> dict[str, Any] | None:
        """The assessment if the answers given so far already mean an emergency.

        An emergency is the protocol's most urgent disposition: decided as soon as one of its
        rules matches, so the check ends there, whatever is still unanswered.
        """
        try:
            result = self.assess()
        except AnswerError:
            return None  # the reader let through what the rules refuse: a safety net
        return result if result["disposition"] == self.protocol.most_urgent.id else None

    def _keep_urgent_readings(self) -> None:
        """Answers sent twice, read their more urgent way, when that way means an emergency.

        A repeated answer is an error and is asked again, unless its more urgent reading is an
        emergency (the most urgent disposition): then that reading is the answer everywhere
        (the result, the answers carried on, a stored check-in, a short code), so nothing after
        the page is less urgent than it.
        """
        known = {**self.reading.answers, **self.fixed}
        chosen: dict[str, tuple[Any, str]] = {}
        for question in self.protocol.questions:
            if question.type == TEMPERATURE or question.id in self.fixed:
                continue  # a repeated temperature is never read; the server's answers stand
            reading = self._more_urgent(question, known)
            if reading is not None:
                chosen[question.id] = reading
        if not chosen:
            return
        answers = {**known, **{question_id: value for question_id, (value, _) in chosen.items()}}
        try:
            result = assess(answers, self.protocol, emergency_number=self.emergency_number)
        except AnswerError:
            return
        if result["disposition"] != self.protocol.most_urgent.id:
            return
        for question_id, (value, raw) in chosen.items():
            self.reading.answers[question_id] = value
            self.reading.errors.pop(question_id, None)
            self.reading.posted[question_id] = [raw]

    def _more_urgent(self, question: Question, known: dict[str, Any]) -> tuple[Any, str] | None:
        """The more urgent of a repeated answer's readings and its posted text; None if none."""
        values = self.reading.posted.get(question.id, [])
        if len(values) < 2:
            return None
        readings: dict[Any, str] = {}
        for raw in values:
            value = read_value(question, raw.strip()) if isinstance(raw, str) else None
            if value is not None:
                readings.setdefault(value, raw.strip())
        ranked = sorted((self._urgency(question, known, value), value) for value in readings)
        if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
            return None  # nothing readable, or two readings just as urgent: asked again
        value = ranked[0][1]
        return value, readings[value]

    def _urgency(self, question: Question, known: dict[str, Any], value: Any) -> tuple[int, int]:
        """How urgent one reading of an answer is: its result's rank, then the answer's severity."""
        try:
            result = assess({**known, question.id: value}, self.protocol,
                            emergency_number=self.emergency_number)
        except AnswerError:
            return len(self.protocol.dispositions), 0
        return self.protocol.rank[result["disposition"]], -dict(domain(question)).get(value, 0)

    def values(self) -> dict[str, str]:
        """Each field's posted value, as typed, for showing it again."""
        return {
            name: self.reading.raw(name)
            for question in self.protocol.questions
            if question.id not in self.fixed
            for name in field_names(question)
        }

    def hidden(self, shown: Step | None) -> list[tuple[str, str]]:
        """The fields that travel unseen: every answer given, except the step's own."""
        skip = set(shown.question_ids) if shown else set()
        carried = []
        for question in self.protocol.questions:
            if question.id in skip or question.id in self.fixed:
                continue
            for name in field_names(question):
                value = self.reading.raw(name)
                if value:
                    carried.append((name, value))
        return carried

    def shown_temperature(self, question_id: str) -> tuple[str, str]:
        """A temperature as the patient typed it, with its unit (° sign included)."""
        question = self.protocol.by_id[question_id]
        value = self.reading.raw(field_name(question, VALUE)).strip()
        unit = self.reading.raw(field_name(question, UNIT)).strip()
        return (value, f"°{unit}") if DECIMAL_NUMBER.fullmatch(value) else ("", "")
