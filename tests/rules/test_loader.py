"""Loading rejects a broken protocol with one typed error naming file, item and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import load_protocol
from rules.errors import (
    BadOperatorError,
    DuplicateIdError,
    ImpossibleValueError,
    MissingSourceError,
    ProtocolError,
    SchemaError,
    UnknownQuestionError,
)
from tests.protocol_data import own_protocol


def test_a_full_protocol_loads_with_every_question_rule_and_advice() -> None:
    protocol = own_protocol()
    assert len(protocol.questions) == 20
    assert [r.id for r in protocol.rules][:5] == ["E1", "E2", "E3", "E4", "E5"]
    assert len(protocol.rules) == 19
    assert len(protocol.advice) == 13
    assert [d.id for d in protocol.dispositions] == [
        "emergency", "call_doctor_now", "call_doctor_today", "self_care",
    ]  # fmt: skip


def test_the_emergency_questions_are_asked_first(protocol) -> None:
    first = [q.id for q in protocol.questions[:4]]
    assert first == ["chest_symptoms", "leg_weakness", "bladder_bowel", "fainted"]
    assert {q.group for q in protocol.questions[:4]} == {"emergency"}


BREAKS = [
    (
        'when = "drainage = yes"',
        'when = "wound_ooze = yes"',
        UnknownQuestionError, "rule N3", "when",
    ),
    (
        'when = "pain_score >= 8 and pain_relieved = no"',
        'when = "pain_score => 8 and pain_relieved = no"',
        BadOperatorError, "rule N6", "when",
    ),
    (
        'when = "pain_trend = worse"',
        'when = "pain_trend >= worse"',
        BadOperatorError, "rule T1", "when",
    ),
    (
        'when = "pain_score >= 8 and pain_relieved = no"',
        'when = "pain_score >= 11 and pain_relieved = no"',
        ImpossibleValueError, "rule N6", "when",
    ),
    (
        'when = "swelling = increasing"',
        'when = "swelling = huge"',
        ImpossibleValueError, "rule T2", "when",
    ),
    (
        'when = "temperature >= 38.0"',
        'when = "temperature >= 44.0"',
        ImpossibleValueError, "rule N2", "when",
    ),
    (
        'when = "fainted = yes"',
        'when = "fainted = true"',
        ImpossibleValueError, "rule E4", "when",
    ),
    (
        'source = "S Risks (numbness, tingling)"',
        'source = ""',
        MissingSourceError, "rule N1", "source",
    ),
    (
        'source = "S Risks (numbness, tingling)"',
        'source = "S Aftercare (numbness, tingling)"',
        MissingSourceError, "rule N1", "source",
    ),
    (
        'source = "S Risks (numbness, tingling)"',
        'source = "Internet forum"',
        MissingSourceError, "rule N1", "source",
    ),
    ('id = "T2"', 'id = "T1"', DuplicateIdError, "rule T1", "id"),
    ('id = "new_back_pain"', 'id = "fainted"', DuplicateIdError, "question fainted", "id"),
    ('disposition = "call_doctor_today"\nwhen = "new_back_pain = yes"',
     'disposition = "call_doctor_soon"\nwhen = "new_back_pain = yes"',
     SchemaError, "rule T6", "disposition"),
    ('explain = "New numbness', 'explian = "New numbness', SchemaError, "rule N1", "explain"),
    ('text = "Get up and walk', 'text = "Call {clinic_phone}. Get up and walk',
     SchemaError, "advice move_around", "text"),
    ('only_advice = ["call_911"]', 'only_advice = ["call_999"]',
     SchemaError, "disposition emergency", "only_advice"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "error", "item", "field"), BREAKS)
def test_a_broken_protocol_fails_to_load_naming_the_item_and_field(
    protocol_text, write_protocol, old, new, error, item, field
) -> None:
    assert old in protocol_text
    path = write_protocol(protocol_text.replace(old, new, 1))
    with pytest.raises(error) as caught:
        load_protocol(path)
    assert caught.value.file == "broken.toml"
    assert caught.value.item == item
    assert caught.value.field == field
    assert str(caught.value).startswith(f"broken.toml: {item}: field '{field}': ")


def test_a_rule_without_a_source_field_does_not_load(protocol_text, write_protocol) -> None:
    text = protocol_text.replace('source = "S Risks (paralysis)"\n', "", 1)
    with pytest.raises(MissingSourceError, match="rule E2: field 'source'"):
        load_protocol(write_protocol(text))


def test_a_file_that_is_not_toml_fails_with_a_schema_error(write_protocol) -> None:
    with pytest.raises(SchemaError, match="not valid TOML"):
        load_protocol(write_protocol("[protocol\nid = 1"))


def test_a_missing_file_fails_with_a_protocol_error(tmp_path) -> None:
    with pytest.raises(ProtocolError, match="cannot be read"):
        load_protocol(tmp_path / "nowhere.toml")


def test_errors_survive_python_optimisation_because_no_assert_is_used() -> None:
    import rules

    for path in Path(rules.__file__).parent.glob("*.py"):
        assert "assert " not in path.read_text(encoding="utf-8"), path
