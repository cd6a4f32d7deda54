"""The documentation note: a fixed, readable layout with pertinent positives and negatives."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from checker.nurse import note as note_module
from checker.nurse.note import NoteFacts, build_note
from rules import Protocol, assess, find_release, load_protocol, parse_protocol
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
    }
    values.update(changes)
    return NoteFacts(**values)


UTC_ZONE = ZoneInfo("UTC")
MAX_TYPICAL_NOTE = 1200


def section(note: str, title: str) -> list[str]:
    """The lines of one section of the note, up to the next line in capitals or a blank one."""
    lines = note.split("\n")
    start = lines.index(f"{title}:") + 1
    end = next(n for n in range(start, len(lines))
               if not lines[n] or lines[n].split(":")[0].isupper())
    return lines[start:end]


def line(note: str, title: str) -> str:
    """What follows the title on a one-line section."""
    [found] = [text for text in note.split("\n") if text.startswith(f"{title}: ")]
    return found.removeprefix(f"{title}: ")


def test_it_lays_out_the_note_in_a_fixed_order() -> None:
    note = build_note(facts(CALM), load_protocol(), UTC_ZONE)
    titles = ["DISPOSITION: SELF CARE", "PERTINENT POSITIVES:", "PERTINENT NEGATIVES:",
              "NOT ASKED:", "PROTOCOL REASONS:", "ADVICE GIVEN:", "NOTES:",
              "Protocol: vertebral-augmentation-aftercare version"]
    positions = [note.index(t) for t in titles]
    assert positions == sorted(positions)
    assert note.startswith("TELEPHONE TRIAGE: VERTEBROPLASTY / KYPHOPLASTY AFTERCARE\n")
    assert "Call: 2025-03-14 09:05 to 09:17 UTC. Nurse: ann." in note
    assert "Patient: Ada Lovelace. Born: 1940-12-10. Record number: not given." in note
    assert "Caller: A family member or carer. Callback number: 555 0100." in note
    assert "Procedure: Vertebroplasty on 2025-03-12 (day 2)." in note


def test_it_lists_positives_first_then_negatives_and_not_asked_on_a_line_each() -> None:
    answers = dict(CALM, new_back_pain=True, swelling="stable")
    note = build_note(facts(answers), load_protocol(), UTC_ZONE)
    assert section(note, "PERTINENT POSITIVES") == [
        "- pain: 2/10", "- site swelling: stable", "- new back pain elsewhere: yes"]
    # Every question answered no (or none) is denied, in the protocol's order, by its note.
    denied = [q.note for q in load_protocol().questions
              if answers.get(q.id) is False or answers.get(q.id) == "none"]
    assert denied[:3] == ["chest pain/dyspnea/hemoptysis", "new leg weakness", "new incontinence"]
    assert line(note, "PERTINENT NEGATIVES") == (
        f"denies {', '.join(denied)}; pain relieved by rest/ice/analgesics; activity light; "
        "pain trend better.")
    assert line(note, "NOT ASKED") == (
        "temperature (not measured), osteoporotic fracture, anticoagulant/antiplatelet.")
    assert note.index("PERTINENT POSITIVES") < note.index("PERTINENT NEGATIVES")


def test_a_typical_call_note_is_at_most_1200_characters_and_keeps_every_fact() -> None:
    answers = dict(CALM, temperature={"value": 38.5, "unit": "C"}, osteoporosis=True,
                   blood_thinner=False)
    protocol = load_protocol()
    note = build_note(facts(answers, record_number="MRN-4471",
                            patient_name="Harriet Quimby",
                            advice_given=["ice", "bandage"],
                            notes="Daughter will drive her to the clinic."),
                      protocol, ZoneInfo("America/New_York"))
    assert len(note) <= MAX_TYPICAL_NOTE, len(note)
    for fact in ("Call: 2025-03-14 05:05 to 05:17 EDT. Nurse: ann.",
                 "Patient: Harriet Quimby. Born: 1940-12-10.",
                 "Record number: MRN-4471.", "Callback number: 555 0100.",
                 "DISPOSITION: CALL DOCTOR NOW", "- temperature: 38.5 °C",
                 f"{protocol.id} version {protocol.version} (sha256 {protocol.sha256})",
                 "ADVICE GIVEN: ice 15-20 min with a cloth barrier; keep dressing clean/dry",
                 "NOTES: Daughter will drive her to the clinic."):
        assert fact in note


def test_times_are_in_the_clinics_zone_with_its_name() -> None:
    late = facts(CALM, started_at=datetime(2025, 1, 10, 4, 50, tzinfo=UTC),
                 ended_at=datetime(2025, 1, 10, 5, 10, tzinfo=UTC))
    note = build_note(late, load_protocol(), ZoneInfo("America/Los_Angeles"))
    assert "Call: 2025-01-09 20:50 to 21:10 PST." in note
    across = build_note(late, load_protocol(), ZoneInfo("Asia/Kolkata"))
    assert "Call: 2025-01-10 10:20 to 10:40 IST." in across
    midnight = build_note(late, load_protocol(), ZoneInfo("Europe/London"))
    assert "Call: 2025-01-10 04:50 to 05:10 GMT." in midnight


def test_it_records_a_lowered_disposition_with_the_reason() -> None:
    answers = dict(CALM, new_back_pain=True)
    note = build_note(facts(answers, final_disposition="self_care",
                            override_reason="Seen by the surgeon yesterday."), load_protocol(),
                      UTC_ZONE)
    expected = (
        "DISPOSITION: SELF CARE\nProtocol disposition: CALL DOCTOR TODAY (lowered by the nurse)."
    )
    assert expected in note
    assert "Reason: Seen by the surgeon yesterday." in note
    assert line(note, "PROTOCOL REASONS").startswith("T6: ")


def test_it_shows_a_fahrenheit_reading_with_celsius() -> None:
    answers = dict(CALM, temperature={"value": 101.3, "unit": "F"})
    note = build_note(facts(answers), load_protocol(), UTC_ZONE)
    assert "- temperature: 101.3 °F (38.5 °C)\n" in note
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


def test_a_lowered_disposition_reason_stays_inside_its_line() -> None:
    note = build_note(facts(dict(CALM, new_back_pain=True), final_disposition="self_care",
                            override_reason="Old pain.\rDISPOSITION: SELF CARE\x00"),
                      load_protocol(), UTC_ZONE)
    assert "Reason: Old pain.\n    DISPOSITION: SELF CARE\ufffd\n" in note
    assert sum(line.startswith("DISPOSITION") for line in note.split("\n")) == 1


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
    assert f"- {back_pain}: yes" in section(note, "PERTINENT POSITIVES")
    bandage = next(a for a in result["advice"] if a["id"] == "bandage")["text"]
    assert line(note, "ADVICE GIVEN") == f"{bandage}."


def test_the_note_module_names_no_question_or_advice_id() -> None:
    source = Path(note_module.__file__).read_text(encoding="utf-8")
    quoted = set(re.findall(r"[\"']([a-z_0-9]+)[\"']", source))
    ids = {q.id for q in load_protocol().questions} | {a.id for a in load_protocol().advice}
    assert quoted & ids == set()
