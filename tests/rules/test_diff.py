"""`python -m rules diff`: what a protocol change does, over the whole answer space."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from rules import assess, find_release, parse_protocol
from rules.diff import _Space, diff
from tests.rules.conftest import shipped_path


def release(version: str):
    """A released protocol, which must be kept."""
    protocol = find_release(version)
    assert protocol is not None
    return protocol


def lowered(text: str) -> str:
    """The served protocol with the fever threshold raised: some fevers are told less."""
    changed = text.replace('when = "temperature >= 38.0"', 'when = "temperature >= 38.5"', 1)
    assert changed != text
    return changed.replace('version = "1.1.0"', 'version = "1.1.1"', 1)


def run(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m rules` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "rules", *args], capture_output=True, text=True, timeout=120
    )


def test_1_0_0_to_1_1_0_moves_no_disposition_and_lists_the_advice_changes() -> None:
    found = diff(release("1.0.0"), release("1.1.0"))
    assert found.down == [] and found.up == []
    reworded = {advice_id for advice_id, _, _ in found.advice_reworded}
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
    assert added[fever] == "under call_doctor_now, rule N2"


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
    done = run("diff", str(shipped_path()), str(path), "--fail-on-lower")
    assert done.returncode == 1, done.stderr
    down = done.stdout.index("move DOWN")
    assert down < done.stdout.index("move up") < done.stdout.index("Advice:")
    assert "call_doctor_now -> self_care" in done.stdout
    assert run("diff", str(shipped_path()), str(path)).returncode == 0


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
