"""The stored surfaces, a batch of answer sets at a time: a follow-up check-in and what it
stores, the worklist's alert, the call console filled from the check-in and from the short code,
the saved call, its note and the printed handout. Each is held to rules.assess."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from checker.followup.forms import MAX_FOLLOW_DAYS
from rules import fill, load_protocol
from tests.conformance.checks import (
    LOOKS,
    SENT,
    check_short_code,
    disagree,
    expected,
    rank,
    same_result,
)
from tests.conformance.harness import PLAN, Harness, Patient, caller_fields, today
from tests.conformance.pages import Shown, note_line
from tests.conformance.space import PROTOCOL, as_read, form_fields

# A rule the note's assessment names: "set by N2 (temperature ...)", "; T6 (...)".
_RULE_NAMED = re.compile(r"(?:set by |; )([A-Z]+[0-9]+) \(")

# The answer the app gives itself: the protocol's context question (days since the procedure).
DAYS = next(q.id for q in load_protocol().questions if q.context)

# The worklist flags a check-in as an alert from this disposition up (docs/followup.md).
ALERT_FROM = "call_doctor_now"
SAVE = ("action", "save")


@dataclass
class Call:
    """One answer set's way through the nurse's side, and what it should come to."""

    answers: dict[str, Any]
    want: dict[str, Any]
    checkin_id: int | None
    encounter_id: int | None = None


def stored_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """A check-in's answers: the day count is the server's, within a follow-up's days."""
    kept = dict(answers)
    kept[DAYS] = min(kept[DAYS], MAX_FOLLOW_DAYS)
    return as_read(PROTOCOL, kept)


def through_checkins(h: Harness, batch: list[dict[str, Any]]) -> list[Call]:
    """Each answer set as a patient's check-in: shown, stored and on the worklist."""
    answers = [stored_answers(a) for a in batch]
    patients = h.enrol([a[DAYS] for a in answers])
    shown = []
    for patient, given in zip(patients, answers, strict=True):
        fields = form_fields(PROTOCOL, {k: v for k, v in given.items() if k != DAYS})
        page = h.checkin(patient, fields.items())
        same_result(page, expected(given, number=h.number), given)
        shown.append(page)
        SENT["check-in page"] += 1
    stored = h.checkins(patients)
    rows = h.worklist()
    calls = []
    for patient, given, page in zip(patients, answers, shown, strict=True):
        calls.append(_stored(h, patient, given, page, stored[patient.enrolment_id], rows))
    h.end(patients)
    return calls


def _stored(h: Harness, patient: Patient, given: dict[str, Any], page: Shown,
            rows: list[Any], worklist: dict[int, tuple[bool, str]]) -> Call:
    """The stored check-in is what the page showed; the worklist says it and alerts for it."""
    want = expected(given, number=h.number)
    if len(rows) != 1:
        raise disagree("stored check-in", given, "one check-in", f"{len(rows)} stored")
    row = rows[0]
    got = {"disposition": row.disposition, "answers": row.answers,
           "assessment": row.assessment, "day_count": row.day_count}
    wanted = {"disposition": page.disposition, "answers": given, "assessment": want,
              "day_count": given[DAYS]}
    if got != wanted:
        raise disagree("stored check-in", given, wanted, got)
    SENT["stored check-in"] += 1
    alert, said = worklist.get(patient.enrolment_id, (None, ""))
    wanted_row = (rank(want["disposition"]) <= rank(ALERT_FROM), {want["disposition"]})
    if (alert, h.headlines.mentioned(said)) != wanted_row:
        raise disagree("worklist", given, wanted_row, (alert, said))
    SENT["worklist alert"] += 1
    return Call(given, want, row.id)


def console_shows(console: Shown, want: dict[str, Any], given: Any) -> None:
    """The console's live disposition, whether decided, and the advice it offers to tick."""
    got = (console.status, console.disposition, console.decided, console.advice)
    wanted = (200, want["disposition"], want["decided"], [a["id"] for a in want["advice"]])
    if got != wanted:
        raise disagree(console.surface, given, wanted, got)
    SENT[console.surface] += 1


def save(h: Harness, console: Shown, call: Call, typed: dict[str, str] | None = None) -> None:
    """Save the call as the console stands, every offered advice ticked and the plan given;
    it must be saved."""
    typed = {**PLAN, **(typed or {})}
    pairs = [(k, v) for k, v in console.fields if k not in typed]
    pairs += [*typed.items(), *(("advice_given", a) for a in console.advice), SAVE]
    page, saved = h.console_post(pairs, "saving the call")
    if saved is None:
        raise disagree("saving the call", call.answers, "saved (302)", page.summary())
    call.encounter_id = saved


def from_checkins(h: Harness, calls: list[Call]) -> None:
    """Open each check-in in the console, see the same result, and save the call."""
    for call in calls:
        assert call.checkin_id is not None
        console = h.console_from_checkin(call.checkin_id)
        console_shows(console, call.want, call.answers)
        save(h, console, call)


def from_codes(h: Harness, batch: list[dict[str, Any]]) -> list[Call]:
    """Each answer set's result page, its short code read to a nurse, and the call saved."""
    calls = []
    for answers in batch:
        given = stored_answers(answers)
        page = h.patient_result(form_fields(PROTOCOL, given).items())
        want = expected(given, number=h.number)
        same_result(page, want, given)
        check_short_code(page, given)
        if not page.short_code:
            continue
        console = h.console_from_code(page.short_code)
        without_days = {k: v for k, v in given.items() if k != DAYS}
        console_shows(console, expected(without_days, number=h.number), given)
        call = Call(given, want, None)
        typed = caller_fields(today() - timedelta(days=given[DAYS]))
        pairs = [(k, v) for k, v in console.fields if k not in typed] + list(typed.items())
        live = h.live(pairs)  # the nurse types the caller's details: the day count follows
        console_shows(live, want, given)
        if live.body != want:
            raise disagree(live.surface, given, want, live.body)
        console.advice = live.advice
        save(h, console, call, typed)
        calls.append(call)
    return calls


def check_saved(h: Harness, calls: list[Call]) -> None:
    """Each saved call stores the assessment shown; its note and handout state it."""
    saved = h.encounters([c.encounter_id for c in calls if c.encounter_id is not None])
    for call in calls:
        assert call.encounter_id is not None
        encounter, link = saved[call.encounter_id]
        want = call.want
        got = (encounter.engine_disposition, encounter.final_disposition,
               encounter.assessment, encounter.answers, encounter.advice_given, link)
        wanted = (want["disposition"], want["disposition"], want, call.answers,
                  [a["id"] for a in want["advice"]], call.checkin_id)
        if got != wanted:
            raise disagree("saved call", call.answers, wanted, got)
        SENT["saved call"] += 1
        check_note(h, encounter.note, want, call.answers)
        check_handout(h, call.encounter_id, want, call.answers)


def check_note(h: Harness, note: str, want: dict[str, Any], given: Any) -> None:
    """The note names the disposition, the rules that set it and the advice given."""
    by_id = {a.id: a for a in PROTOCOL.advice}
    advice = [fill(by_id[a["id"]].note, h.number) if by_id[a["id"]].note else a["text"]
              for a in want["advice"]]
    assessed = note_line(note, "Protocol disposition")
    got = (h.headlines.mentioned(note_line(note, "DISPOSITION")),
           h.headlines.mentioned(assessed.split(",")[0]), note_line(note, "Changed by the nurse"),
           _RULE_NAMED.findall(assessed), assessed.endswith("no rule matched."),
           note_line(note, "ADVICE GIVEN"))
    wanted = ({want["disposition"]}, {want["disposition"]}, "",
              [r["rule"] for r in want["reasons"]], not want["reasons"],
              f"{'; '.join(advice) or 'none recorded'}.")
    if got != wanted:
        raise disagree("clinical note", given, wanted, got)
    SENT["clinical note"] += 1


def check_handout(h: Harness, encounter_id: int, want: dict[str, Any], given: Any) -> None:
    """The printed handout tells the disposition, the advice given and when to call."""
    handout = h.handout(encounter_id)
    got = (handout.status, handout.disposition, handout.tone, handout.advice,
           handout.call_back)
    wanted = (200, want["disposition"], LOOKS[want["disposition"]],
              [a["text"] for a in want["advice"]], want["call_back_if"])
    if got != wanted:
        raise disagree("printed handout", given, wanted, got)
    SENT["printed handout"] += 1
