"""The documentation note: a plain-text summary of a call, laid out for pasting into a chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from checker.nurse.forms import CALLERS, PROCEDURES, labels
from checker.nurse.questions import DAYS, asked_questions
from checker.validators import first_unstorable
from rules import Protocol, Question
from rules.answers import to_celsius

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


def disposition_label(disposition_id: str) -> str:
    """A disposition id as it reads in a note: CALL DOCTOR TODAY."""
    return disposition_id.replace("_", " ").upper()


def answer_text(question: Question, value: Any) -> str:
    """One answer in words."""
    if question.type == "yes_no":
        return "Yes" if value else "No"
    if question.type == "choice":
        choice = question.choice(value)
        return choice.text if choice else str(value)
    if question.type == "temperature":
        if value is None:
            return "Not measured"
        shown = f"{value['value']} °{value['unit']}"
        if value["unit"] == "F":
            shown += f" ({to_celsius(value['value'], 'F'):.1f} °C)"
        return shown
    if question.maximum is not None:
        return f"{value} (of {int(question.maximum)})"
    return str(value)


def is_positive(question: Question, value: Any, cited: set[str]) -> bool | None:
    """True for a pertinent positive, False for a negative, None for not measured."""
    if question.id in cited:
        return True
    if question.type == "yes_no":
        return value == question.severe_answer
    if question.type == "choice":
        choice = question.choice(value)
        return bool(choice and choice.severity > 0)
    if question.type == "temperature":
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


def build_note(facts: NoteFacts, protocol: Protocol) -> str:
    """The note, in a fixed order: who, what was decided, findings, advice, notes, protocol."""
    assessment = facts.assessment
    engine = assessment["disposition"]
    start = facts.started_at.strftime("%Y-%m-%d %H:%M")
    end = facts.ended_at.strftime("%H:%M") if facts.ended_at.date() == facts.started_at.date() \
        else facts.ended_at.strftime("%Y-%m-%d %H:%M")
    procedure = _PROCEDURES.get(facts.procedure_type, facts.procedure_type or "not given")
    lines = [
        "TELEPHONE TRIAGE: VERTEBROPLASTY / KYPHOPLASTY AFTERCARE",
        f"Call: {start} to {end} UTC. Nurse: {one_line(facts.nurse)}.",
        f"Patient: {one_line(facts.patient_name)}. Born: {_when(facts.date_of_birth)}. "
        f"Record number: {one_line(facts.record_number) or 'not given'}.",
        f"Caller: {one_line(_CALLERS.get(facts.caller, facts.caller or 'not given'))}. "
        f"Callback number: {one_line(facts.callback_number) or 'not given'}.",
        f"Procedure: {one_line(procedure)}"
        f" on {_when(facts.procedure_date)}"
        + (f" (day {facts.answers[DAYS]})." if DAYS in facts.answers else "."),
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
    cited = {name for reason in assessment["reasons"] for name in reason["answers"]}
    sections: dict[bool | None, list[str]] = {True: [], False: [], None: []}
    for question in asked_questions(protocol):
        if question.id not in facts.answers:
            sections[None].append(f"- {question.text}")
            continue
        value = facts.answers[question.id]
        kind = is_positive(question, value, cited)
        sections[kind].append(f"- {question.text} {answer_text(question, value)}")
    for title, kind in (("PERTINENT POSITIVES", True), ("PERTINENT NEGATIVES", False),
                        ("NOT ASKED OR NOT MEASURED", None)):
        lines += ["", f"{title}:"] + (sections[kind] or ["- none"])
    lines += ["", "PROTOCOL REASONS:"]
    lines += [f"- {r['rule']}: {r['text']}" for r in assessment["reasons"]] or ["- none matched"]
    advice = {item["id"]: item["text"] for item in assessment["advice"]}
    lines += ["", "ADVICE GIVEN:"]
    given = [f"- {one_line(advice.get(a, a))}" for a in facts.advice_given]
    lines += given or ["- none recorded"]
    lines += ["", "NOTES:", indented(facts.notes) or "none"]
    identity = assessment["protocol"]
    lines += [
        "",
        f"Protocol: {identity['id']} version {identity['version']} "
        f"(sha256 {identity['sha256']}).",
    ]
    return "\n".join(lines) + "\n"
