"""`python -m rules diff`: what a protocol change does, over the whole answer space."""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

from rules import assess, find_release, parse_protocol
from rules.diff import _Space, diff
from tests.protocol_data import OWN_PROTOCOL


def release(version: str):
    """A released protocol, which must be kept."""
    protocol = find_release(version)
    assert protocol is not None
    return protocol


def lowered(text: str) -> str:
    """The tests' own protocol with the fever threshold raised: some fevers are told less."""
    changed = text.replace('when = "temperature >= 38.0"', 'when = "temperature >= 38.5"', 1)
    assert changed != text
    return re.sub(r'(?m)^version = "[0-9.]+"$', 'version = "9.9.9"', changed, count=1)


def run(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m rules` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "rules", *args], capture_output=True, text=True, timeout=120
    )


def test_1_0_0_to_1_1_0_moves_no_disposition_and_lists_the_advice_changes() -> None:
    found = diff(release("1.0.0"), release("1.1.0"))
    assert found.down == [] and found.up == []
    reworded = {
        c.item for c in found.texts_changed if c.kind == "advice" and c.language == "en"
    }
    assert {"pressure", "nsaid", "bone_health"} <= reworded
    soreness = next(c for c in found.advice_moved if c.id == "soreness_normal")
    assert soreness.disappears > 0 and soreness.appears == 0
    example = soreness.disappears_example
    assert "soreness_normal" in [a["id"] for a in assess(example, release("1.0.0"))["advice"]]
    assert "soreness_normal" not in [a["id"] for a in assess(example, release("1.1.0"))["advice"]]
    removed = [text for text, _ in found.call_back_removed]
    added = dict(found.call_back_added)
    assert any("fever" in t for t in removed)
    fever = next(t for t in added if "fever" in t)
    assert added[fever] == "under call_doctor_now, rule N2, en"


def test_every_class_is_counted_once() -> None:
    found = diff(release("1.0.0"), release("1.1.0"))
    space = _Space(release("1.0.0"), release("1.1.0"))
    assert found.classes == math.prod(len(c) for c in space.classes.values())


def test_a_lowered_threshold_names_the_classes_that_move_down_with_examples(
    protocol_text: str,
) -> None:
    old = release("1.1.0")
    new = parse_protocol(lowered(protocol_text).encode(), "1.1.1.toml")
    found = diff(old, new)
    assert found.up == []
    moves = {(m.old, m.new): m for m in found.down}
    assert ("call_doctor_now", "self_care") in moves
    assert ("call_doctor_now", "call_doctor_today") in moves
    for move in found.down:
        assert move.classes > 0
        assert assess(move.example, old)["disposition"] == move.old
        assert assess(move.example, new)["disposition"] == move.new
    calm_fever = moves[("call_doctor_now", "self_care")].example
    assert calm_fever["temperature"] == {"value": 38.0, "unit": "C"}  # the smallest such fever


def test_the_command_prints_the_lowering_first_and_fails_on_it(
    protocol_text: str, tmp_path
) -> None:
    path = tmp_path / "lowered.toml"
    path.write_text(lowered(protocol_text), encoding="utf-8")
    done = run("diff", str(OWN_PROTOCOL), str(path), "--fail-on-lower")
    assert done.returncode == 1, done.stderr
    down = done.stdout.index("move DOWN")
    assert down < done.stdout.index("move up") < done.stdout.index("Advice:")
    assert "call_doctor_now -> self_care" in done.stdout
    assert run("diff", str(OWN_PROTOCOL), str(path)).returncode == 0


@pytest.mark.parametrize("args", [("1.0.0", "1.1.0"), ("1.0.0", "1.1.0", "--fail-on-lower")])
def test_the_released_change_passes_the_gate(args: tuple[str, ...]) -> None:
    done = run("diff", *args)
    assert done.returncode == 0, done.stderr
    assert "0 change disposition" in done.stdout


def test_the_markdown_form_is_a_sign_off_sheet() -> None:
    done = run("diff", "1.0.0", "1.1.0", "--markdown")
    assert done.returncode == 0
    text = done.stdout
    assert text.startswith("# Protocol change: vertebral-augmentation-aftercare 1.0.0 → 1.1.0")
    assert "## Dispositions that move DOWN (less urgent)" in text
    assert "## Sign-off" in text and "| reviewer | role | date | decision |" in text


def test_a_moved_threshold_lists_the_condition_and_every_text_and_sentence_it_changes(
    protocol_text: str,
) -> None:
    new = parse_protocol(lowered(protocol_text).encode(), "9.9.9.toml")
    found = diff(parse_protocol(protocol_text.encode(), "own.toml"), new)
    [rule] = found.rules_changed
    assert (rule.id, rule.old_when, rule.new_when) == (
        "N2", "temperature >= 38.0", "temperature >= 38.5"
    )
    changed = {(c.kind, c.item, c.field, c.language): c for c in found.texts_changed}
    for key in [
        ("rule", "N2", "sign", "en"), ("rule", "N2", "explain", "es"),
        ("advice", "take_temperature", "text", "es"), ("advice", "take_temperature", "note", "en"),
    ]:  # fmt: skip
        assert "38" in changed[key].old and "38.0" not in changed[key].new
    assert changed[("rule", "N2", "sign", "en")].new == (
        "you have a fever of 38.5 °C (101.3 °F) or higher"
    )
    sentences = {(c.item, c.language): c for c in found.call_back_changed}
    assert set(sentences) == {("N2", "en"), ("N2", "es")}
    assert sentences[("N2", "es")].new.endswith("fiebre de 38,5 °C (101,3 °F) o más.")
    assert found.call_back_added == [] and found.call_back_removed == []


def test_the_plain_and_markdown_reports_show_old_and_new(protocol_text: str, tmp_path) -> None:
    path = tmp_path / "9.9.9.toml"
    path.write_text(lowered(protocol_text), encoding="utf-8")
    plain = run("diff", str(OWN_PROTOCOL), str(path)).stdout
    assert "Rules:\n  changed: N2: `temperature >= 38.0` -> `temperature >= 38.5`\n" in plain
    assert (
        "  rule N2 sign (en): 'you have a fever of 38.0 °C (100.4 °F) or higher' -> "
        "'you have a fever of 38.5 °C (101.3 °F) or higher'\n"
    ) in plain
    assert "Call-back sentences:\n  call_back N2 sentence (en): " in plain
    markdown = run("diff", str(OWN_PROTOCOL), str(path), "--markdown").stdout
    assert "## Rules\n\n- changed: N2: `temperature >= 38.0` → `temperature >= 38.5`" in markdown
    assert (
        "- rule N2 sign (es): “tiene fiebre de 38,0 °C (100,4 °F) o más” → "
        "“tiene fiebre de 38,5 °C (101,3 °F) o más”"
    ) in markdown
    assert "- call_back N2 sentence (es): " in markdown


def test_the_clinicians_notes_added_after_1_1_0_are_listed_as_added_texts() -> None:
    found = diff(release("1.1.0"), release("1.2.0"))
    added = {(c.kind, c.item, c.field): c.new for c in found.texts_changed if not c.old}
    assert added[("advice", "take_temperature", "note")] == (
        "take temperature, call the doctor now if 38.0 °C (100.4 °F) or more"
    )
    assert added[("question", "chest_symptoms", "note")] == "chest pain/dyspnea/hemoptysis"
    assert found.rules_changed == [] and found.down == [] and found.up == []
