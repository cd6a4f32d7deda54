"""The documentation note: a plain-text summary of a call, laid out for pasting into a chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from checker.clock import local
from checker.form_fields import PROCEDURES, labels
from checker.nurse.forms import CALLERS
from checker.nurse.questions import asked_questions
from checker.validators import first_unstorable
from checker.wording import disposition_label, finding, finding_value
from rules import Protocol, Question
from rules.model import CHOICE, TEMPERATURE, YES_NO

_CALLERS = labels(CALLERS)
_PROCEDURES = labels(PROCEDURES)


@dataclass(frozen=True)
class NoteFacts:
    """Everything the note says about one call."""

    nurse: str
    started_at: datetime
    ended_at: datetime
    patient_name: str
    date_of_birth: date | None
    record_number: str
    callback_number: str
    caller: str
    procedure_type: str
    procedure_date: date | None
    answers: Mapping[str, Any]
    assessment: Mapping[str, Any]
    final_disposition: str
    override_reason: str
    advice_given: Sequence[str]
    notes: str


def advice_words(protocol: Protocol, advice_id: str, shown: Mapping[str, str]) -> str:
    """Advice in a clinician's words: the protocol's note, else the text given, else its id."""
    item = next((a for a in protocol.advice if a.id == advice_id), None)
    if item is not None and item.note:
        return item.note
    return shown.get(advice_id) or (item.text if item is not None else advice_id)


def call_times(start: datetime, end: datetime, zone: tzinfo | None) -> str:
    """The call's start and end in the clinic's time, with the zone's name."""
    first, last = local(start, zone), local(end, zone)
    until = last.strftime("%H:%M") if last.date() == first.date() \
        else last.strftime("%Y-%m-%d %H:%M")
    return f"{first.strftime('%Y-%m-%d %H:%M')} to {until} {last.strftime('%Z')}"


def is_positive(question: Question, value: Any, cited: set[str]) -> bool | None:
    """True for a pertinent positive, False for a negative, None for not measured."""
    if question.id in cited:
        return True
    if question.type == YES_NO:
        return bool(value == question.severe_answer)
    if question.type == CHOICE:
        choice = question.choice(value)
        return bool(choice and choice.severity > 0)
    if question.type == TEMPERATURE:
        return None if value is None else False
    return question.minimum is not None and value > question.minimum


def _when(value: date | None) -> str:
    return value.isoformat() if value else "not given"


# Shown instead of a character that could break the note's layout.
REPLACEMENT = "\ufffd"
# Each further line of a typed text is indented, so it can never pass for one of the note's own.
CONTINUATION = "    "


def _marked(text: str, *, multiline: bool) -> str:
    """The text with every character its field may not hold shown as a visible mark."""
    return "".join(
        REPLACEMENT if first_unstorable(char, multiline=multiline) else char for char in text
    )


def one_line(text: str) -> str:
    """A typed value on one line: a line break or control character becomes a visible mark."""
    # The forms refuse these already; this keeps a forged line out of a note whatever the path.
    return _marked(text, multiline=False)


def indented(text: str) -> str:
    """A typed text of several lines, every line after the first indented (blank ones too)."""
    lines = [_marked(line.rstrip(), multiline=True) for line in text.strip().splitlines()]
    return ("\n" + CONTINUATION).join(lines)


def _denied(question: Question, value: Any) -> bool:
    """Whether a negative answer reads as "denies ...": a no, or a choice of none."""
    if question.type == YES_NO:
        return question.severe_answer and not value
    return question.type == CHOICE and value == "none"


def _findings(facts: NoteFacts, protocol: Protocol) -> list[str]:
    """Pertinent positives one a line, then the negatives and what was not asked, a line each."""
    cited = {name for reason in facts.assessment["reasons"] for name in reason["answers"]}
    positives: list[str] = []
    denied: list[str] = []
    negatives: list[str] = []
    not_asked: list[str] = []
    for question in asked_questions(protocol):
        if question.id not in facts.answers:
            not_asked.append(finding(question))
            continue
        value = facts.answers[question.id]
        kind = is_positive(question, value, cited)
        if kind is None:
            not_asked.append(f"{finding(question)} (not measured)")
        elif kind:
            positives.append(f"- {finding(question)}: {finding_value(question, value)}")
        elif _denied(question, value):
            denied.append(finding(question))
        elif question.type == YES_NO:
            negatives.append(finding(question))  # the reassuring yes: pain relieved by ...
        else:
            negatives.append(f"{finding(question)} {finding_value(question, value)}")
    parts = (["denies " + ", ".join(denied)] if denied else []) + negatives
    return [
        "PERTINENT POSITIVES:", *(positives or ["- none"]),
        f"PERTINENT NEGATIVES: {'; '.join(parts) or 'none'}.",
        f"NOT ASKED: {', '.join(not_asked) or 'nothing'}.",
    ]


def build_note(facts: NoteFacts, protocol: Protocol, zone: tzinfo | None = None) -> str:
    """The note, in a fixed order: who, what was decided, findings, advice, notes, protocol."""
    assessment = facts.assessment
    engine = assessment["disposition"]
    days = protocol.day_count.id if protocol.day_count else None
    procedure = _PROCEDURES.get(facts.procedure_type, facts.procedure_type or "not given")
    lines = [
        "TELEPHONE TRIAGE: VERTEBROPLASTY / KYPHOPLASTY AFTERCARE",
        f"Call: {call_times(facts.started_at, facts.ended_at, zone)}. "
        f"Nurse: {one_line(facts.nurse)}.",
        f"Patient: {one_line(facts.patient_name)}. Born: {_when(facts.date_of_birth)}. "
        f"Record number: {one_line(facts.record_number) or 'not given'}.",
        f"Caller: {one_line(_CALLERS.get(facts.caller, facts.caller or 'not given'))}. "
        f"Callback number: {one_line(facts.callback_number) or 'not given'}.",
        f"Procedure: {one_line(procedure)}"
        f" on {_when(facts.procedure_date)}"
        + (f" (day {facts.answers[days]})." if days is not None and days in facts.answers
           else "."),
        "",
        f"DISPOSITION: {disposition_label(facts.final_disposition)}",
    ]
    if facts.final_disposition != engine:
        change = "lowered" if protocol.rank[facts.final_disposition] > protocol.rank[engine] \
            else "raised"
        lines.append(f"Protocol disposition: {disposition_label(engine)} ({change} by the nurse).")
        if facts.override_reason:
            lines.append(f"Reason: {indented(facts.override_reason)}")
    else:
        lines.append("Protocol disposition: the same.")
    reasons = "; ".join(f"{r['rule']}: {r['text']}" for r in assessment["reasons"])
    lines += ["", *_findings(facts, protocol), "",
              f"PROTOCOL REASONS: {reasons or 'none matched'}"]
    texts = {item["id"]: item["text"] for item in assessment["advice"]}
    given = [one_line(advice_words(protocol, a, texts)) for a in facts.advice_given]
    lines += [f"ADVICE GIVEN: {'; '.join(given) or 'none recorded'}."]
    lines += [f"NOTES: {indented(facts.notes) or 'none'}"]
    identity = assessment["protocol"]
    lines += [
        "",
        f"Protocol: {identity['id']} version {identity['version']} "
        f"(sha256 {identity['sha256']}).",
    ]
    return "\n".join(lines) + "\n"
