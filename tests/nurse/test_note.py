"""The documentation note: a fixed, readable layout with pertinent positives and negatives."""

import re
from datetime import UTC, date, datetime
from html import unescape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

import checker.nurse.console
from checker.extensions import db
from checker.nurse import note as note_module
from checker.nurse.models import Encounter
from checker.nurse.note import NoteFacts, build_note
from checker.wording import disposition_label
from rules import Protocol, assess, find_release, load_protocol, parse_protocol
from tests.nurse.conftest import call_data, new_call
from tests.protocol_data import fever_rule, mildest, own_source, temperature_words

# A calm call, built from the protocol: every question its mildest answer, a little pain that
# rest eases, day 2, the temperature not taken, and the last two questions not asked.
CALM = {
    name: value
    for name, value in mildest(pain_score=2, pain_relieved=True, days_since_procedure=2,
                               temperature=None).items()
    if name not in ("osteoporosis", "blood_thinner")
}


def facts(answers: dict[str, Any], **changes: Any) -> NoteFacts:
    """The facts of a call with these answers."""
    values: dict[str, Any] = {
        "nurse": "ann", "started_at": datetime(2025, 3, 14, 9, 5, tzinfo=UTC),
        "ended_at": datetime(2025, 3, 14, 9, 17, tzinfo=UTC), "patient_name": "Ada Lovelace",
        "date_of_birth": date(1940, 12, 10), "record_number": "", "callback_number": "555 0100",
        "caller": "family", "procedure_type": "vertebroplasty",
        "procedure_date": date(2025, 3, 12), "answers": answers,
        "assessment": assess(answers), "final_disposition": assess(answers)["disposition"],
        "override_reason": "", "advice_given": ["ice", "bandage"], "notes": "",
        "action_taken": "told", "agreement": "agreed", "call_back_signs_given": True,
        "emergency_number": "911",
    }
    values.update(changes)
    return NoteFacts(**values)


UTC_ZONE = ZoneInfo("UTC")
MAX_FEVER_NOTE = 1200
WIDTH = 100
PARTS = ["SITUATION", "BACKGROUND", "ASSESSMENT", "RECOMMENDATION AND PLAN"]


def line(note: str, title: str) -> str:
    """What follows the title on a part of the note, its wrapped lines joined again."""
    lines = note.split("\n")
    [start] = [n for n, text in enumerate(lines) if text.startswith(f"{title}: ")]
    end = start + 1
    while end < len(lines) and lines[end].startswith(note_module.CONTINUATION):
        end += 1
    rest = (text.removeprefix(note_module.CONTINUATION) for text in lines[start + 1:end])
    return " ".join([lines[start].removeprefix(f"{title}: "), *rest])


def fever_call() -> tuple[dict[str, Any], dict[str, Any]]:
    """A call whose one positive finding is the protocol's own fever rule, at its threshold."""
    rule, threshold = fever_rule()
    answers = mildest(temperature={"value": threshold, "unit": "C"})
    result = assess(answers)
    assert [r["rule"] for r in result["reasons"]] == [rule]
    return answers, result


def test_it_lays_out_the_note_in_sbar_order() -> None:
    note = build_note(facts(CALM), load_protocol(), UTC_ZONE)
    titles = ["SITUATION\n", "Phone call:", "BACKGROUND\n", "Procedure:", "ASSESSMENT\n",
              "Protocol disposition:", "Positive findings:", "Pertinent negatives:", "Not asked:",
              "RECOMMENDATION AND PLAN\n", "DISPOSITION: SELF CARE", "ADVICE GIVEN:",
              "ACTION:", "Call back:", "NOTES:", "Protocol: 1.3.0 "]
    positions = [note.index(t) for t in titles]
    assert positions == sorted(positions)
    assert note.startswith("TELEPHONE TRIAGE (SBAR): VERTEBROPLASTY / KYPHOPLASTY AFTERCARE\n")
    assert "Phone call: 2025-03-14 09:05 to 09:17 UTC. Nurse: ann." in note
    assert "Patient: Ada Lovelace. Born: 1940-12-10. Record number: not given." in note
    assert "Caller: A family member or carer. Callback number: 555 0100." in note
    assert "Procedure: Vertebroplasty on 2025-03-12 (day 2)." in note
    assert [text for text in note.split("\n") if text in PARTS] == PARTS


def test_it_says_how_the_call_was_reached() -> None:
    protocol = load_protocol()
    checkin = build_note(facts(CALM, checkin_id=4471), protocol, UTC_ZONE)
    assert "Phone call: 2025-03-14 09:05 to 09:17 UTC, from check-in #4471. Nurse: ann." in checkin
    code = build_note(facts(CALM, from_code=True), protocol, UTC_ZONE)
    assert ("Phone call: 2025-03-14 09:05 to 09:17 UTC, from the patient's short code. "
            "Nurse: ann.") in code
    plain = build_note(facts(CALM), protocol, UTC_ZONE)
    assert "check-in" not in plain and "short code" not in plain


def test_history_and_medicines_are_background_never_denied_symptoms() -> None:
    protocol = load_protocol()
    history = [q for q in protocol.questions if q.history]
    assert [q.note for q in history] == ["osteoporotic fracture", "anticoagulant/antiplatelet"]
    taken = build_note(facts(dict(CALM, osteoporosis=True, blood_thinner=True)), protocol,
                       UTC_ZONE)
    assert line(taken, "History") == "osteoporotic fracture; anticoagulant/antiplatelet."
    neither = build_note(facts(dict(CALM, osteoporosis=False, blood_thinner=False)), protocol,
                         UTC_ZONE)
    assert line(neither, "History") == "no osteoporotic fracture; no anticoagulant/antiplatelet."
    for note in (taken, neither):
        assert note.index("History:") < note.index("ASSESSMENT")
        for question in history:
            assert question.note not in line(note, "Pertinent negatives")
            assert question.note not in line(note, "Positive findings")
    unasked = build_note(facts(CALM), protocol, UTC_ZONE)
    assert line(unasked, "History") == (
        "osteoporotic fracture not asked; anticoagulant/antiplatelet not asked.")


def test_it_lists_positives_then_negatives_and_not_asked_on_a_line_each() -> None:
    answers = dict(CALM, new_back_pain=True, swelling="stable")
    note = build_note(facts(answers), load_protocol(), UTC_ZONE)
    assert line(note, "Positive findings") == (
        "pain: 2/10; site swelling: stable; new back pain elsewhere: yes.")
    # Every symptom answered no (or none) is denied, in the protocol's order, by its note.
    denied = [q.note for q in load_protocol().questions
              if not q.history and (answers.get(q.id) is False or answers.get(q.id) == "none")]
    assert denied[:3] == ["chest pain/dyspnea/hemoptysis", "new leg weakness", "new incontinence"]
    assert line(note, "Pertinent negatives") == (
        f"denies {', '.join(denied)}; pain relieved by rest/ice/analgesics; activity light; "
        "pain trend better.")
    assert line(note, "Not asked") == "temperature (not measured)."
    calm_all = build_note(facts(dict(CALM, temperature={"value": 36.8, "unit": "C"})),
                          load_protocol(), UTC_ZONE)
    assert "Not asked" not in calm_all  # nothing left out: no line


def test_a_question_that_did_not_apply_is_neither_negative_nor_not_asked() -> None:
    answers = {k: v for k, v in dict(CALM, pain_score=0).items() if k != "pain_relieved"}
    note = build_note(facts(answers), load_protocol(), UTC_ZONE)
    relieved = load_protocol().by_id["pain_relieved"].note
    assert relieved not in note


def test_the_assessment_names_the_rules_in_the_protocols_clinician_words() -> None:
    protocol = load_protocol()
    rule, threshold = fever_rule()
    answers = dict(CALM, temperature={"value": threshold + 0.5, "unit": "C"}, new_back_pain=True)
    note = build_note(facts(answers), protocol, UTC_ZONE)
    back = protocol.by_id["new_back_pain"].note
    assert line(note, "Protocol disposition") == (
        f"CALL DOCTOR NOW, set by {rule} (temperature {temperature_words(threshold)} or more); "
        f"T6 ({back}: yes).")
    calm = build_note(facts(CALM), protocol, UTC_ZONE)
    assert line(calm, "Protocol disposition") == "SELF CARE, no rule matched."


def test_the_note_is_in_clinician_words_not_the_patients() -> None:
    protocol = load_protocol()
    # Every rule at once: none of the patient-facing texts reaches the note.
    answers = dict(CALM, pain_score=9, pain_relieved=False, pain_trend="worse",
                   days_since_procedure=5, chest_symptoms=True, swelling="increasing")
    note = build_note(facts(answers), protocol, UTC_ZONE)
    for reason in assess(answers)["reasons"]:
        assert reason["text"] not in note
    assert "T7 (day 3 or more and pain 5 or more and pain trend: not better)" in note
    assert ".;" not in note and " your " not in note.lower() and "you " not in note.lower()


def test_the_fever_call_note_is_at_most_1200_characters_and_keeps_every_fact() -> None:
    protocol = load_protocol()
    rule, threshold = fever_rule()
    answers, result = fever_call()
    note = build_note(facts(answers, assessment=result, final_disposition=result["disposition"],
                            record_number="MRN-4471", patient_name="Harriet Quimby",
                            advice_given=[a["id"] for a in result["advice"]], checkin_id=4471,
                            notes="Daughter will drive her to the clinic."),
                      protocol, ZoneInfo("America/New_York"))
    assert len(note) <= MAX_FEVER_NOTE, len(note)
    for fact in ("Phone call: 2025-03-14 05:05 to 05:17 EDT, from check-in #4471. Nurse: ann.",
                 "Patient: Harriet Quimby. Born: 1940-12-10.",
                 "Record number: MRN-4471.", "Callback number: 555 0100.",
                 f"set by {rule} (temperature {temperature_words(threshold)} or more).",
                 f"Positive findings: temperature: {threshold} °C.",
                 "History: no osteoporotic fracture; no anticoagulant/antiplatelet.",
                 "DISPOSITION: CALL DOCTOR NOW\n",
                 f"Protocol: {protocol.version} ({protocol.sha256[:8]}).",
                 "ACTION: advised as above; caller agreed.\n",
                 "Call back: EMERGENCY if E1-E5; CALL DOCTOR NOW if N1-N7; CALL DOCTOR TODAY "
                 "if T1-T7.\n",
                 "NOTES: Daughter will drive her to the clinic."):
        assert fact in note
    print(f"fever call note: {len(note)} characters")


def test_the_note_pastes_cleanly_into_a_record_field() -> None:
    answers, result = fever_call()
    long_notes = "The caller read every answer from the sheet. " * 6
    for note in (build_note(facts(answers, assessment=result, advice_given=[],
                                  final_disposition=result["disposition"]), load_protocol()),
                 build_note(facts(dict(CALM, pain_score=9, pain_relieved=False),
                                  notes=long_notes), load_protocol(), UTC_ZONE)):
        lines = note.split("\n")
        assert max(len(text) for text in lines) <= WIDTH
        assert all(char.isascii() or char == "°" for char in note)
        assert "#" not in note.replace("check-in #", "") and "**" not in note
        assert not any(text.startswith(("- ", "* ")) for text in lines)
        assert note.endswith("\n") and "\n\n" not in note
    assert line(note, "NOTES") == long_notes.strip()


def test_the_protocol_is_named_by_version_and_the_first_8_hex_of_its_hash() -> None:
    protocol = load_protocol()
    note = build_note(facts(CALM), protocol, UTC_ZONE)
    assert line(note, "Protocol") == f"{protocol.version} ({protocol.sha256[:8]})."
    assert protocol.sha256 not in note


def test_the_plan_says_when_to_call_back_from_the_protocols_list() -> None:
    protocol = load_protocol()
    note = build_note(facts(CALM), protocol, UTC_ZONE)
    wanted = []
    for disposition in protocol.dispositions:
        rules = [r.id for r in protocol.rules if r.disposition == disposition.id]
        if rules:
            wanted.append(f"{disposition_label(disposition.id)} if {rules[0]}-{rules[-1]}")
    assert line(note, "Call back") == "; ".join(wanted) + "."
    emergency = build_note(facts(dict(CALM, chest_symptoms=True), final_disposition="emergency",
                                 call_back_signs_given=False), protocol, UTC_ZONE)
    assert not protocol.disposition("emergency").call_back
    assert line(emergency, "Call back") == "signs not given."
    old = find_release("1.0.0")
    assert old is not None and not old.call_back_from_rules
    answers = mildest(old, pain_score=2, pain_relieved=True, temperature=None)
    result = assess(answers, old)
    before = build_note(facts(answers, assessment=result, final_disposition=result["disposition"],
                              advice_given=[]), old, UTC_ZONE)
    assert line(before, "Call back") == (
        f"the protocol's call-back list ({len(old.call_back_items)} signs).")


def test_times_are_in_the_clinics_zone_with_its_name() -> None:
    late = facts(CALM, started_at=datetime(2025, 1, 10, 4, 50, tzinfo=UTC),
                 ended_at=datetime(2025, 1, 10, 5, 10, tzinfo=UTC))
    note = build_note(late, load_protocol(), ZoneInfo("America/Los_Angeles"))
    assert "Phone call: 2025-01-09 20:50 to 21:10 PST." in note
    across = build_note(late, load_protocol(), ZoneInfo("Asia/Kolkata"))
    assert "Phone call: 2025-01-10 10:20 to 10:40 IST." in across
    midnight = build_note(late, load_protocol(), ZoneInfo("Europe/London"))
    assert "Phone call: 2025-01-10 04:50 to 05:10 GMT." in midnight


def test_it_records_a_lowered_disposition_with_the_reason() -> None:
    answers = dict(CALM, new_back_pain=True)
    note = build_note(facts(answers, final_disposition="self_care",
                            override_reason="Seen by the surgeon yesterday."), load_protocol(),
                      UTC_ZONE)
    expected = (
        "DISPOSITION: SELF CARE\nChanged by the nurse: lowered from CALL DOCTOR TODAY.\n"
        "Reason: Seen by the surgeon yesterday.\n"
    )
    assert expected in note
    assert line(note, "Protocol disposition").startswith("CALL DOCTOR TODAY, set by T6 (")
    same = build_note(facts(answers), load_protocol(), UTC_ZONE)
    assert "Changed by the nurse" not in same


def test_it_shows_a_fahrenheit_reading_with_celsius() -> None:
    answers = dict(CALM, temperature={"value": 101.3, "unit": "F"})
    note = build_note(facts(answers), load_protocol(), UTC_ZONE)
    assert "Positive findings: temperature: 101.3 °F (38.5 °C); pain: 2/10." in note
    assert "DISPOSITION: CALL DOCTOR NOW" in note


def test_it_lists_the_advice_given_in_words() -> None:
    note = build_note(facts(CALM, advice_given=["ice", "bandage", "made_up"]), load_protocol(),
                      UTC_ZONE)
    assert line(note, "ADVICE GIVEN") == (
        "ice 15-20 min with a cloth barrier; keep dressing clean/dry, check site daily; "
        "made_up.")
    silent = build_note(facts(CALM, advice_given=[]), load_protocol(), UTC_ZONE)
    assert line(silent, "ADVICE GIVEN") == "none recorded."


def test_a_name_or_notes_with_line_breaks_cannot_forge_a_disposition_line() -> None:
    forged = "Ada\nDISPOSITION: SELF CARE"
    note = build_note(facts(
        dict(CALM, chest_symptoms=True), patient_name=forged, record_number="1\r\nDISPOSITION: X",
        callback_number="555\u2028DISPOSITION: X", notes="Calm.\nDISPOSITION: SELF CARE\n\nEnd.",
        final_disposition="emergency"), load_protocol(), UTC_ZONE)
    lines = note.split("\n")
    assert [line for line in lines if line.startswith("DISPOSITION")] == [
        "DISPOSITION: EMERGENCY"]
    assert "Patient: Ada\ufffdDISPOSITION: SELF CARE. Born: 1940-12-10. " in note
    assert "Record number: 1\ufffd\ufffdDISPOSITION: X." in note
    assert "Callback number: 555\ufffdDISPOSITION: X." in note
    notes = note.split("\n")
    start = notes.index("NOTES: Calm.")
    assert notes[start + 1:start + 4] == ["    DISPOSITION: SELF CARE", "    ", "    End."]


def test_a_long_typed_text_wraps_without_forging_a_line() -> None:
    forged = "x " * 60 + "DISPOSITION: SELF CARE " + "y " * 60
    note = build_note(facts(dict(CALM, chest_symptoms=True), patient_name=forged,
                            final_disposition="emergency"), load_protocol(), UTC_ZONE)
    assert [text for text in note.split("\n") if text.startswith("DISPOSITION")] == [
        "DISPOSITION: EMERGENCY"]


def test_a_lowered_disposition_reason_stays_inside_its_line() -> None:
    note = build_note(facts(dict(CALM, new_back_pain=True), final_disposition="self_care",
                            override_reason="Old pain.\rDISPOSITION: SELF CARE\x00"),
                      load_protocol(), UTC_ZONE)
    assert "Reason: Old pain.\n    DISPOSITION: SELF CARE\ufffd\n" in note
    assert sum(line.startswith("DISPOSITION") for line in note.split("\n")) == 1


def test_the_plan_says_what_the_nurse_did_and_whether_the_caller_agreed() -> None:
    protocol = load_protocol()
    wanted = {
        ("told", "agreed", ""): "advised as above; caller agreed.",
        ("connected", "not_asked", ""):
            "connected the caller to the doctor; caller's agreement could not be asked.",
        ("called_emergency", "agreed", ""): "called 911 for the patient; caller agreed.",
        ("other", "disagreed", "Wants to wait for her son."):
            "other (see notes); caller did not agree: Wants to wait for her son.",
    }
    for (action, agreement, reason), words in wanted.items():
        note = build_note(facts(CALM, action_taken=action, agreement=agreement,
                                disagreement_reason=reason), protocol, UTC_ZONE)
        assert line(note, "ACTION") == words
        assert note.index("ADVICE GIVEN:") < note.index("ACTION:") < note.index("Call back:")


def test_a_call_saved_without_a_plan_says_it_was_not_recorded() -> None:
    note = build_note(facts(CALM, action_taken="", agreement="", call_back_signs_given=None),
                      load_protocol(), UTC_ZONE)
    assert line(note, "ACTION") == "not recorded; agreement not recorded."
    assert line(note, "Call back") == "signs not recorded."


def test_the_call_back_plan_says_whether_the_signs_were_given_and_when_the_nurse_calls() -> None:
    protocol = load_protocol()
    told = line(build_note(facts(CALM), protocol, UTC_ZONE), "Call back")
    assert told.startswith("EMERGENCY if ")
    not_told = build_note(facts(CALM, call_back_signs_given=False), protocol, UTC_ZONE)
    assert line(not_told, "Call back") == "signs not given."
    planned = build_note(facts(CALM, nurse_call_back_at=datetime(2025, 3, 14, 19, 30,
                                                                 tzinfo=UTC)),
                         protocol, ZoneInfo("America/New_York"))
    assert line(planned, "Call back") == told
    assert "\nNurse to call back: 2025-03-14 15:30 EDT.\nNOTES:" in planned
    emergency = build_note(facts(dict(CALM, chest_symptoms=True), final_disposition="emergency"),
                           protocol, UTC_ZONE)
    assert line(emergency, "Call back") == "signs given."  # an emergency shows no list


def test_a_disagreement_reason_stays_inside_its_line() -> None:
    note = build_note(facts(CALM, agreement="disagreed",
                            disagreement_reason="Will wait.\nDISPOSITION: SELF CARE"),
                      load_protocol(), UTC_ZONE)
    assert line(note, "ACTION") == (
        "advised as above; caller did not agree: Will wait.\ufffdDISPOSITION: SELF CARE.")
    assert sum(text.startswith("DISPOSITION") for text in note.split("\n")) == 1


def fever_at(threshold: str) -> Protocol:
    """The tests' own protocol with its fever rule at another threshold."""
    text = own_source()
    changed = text.replace('when = "temperature >= 38.0"', f'when = "temperature >= {threshold}"')
    assert changed != text
    return parse_protocol(changed.encode(), "copy.toml")


def test_the_advice_in_the_note_says_the_fever_threshold_of_the_protocol_it_follows() -> None:
    protocol = fever_at("38.5")
    answers = mildest(protocol, feels_feverish=True, pain_score=2, pain_relieved=True,
                      temperature=None)
    result = assess(answers, protocol)
    assert "take_temperature" in [a["id"] for a in result["advice"]]
    note = build_note(facts(answers, assessment=result, final_disposition=result["disposition"],
                            advice_given=["take_temperature", "ice"]), protocol, UTC_ZONE)
    assert line(note, "ADVICE GIVEN") == (
        "take temperature, call the doctor now if 38.5 °C (101.3 °F) or more; "
        "ice 15-20 min with a cloth barrier.")
    assert "38.0" not in note and "100.4" not in note


def test_the_served_protocol_gives_the_note_its_clinician_wording() -> None:
    protocol = load_protocol()
    note = build_note(facts(CALM, advice_given=["take_temperature", "call_911"]), protocol,
                      UTC_ZONE)
    take = next(a for a in protocol.advice if a.id == "take_temperature")
    _, threshold = fever_rule(protocol)
    words = temperature_words(threshold)
    assert take.note == f"take temperature, call the doctor now if {words} or more"
    emergency = next(a for a in protocol.advice if a.id == "call_911")
    assert line(note, "ADVICE GIVEN") == f"{take.note}; {emergency.text}."  # call_911 has no note


def test_a_protocol_without_notes_reads_as_its_own_texts() -> None:
    old = find_release("1.1.0")
    assert old is not None and not any(q.note for q in old.questions)
    answers = mildest(old, new_back_pain=True, pain_score=2, pain_relieved=True, temperature=None)
    result = assess(answers, old)
    note = build_note(facts(answers, assessment=result, final_disposition=result["disposition"],
                            advice_given=["bandage"]), old, UTC_ZONE)
    back_pain = old.by_id["new_back_pain"].text
    assert f"{back_pain}: yes" in line(note, "Positive findings")
    bandage = next(a for a in result["advice"] if a["id"] == "bandage")["text"]
    assert line(note, "ADVICE GIVEN") == f"{bandage}."


def test_the_note_module_names_no_question_or_advice_id() -> None:
    source = Path(note_module.__file__).read_text(encoding="utf-8")
    quoted = set(re.findall(r"[\"']([a-z_0-9]+)[\"']", source))
    ids = {q.id for q in load_protocol().questions} | {a.id for a in load_protocol().advice}
    assert quoted & ids == set()


def test_a_saved_call_shows_its_stored_note_never_a_rebuilt_one(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = client.post("/nurse/call", data=call_data(new_call(client)))
    assert response.status_code == 302
    encounter_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        stored = db.session.get(Encounter, encounter_id).note
    assert stored.startswith("TELEPHONE TRIAGE (SBAR)")

    def rebuilt(*args: Any) -> str:
        raise AssertionError("a saved call's note was built again")

    # A later layout (here: any build at all) changes no saved call's note.
    monkeypatch.setattr(note_module, "build_note", rebuilt)
    monkeypatch.setattr(checker.nurse.console, "build_note", rebuilt)
    plain = client.get(f"/nurse/encounters/{encounter_id}/note.txt")
    assert plain.get_data(as_text=True) == stored
    for path in ("", "/print"):
        page = unescape(client.get(f"/nurse/encounters/{encounter_id}{path}").get_data(
            as_text=True))
        assert stored.strip() in page
