"""The documentation note: a plain-text SBAR summary of a call, for pasting into a chart."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from checker.clock import local
from checker.form_fields import PROCEDURES, labels
from checker.nurse import plan
from checker.nurse.forms import CALLERS
from checker.nurse.questions import asked_questions
from checker.validators import first_unstorable
from checker.wording import disposition_label, finding, finding_value, rule_finding
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
    # How the call was reached: opened from a follow-up check-in, or from the short code the
    # patient read out (the code itself holds answers and is never written down).
    checkin_id: int | None = None
    from_code: bool = False
    # The call's plan (checker/nurse/plan.py); empty or None: not recorded.
    action_taken: str = ""
    agreement: str = ""
    disagreement_reason: str = ""
    call_back_signs_given: bool | None = None
    nurse_call_back_at: datetime | None = None
    emergency_number: str = ""


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
# The longest line, so that the note pastes into a record's field without breaking unevenly.
WIDTH = 100


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


def fitted(line: str) -> str:
    """A line of the note at most WIDTH characters a line: a longer one goes on, indented, on
    the next, so a wrapped part can never pass for one of the note's own lines."""
    return "\n".join(
        "\n".join(textwrap.wrap(piece, WIDTH, subsequent_indent=CONTINUATION,
                                break_on_hyphens=False)) if len(piece) > WIDTH else piece
        for piece in line.split("\n")
    )


def _history(facts: NoteFacts, protocol: Protocol) -> str:
    """The patient's history and medicines as history: "osteoporotic fracture; no ..."."""
    parts: list[str] = []
    for question in protocol.history:
        if question.id not in facts.answers:
            parts.append(f"{finding(question)} not asked")
            continue
        value = facts.answers[question.id]
        if question.type == YES_NO:
            parts.append(finding(question) if value else f"no {finding(question)}")
        else:
            parts.append(f"{finding(question)}: {finding_value(question, value)}")
    return "; ".join(parts)


def _skipped(question: Question, answers: Mapping[str, Any]) -> bool:
    """Whether a question did not apply: asked only under a condition that does not hold."""
    return question.asked_when is not None and question.asked_when.evaluate(answers) is False


def _findings(facts: NoteFacts, protocol: Protocol) -> list[str]:
    """Positive findings, pertinent negatives, and what was not asked (if any), a line each."""
    cited = {name for reason in facts.assessment["reasons"] for name in reason["answers"]}
    positives: list[str] = []
    denied: list[str] = []
    negatives: list[str] = []
    not_asked: list[str] = []
    for question in asked_questions(protocol):
        if question.history or _skipped(question, facts.answers):
            continue
        if question.id not in facts.answers:
            not_asked.append(finding(question))
            continue
        value = facts.answers[question.id]
        kind = is_positive(question, value, cited)
        if kind is None:
            not_asked.append(f"{finding(question)} (not measured)")
        elif kind:
            positives.append(f"{finding(question)}: {finding_value(question, value)}")
        elif _denied(question, value):
            denied.append(finding(question))
        elif question.type == YES_NO:
            negatives.append(finding(question))  # the reassuring yes: pain relieved by ...
        else:
            negatives.append(f"{finding(question)} {finding_value(question, value)}")
    parts = (["denies " + ", ".join(denied)] if denied else []) + negatives
    return [
        f"Positive findings: {'; '.join(positives) or 'none'}.",
        f"Pertinent negatives: {'; '.join(parts) or 'none'}.",
        *([f"Not asked: {', '.join(not_asked)}."] if not_asked else []),
    ]


def _rules(facts: NoteFacts, protocol: Protocol) -> str:
    """The rules that set the protocol's disposition, each with what it tests."""
    by_id = {rule.id: rule for rule in protocol.rules}
    day_count = protocol.day_count.id if protocol.day_count else None
    return "; ".join(
        f"{reason['rule']} ({rule_finding(by_id[reason['rule']], protocol.by_id, day_count)})"
        if reason["rule"] in by_id else str(reason["rule"])
        for reason in facts.assessment["reasons"]
    )


def _run(rules: list[str], order: list[str]) -> str:
    """Rule ids as the protocol lists them: "E1-E5" for a run of its rules in its order."""
    if len(rules) > 2 and rules[0] in order:
        first = order.index(rules[0])
        if order[first:first + len(rules)] == rules:
            return f"{rules[0]}-{rules[-1]}"
    return ", ".join(rules)


def _call_back_signs(protocol: Protocol, final: str) -> str:
    """When to call back: the rules of the protocol's call-back list under each disposition."""
    disposition = protocol.disposition(final) if final in protocol.rank else None
    if disposition is not None and not disposition.call_back:
        return ""
    by_disposition: dict[str, list[str]] = {}
    for item in protocol.call_back_items:
        if item.disposition is None:  # free sentences, as in protocols older than 1.1
            return f"the protocol's call-back list ({len(protocol.call_back_items)} signs)"
        by_disposition.setdefault(item.disposition, []).extend(item.rules)
    order = [rule.id for rule in protocol.rules]
    return "; ".join(f"{disposition_label(d)} if {_run(rules, order)}"
                     for d, rules in by_disposition.items())


def _began(facts: NoteFacts) -> str:
    """How the call was reached beyond the phone: from a check-in or the patient's short code."""
    if facts.checkin_id is not None:
        return f", from check-in #{facts.checkin_id}"
    return ", from the patient's short code" if facts.from_code else ""


def _situation(facts: NoteFacts, zone: tzinfo | None) -> list[str]:
    """Who called about whom, when, and how the call was reached."""
    return [
        "SITUATION",
        f"Phone call: {call_times(facts.started_at, facts.ended_at, zone)}{_began(facts)}. "
        f"Nurse: {one_line(facts.nurse)}.",
        f"Caller: {one_line(_CALLERS.get(facts.caller, facts.caller or 'not given'))}. "
        f"Callback number: {one_line(facts.callback_number) or 'not given'}.",
        f"Patient: {one_line(facts.patient_name)}. Born: {_when(facts.date_of_birth)}. "
        f"Record number: {one_line(facts.record_number) or 'not given'}.",
    ]


def _background(facts: NoteFacts, protocol: Protocol) -> list[str]:
    """The procedure and the day since it; the history and medicines, as history."""
    days = protocol.day_count.id if protocol.day_count else None
    procedure = _PROCEDURES.get(facts.procedure_type, facts.procedure_type or "not given")
    history = _history(facts, protocol)
    return [
        "BACKGROUND",
        f"Procedure: {one_line(procedure)} on {_when(facts.procedure_date)}"
        + (f" (day {facts.answers[days]})." if days is not None and days in facts.answers
           else "."),
        *([f"History: {history}."] if history else []),
    ]


def _assessment(facts: NoteFacts, protocol: Protocol) -> list[str]:
    """The protocol's disposition with the rules that set it, and the findings."""
    rules = _rules(facts, protocol)
    engine = disposition_label(facts.assessment["disposition"])
    return [
        "ASSESSMENT",
        f"Protocol disposition: {engine}, "
        + (f"set by {rules}." if rules else "no rule matched."),
        *_findings(facts, protocol),
    ]


def _recommendation(facts: NoteFacts, protocol: Protocol, zone: tzinfo | None) -> list[str]:
    """The disposition given (and any change by the nurse), advice, action and agreement, the
    call-back plan, and notes."""
    engine = facts.assessment["disposition"]
    lines = ["RECOMMENDATION AND PLAN",
             f"DISPOSITION: {disposition_label(facts.final_disposition)}"]
    if facts.final_disposition != engine:
        change = "lowered" if protocol.rank[facts.final_disposition] > protocol.rank[engine] \
            else "raised"
        lines.append(f"Changed by the nurse: {change} from {disposition_label(engine)}.")
        if facts.override_reason:
            lines.append(f"Reason: {indented(facts.override_reason)}")
    texts = {item["id"]: item["text"] for item in facts.assessment["advice"]}
    given = [one_line(advice_words(protocol, a, texts)) for a in facts.advice_given]
    lines.append(f"ADVICE GIVEN: {'; '.join(given) or 'none recorded'}.")
    action = _action(facts)  # a typed reason may end the sentence itself
    lines.append(f"ACTION: {action}" + ("" if action.endswith((".", "!", "?")) else "."))
    lines.append(f"Call back: {_call_back(facts, protocol)}.")
    if facts.nurse_call_back_at is not None:
        at = local(facts.nurse_call_back_at, zone)
        lines.append(f"Nurse to call back: {at:%Y-%m-%d %H:%M %Z}.")
    lines.append(f"NOTES: {indented(facts.notes) or 'none'}")
    return lines


def _action(facts: NoteFacts) -> str:
    """What the nurse did and whether the caller agreed: "advised as above; caller agreed"."""
    action = plan.ACTION_NOTE.get(facts.action_taken, facts.action_taken or plan.NOT_RECORDED)
    agreement = plan.AGREEMENT_NOTE.get(facts.agreement, "")
    return "; ".join([
        action.replace("{emergency_number}",
                       one_line(facts.emergency_number) or "the emergency number"),
        agreement.replace("{reason}", one_line(facts.disagreement_reason.strip()))
        if agreement else f"agreement {plan.NOT_RECORDED}",
    ])


def _call_back(facts: NoteFacts, protocol: Protocol) -> str:
    """When the caller is to call back: the protocol's signs they were told, or that they were
    not told (an emergency shows no list, so its signs are only said to be given)."""
    if facts.call_back_signs_given is None:
        return f"signs {plan.NOT_RECORDED}"
    if not facts.call_back_signs_given:
        return "signs not given"
    return _call_back_signs(protocol, facts.final_disposition) or "signs given"


def protocol_line(identity: Mapping[str, str]) -> str:
    """The protocol that assessed the call: its version and the first 8 hex of its sha256 (the
    heading names its subject; the saved call shows its id and whole hash)."""
    return f"Protocol: {identity['version']} ({identity['sha256'][:8]})."


def build_note(facts: NoteFacts, protocol: Protocol, zone: tzinfo | None = None) -> str:
    """The note in SBAR: situation, background, assessment, recommendation and plan."""
    parts = [
        ["TELEPHONE TRIAGE (SBAR): VERTEBROPLASTY / KYPHOPLASTY AFTERCARE"],
        _situation(facts, zone), _background(facts, protocol),
        _assessment(facts, protocol), _recommendation(facts, protocol, zone),
        [protocol_line(facts.assessment["protocol"])],
    ]
    return "\n".join("\n".join(fitted(line) for line in part) for part in parts) + "\n"
