"""The documentation note: a fixed, readable layout with pertinent positives and negatives."""

from datetime import UTC, date, datetime
from typing import Any

from checker.nurse.note import NoteFacts, build_note
from rules import assess, load_protocol

CALM = {
    "chest_symptoms": False, "leg_weakness": False, "bladder_bowel": False, "fainted": False,
    "bleeding": "none", "numbness_tingling": False, "temperature": None, "drainage": False,
    "headache": "none", "pain_score": 2, "pain_relieved": True, "activity": "light",
    "pain_trend": "better", "swelling": "none", "redness": "none", "feels_feverish": False,
    "new_back_pain": False, "days_since_procedure": 2,
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


def section(note: str, title: str) -> list[str]:
    """The lines of one section of the note."""
    lines = note.split("\n")
    start = lines.index(f"{title}:") + 1
    end = lines.index("", start)
    return lines[start:end]


def test_it_lays_out_the_note_in_a_fixed_order() -> None:
    note = build_note(facts(CALM), load_protocol())
    titles = ["DISPOSITION: SELF CARE", "PERTINENT POSITIVES:", "PERTINENT NEGATIVES:",
              "NOT ASKED OR NOT MEASURED:", "PROTOCOL REASONS:", "ADVICE GIVEN:", "NOTES:",
              "Protocol: vertebral-augmentation-aftercare version"]
    positions = [note.index(t) for t in titles]
    assert positions == sorted(positions)
    assert note.startswith("TELEPHONE TRIAGE: VERTEBROPLASTY / KYPHOPLASTY AFTERCARE\n")
    assert "Call: 2025-03-14 09:05 to 09:17 UTC. Nurse: ann." in note
    assert "Patient: Ada Lovelace. Born: 1940-12-10. Record number: not given." in note
    assert "Caller: A family member or carer. Callback number: 555 0100." in note
    assert "Procedure: Vertebroplasty on 2025-03-12 (day 2)." in note


def test_it_lists_pertinent_positives_and_negatives() -> None:
    answers = dict(CALM, new_back_pain=True, swelling="stable")
    note = build_note(facts(answers), load_protocol())
    positives = section(note, "PERTINENT POSITIVES")
    negatives = section(note, "PERTINENT NEGATIVES")
    assert any("different place from the treated spot? Yes" in line for line in positives)
    assert any("swelling at the needle spot? Some, but it is not growing" in line
               for line in positives)
    assert any("How bad is your pain right now? 2 (of 10)" in line for line in positives)
    assert any("chest pain" in line and line.endswith("No") for line in negatives)
    assert any("bring the pain down? Yes" in line for line in negatives)
    assert section(note, "NOT ASKED OR NOT MEASURED") == [
        "- What is your temperature? Not measured", "- Was your broken bone caused by "
        "osteoporosis (thin, weak bones)?", "- Do you take a blood thinner?"]


def test_it_records_a_lowered_disposition_with_the_reason() -> None:
    answers = dict(CALM, new_back_pain=True)
    note = build_note(facts(answers, final_disposition="self_care",
                            override_reason="Seen by the surgeon yesterday."), load_protocol())
    expected = (
        "DISPOSITION: SELF CARE\nProtocol disposition: CALL DOCTOR TODAY (lowered by the nurse)."
    )
    assert expected in note
    assert "Reason: Seen by the surgeon yesterday." in note
    assert section(note, "PROTOCOL REASONS")[0].startswith("- T6: ")


def test_it_shows_a_fahrenheit_reading_with_celsius() -> None:
    answers = dict(CALM, temperature={"value": 100.4, "unit": "F"})
    note = build_note(facts(answers), load_protocol())
    assert "What is your temperature? 100.4 °F (38.0 °C)" in note
    assert "DISPOSITION: CALL DOCTOR NOW" in note


def test_it_lists_the_advice_given_in_words() -> None:
    note = build_note(facts(CALM), load_protocol())
    assert section(note, "ADVICE GIVEN")[1] == (
        "- Keep the small bandage clean and dry, and look at the needle spot every day.")
    silent = build_note(facts(CALM, advice_given=[]), load_protocol())
    assert section(silent, "ADVICE GIVEN") == ["- none recorded"]


def test_a_name_or_notes_with_line_breaks_cannot_forge_a_disposition_line() -> None:
    forged = "Ada\nDISPOSITION: SELF CARE"
    note = build_note(facts(
        dict(CALM, chest_symptoms=True), patient_name=forged, record_number="1\r\nDISPOSITION: X",
        callback_number="555\u2028DISPOSITION: X", notes="Calm.\nDISPOSITION: SELF CARE\n\nEnd.",
        final_disposition="emergency"), load_protocol())
    lines = note.split("\n")
    assert [line for line in lines if line.startswith("DISPOSITION")] == [
        "DISPOSITION: EMERGENCY"]
    assert "Patient: Ada\ufffdDISPOSITION: SELF CARE. Born: 1940-12-10. " in note
    assert "Record number: 1\ufffd\ufffdDISPOSITION: X." in note
    assert "Callback number: 555\ufffdDISPOSITION: X." in note
    assert section(note, "NOTES") == [
        "Calm.", "    DISPOSITION: SELF CARE", "    ", "    End."]


def test_a_lowered_disposition_reason_stays_inside_its_line() -> None:
    note = build_note(facts(dict(CALM, new_back_pain=True), final_disposition="self_care",
                            override_reason="Old pain.\rDISPOSITION: SELF CARE\x00"),
                      load_protocol())
    assert "Reason: Old pain.\n    DISPOSITION: SELF CARE\ufffd\n" in note
    assert sum(line.startswith("DISPOSITION") for line in note.split("\n")) == 1
