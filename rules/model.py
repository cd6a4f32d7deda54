"""The protocol's parts as typed, immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rules.conditions import Condition

YES_NO = "yes_no"
INTEGER = "integer"
CHOICE = "choice"
TEMPERATURE = "temperature"
QUESTION_TYPES = (YES_NO, INTEGER, CHOICE, TEMPERATURE)
TEMPERATURE_UNITS = ("C", "F")


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer a choice question offers."""

    id: str
    text: str
    severity: int


@dataclass(frozen=True, slots=True)
class Question:
    """One question: its answer id, type, allowed values and wording."""

    id: str
    group: str
    type: str
    text: str
    hint: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Choice, ...] = ()
    severe_answer: bool = True
    asked_when: Condition | None = None
    # Context, not severity: the days since the procedure, which the app fills in itself.
    context: bool = False
    # The whole-number answer kept with each follow-up check-in and drawn on its chart.
    charted: bool = False
    # The finding in a clinician's words, for the nurse's note; "" where the file gives none.
    note: str = ""
    # The patient's history, not today's state: a follow-up asks it at its first check-in
    # and carries that answer into each later one.
    history: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """The range of a whole-number or temperature question."""
        if self.minimum is None or self.maximum is None:
            raise TypeError(f"question {self.id} has no range")
        return self.minimum, self.maximum

    @property
    def choice_ids(self) -> frozenset[str]:
        """The ids of the choices offered."""
        return frozenset(c.id for c in self.choices)

    def choice(self, choice_id: str) -> Choice | None:
        """The choice with this id, if the question offers it."""
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True, slots=True)
class Group:
    """A titled group of questions, as shown on a form."""

    id: str
    title: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Disposition:
    """What the person is told to do; rank 0 is the most urgent."""

    id: str
    rank: int
    headline: str
    detail: str = ""
    only_advice: tuple[str, ...] | None = None
    call_back: bool = True
    # How the call-back list words this disposition's signs: "Call your doctor now if".
    call_back_action: str = ""
    # How it looks and whom the person must call; empty in protocols older than 1.1.
    tone: str = ""
    calls: str = ""
    # Whether a follow-up check-in with this result alerts the care team on the worklist.
    alerts: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A condition that sets a disposition, with its plain explanation and source."""

    id: str
    disposition: str
    when: Condition
    explain: str
    source: str
    # The sign in the patient's words, completing the disposition's call-back action.
    sign: str = ""


@dataclass(frozen=True, slots=True)
class Advice:
    """A piece of care advice given when its condition holds."""

    id: str
    when: Condition
    text: str
    source: str
    # The advice in a clinician's words, for the nurse's note; "" where the file gives none.
    note: str = ""


@dataclass(frozen=True, slots=True)
class CallBackItem:
    """One sentence of the call-back list, with the disposition and rules it was built from."""

    text: str
    disposition: str | None = None  # None: free text, as in protocols older than 1.1
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Protocol:
    """A loaded and validated protocol."""

    id: str
    version: str
    title: str
    language: str
    sha256: str
    file: str
    sources: dict[str, dict[str, object]]
    groups: tuple[Group, ...]
    questions: tuple[Question, ...]
    dispositions: tuple[Disposition, ...]
    rules: tuple[Rule, ...]
    advice: tuple[Advice, ...]
    call_back_items: tuple[CallBackItem, ...]
    call_back_source: str
    # Languages the texts are translated into, those a clinical reviewer signed off, and the
    # translated texts: language -> (kind, item id, field) -> text.
    translated: tuple[str, ...] = ()
    reviewed: tuple[str, ...] = ()
    translations: dict[str, dict[tuple[str, str, str], str]] = field(default_factory=dict)
    # Texts as written, before their threshold placeholders were expanded: language ->
    # (kind, item id, field) -> text, for the texts that had any.
    templates: dict[str, dict[tuple[str, str, str], str]] = field(default_factory=dict)

    @cached_property
    def call_back(self) -> tuple[str, ...]:
        """The call-back sentences, most urgent first."""
        return tuple(item.text for item in self.call_back_items)

    @property
    def call_back_from_rules(self) -> bool:
        """Whether the call-back list is built from the rules (1.1 and later)."""
        return any(item.disposition is not None for item in self.call_back_items)

    @cached_property
    def by_id(self) -> dict[str, Question]:
        """Question id to question."""
        return {q.id: q for q in self.questions}

    @cached_property
    def rules_read(self) -> frozenset[str]:
        """Every question some rule reads."""
        return frozenset().union(*(rule.when.names for rule in self.rules))

    @cached_property
    def rank(self) -> dict[str, int]:
        """Disposition id to rank, 0 being the most urgent."""
        return {d.id: d.rank for d in self.dispositions}

    @property
    def default_disposition(self) -> Disposition:
        """The disposition given when no rule matches: the least urgent."""
        return self.dispositions[-1]

    @property
    def most_urgent(self) -> Disposition:
        """The most urgent disposition: decided as soon as one of its rules matches."""
        return self.dispositions[0]

    @cached_property
    def day_count(self) -> Question | None:
        """The question the app answers itself with the days since the procedure (`context`)."""
        return next((q for q in self.questions if q.context), None)

    @cached_property
    def history(self) -> tuple[Question, ...]:
        """The questions about the patient's history (`history`): asked once per follow-up."""
        return tuple(q for q in self.questions if q.history)

    @cached_property
    def charted(self) -> Question | None:
        """The whole-number question a follow-up keeps with each check-in and charts."""
        return next((q for q in self.questions if q.charted), None)

    @cached_property
    def red_flags(self) -> Group | None:
        """The red flags: the group asked first, when a yes to any one of its questions alone
        gives the most urgent disposition. They are asked together, on one step, first."""
        if not self.groups:
            return None
        first = self.groups[0]
        own = self.questions_in(first.id)
        alone = {
            atoms[0].name
            for rule in self.rules
            if rule.disposition == self.most_urgent.id
            for atoms in rule.when.disjuncts
            if len(atoms) == 1 and atoms[0].op == "=" and atoms[0].value is True
        }
        if own and all(q.type == YES_NO and q.severe_answer and q.id in alone for q in own):
            return first
        return None

    def disposition(self, disposition_id: str) -> Disposition:
        """The disposition with this id."""
        return self.dispositions[self.rank[disposition_id]]

    def questions_in(self, group_id: str) -> tuple[Question, ...]:
        """The questions of one group, in asking order."""
        return tuple(q for q in self.questions if q.group == group_id)

    @property
    def identity(self) -> dict[str, str]:
        """The protocol's id, version and file hash, as recorded with every assessment."""
        return {"id": self.id, "version": self.version, "sha256": self.sha256}
