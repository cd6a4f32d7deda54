"""`python -m rules`: assess, verify and table from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.protocol_data import own_source
from tests.rules.conftest import CALM, calm

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run `python -m rules` in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "rules", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip


def test_assess_prints_the_assessment_of_one_answer_set() -> None:
    done = run("assess", stdin=json.dumps(calm(drainage=True)))
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["disposition"] == "call_doctor_now"
    assert result["reasons"][0]["rule"] == "N3"


def test_assess_rejects_invalid_answers_with_one_message_per_field_and_exit_2() -> None:
    done = run("assess", stdin=json.dumps(calm(pain_score=12, redness="purple")))
    assert done.returncode == 2
    assert set(json.loads(done.stdout)["errors"]) == {"pain_score", "redness"}


def test_assess_rejects_malformed_json_nan_and_duplicate_keys() -> None:
    for text in ("{", '{"pain_score": NaN}', '{"fainted": false, "fainted": true}', ""):
        done = run("assess", stdin=text)
        assert done.returncode == 2, text
        assert list(json.loads(done.stdout)["errors"]) == ["answers"]


def test_jsonl_answers_every_line_in_order_and_goes_on_after_a_bad_one() -> None:
    lines = [json.dumps(CALM), "{bad", json.dumps({"fainted": True}), json.dumps({"x": 1})]
    done = run("assess", "--jsonl", stdin="\n".join(lines) + "\n")
    assert done.returncode == 2
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["disposition"] == "self_care"
    assert "answers" in out[1]["errors"]
    assert out[2]["disposition"] == "emergency"
    assert out[3] == {"errors": {"x": "is not a question of this protocol"}}


def test_jsonl_exits_0_when_every_line_is_valid() -> None:
    done = run("assess", "--jsonl", stdin=json.dumps(CALM) + "\n" + json.dumps({}) + "\n")
    assert done.returncode == 0
    assert [json.loads(x)["decided"] for x in done.stdout.splitlines()] == [True, False]


def test_verify_proves_the_shipped_protocol_and_exits_0() -> None:
    done = run("verify")
    assert done.returncode == 0
    assert "All 6 safety properties hold" in done.stdout


def test_verify_exits_1_on_a_broken_protocol(tmp_path) -> None:
    text = own_source()
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace('"fainted = yes"', '"fainted = no"'), encoding="utf-8")
    done = run("verify", "--protocol", str(broken))
    assert done.returncode == 1
    assert "FAIL 2. monotone" in done.stdout


def test_table_prints_a_review_sheet_with_every_rule_and_its_source(protocol) -> None:
    done = run("table")
    assert done.returncode == 0
    sheet = done.stdout
    assert sheet.startswith("# Recovery after vertebroplasty or kyphoplasty")
    for rule in protocol.rules:
        assert f"| {rule.id} | `{rule.when.text}` |" in sheet
        assert rule.source.replace("|", "\\|") in sheet
    for item in protocol.advice:
        assert f"| `{item.id}` |" in sheet
    assert "### `emergency`" in sheet and "## Sign-off" in sheet
