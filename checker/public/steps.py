"""The patient's check as short steps, cut from the protocol's own groups and questions.

One thing per page, as GOV.UK and NHS 111 online do it, but a few questions to a page so an
older patient is not asked to tap "Continue" twenty times. The emergency signs are always one
step, first. A question asked only in some cases (pain relief, asked when there is pain) gets a
step of its own, skipped when its case does not hold. Every other group is packed in asking
order into steps of about one phone screen, so a question added to the protocol finds its step
with no change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from checker.answer_form import as_buttons
from rules import Protocol, Question
from rules.conditions import Condition
from rules.model import CHOICE, INTEGER, TEMPERATURE, YES_NO

# How much of a phone screen (390 x 844 at 100%) a question takes, in yes/no questions.
SCREEN = 6.0


def _height(question: Question) -> float:
    """About how tall a question is, in yes/no questions (a legend and two buttons)."""
    if question.type == YES_NO:
        return 1.0
    if question.type == CHOICE:
        return 0.5 + 0.5 * len(question.choices)
    if question.type == INTEGER:
        return 2.0 if as_buttons(question) else 1.0
    if question.type == TEMPERATURE:
        return 2.2
    return 1.0


@dataclass(frozen=True)
class Step:
    """One page of the check: a few questions of one group, in asking order."""

    id: str
    group: str
    questions: tuple[Question, ...]
    # Asked only when this holds (None: always); every question of the step shares it.
    asked_when: Condition | None = None
    # The protocol's red flags (Protocol.red_flags): drawn in the red box, asked first, and,
    # like every step, answered in full before the next (a "yes" ends the check at once).
    red_flags: bool = False

    @property
    def question_ids(self) -> tuple[str, ...]:
        """The ids of the step's questions."""
        return tuple(q.id for q in self.questions)

    def applies(self, answers: dict[str, Any]) -> bool:
        """Whether the step is asked, given the answers so far (yes while still unknown)."""
        return self.asked_when is None or self.asked_when.evaluate(answers) is not False


def _pack(group: str, questions: tuple[Question, ...]) -> list[Step]:
    """A group's questions in asking order, cut into steps of about one screen."""
    steps: list[Step] = []
    page: list[Question] = []
    used = 0.0

    def close() -> None:
        nonlocal page, used
        if page:
            steps.append(Step(f"{group}-{len(steps) + 1}", group, tuple(page)))
        page, used = [], 0.0

    for question in questions:
        if question.asked_when is not None:
            close()
            steps.append(Step(f"{group}-{len(steps) + 1}", group, (question,),
                              question.asked_when))
            continue
        height = _height(question)
        if page and used + height > SCREEN:
            close()
        page.append(question)
        used += height
    close()
    return steps


@lru_cache(maxsize=32)
def steps_for(protocol: Protocol, skip: frozenset[str] = frozenset()) -> tuple[Step, ...]:
    """Every step of the check, in order, leaving out the questions in skip."""
    steps: list[Step] = []
    for group in protocol.groups:
        questions = tuple(q for q in protocol.questions_in(group.id) if q.id not in skip)
        if not questions:
            continue
        if group == protocol.red_flags:
            # The red flags stay together: one look, one answer, one call.
            steps.append(Step(group.id, group.id, questions, red_flags=True))
        else:
            steps.extend(_pack(group.id, questions))
    return tuple(steps)
