"""`flask encounters replay`: every saved call assessed again under another version, read only.

The calls are saved under the tests' own protocol, served in place of the released ones, and
replayed under versions made from it, so a new version of the served protocol changes nothing
here.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

import checker.nurse.replay
import rules.loader
from checker.audit import AuditEvent
from checker.extensions import db
from checker.nurse.models import Encounter
from rules import Protocol, load_protocol
from tests.nurse.conftest import call_data, calm_answers, new_call
from tests.protocol_data import as_version, own_protocol, own_source


@pytest.fixture
def own(monkeypatch: pytest.MonkeyPatch) -> Protocol:
    """Serve the tests' own protocol as the only released one."""
    protocol = own_protocol()
    monkeypatch.setattr(rules.loader, "released", lambda: (protocol,))
    return protocol


def calm() -> dict[str, str]:
    """A calm call under the tests' own protocol."""
    return calm_answers(own_protocol())


def fever() -> dict[str, str]:
    """A fever of 38.2 °C: a call-now under the own protocol's 38.0 °C."""
    answers = {k: v for k, v in calm().items() if k != "temperature_not_measured"}
    answers.update(temperature_value="38.2", temperature_unit="C", override_reason="")
    return answers


def save(client: FlaskClient, answers: dict[str, str]) -> int:
    """Save a call with these answers and return its id."""
    response = client.post("/nurse/call", data=call_data(new_call(client), answers))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


LOWERED = "0.9.1"


def lowered_protocol(tmp_path) -> str:
    """A version that calls a fever only from 38.5 °C: a fever of 38.2 is told less."""
    text = own_source()
    assert 'when = "temperature >= 38.0"' in text
    text = text.replace('when = "temperature >= 38.0"', 'when = "temperature >= 38.5"', 1)
    path = tmp_path / "lowered.toml"
    path.write_text(as_version(text, LOWERED), encoding="utf-8")
    return str(path)


def counts(app: Flask) -> tuple[int, int, list[str]]:
    """Saved calls, audit events and stored dispositions: what a replay must not change."""
    with app.app_context():
        calls = db.session.scalar(select(func.count()).select_from(Encounter))
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        stored = list(db.session.scalars(select(Encounter.engine_disposition)))
        return calls, events, stored


def test_a_lowered_threshold_lists_the_fever_call_that_would_be_told_less(
    app: Flask, client: FlaskClient, tmp_path, monkeypatch, own
) -> None:
    monkeypatch.setattr(checker.nurse.replay, "BATCH", 2)  # several batches of a few calls
    calm_ids = [save(client, calm()) for _ in range(3)]
    fever_id = save(client, fever())
    before = counts(app)

    result = app.test_cli_runner().invoke(
        args=["encounters", "replay", "--protocol", lowered_protocol(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"Replayed 4 saved calls under {own.id} {LOWERED}" in out
    assert "1 would change (1 down, 0 up), 3 the same" in out
    assert f"call {fever_id}  {datetime.now(UTC):%Y-%m-%d} UTC  call_doctor_now -> self_care" in out
    assert not any(f"call {i} " in out for i in calm_ids)
    assert "Harriet" not in out and "Quimby" not in out and "38.2" not in out
    assert counts(app) == before


def test_the_released_version_itself_changes_nothing(
    app: Flask, client: FlaskClient, own
) -> None:
    save(client, calm())
    save(client, fever())
    result = app.test_cli_runner().invoke(args=["encounters", "replay", "--protocol",
                                                   load_protocol().version])
    assert result.exit_code == 0, result.output
    assert "2 saved calls" in result.output
    assert "0 would change (0 down, 0 up), 2 the same" in result.output


def test_calls_a_version_cannot_read_are_counted_not_guessed(
    app: Flask, client: FlaskClient, tmp_path, own
) -> None:
    call_id = save(client, calm())
    text = own_source()
    start = text.index('[[question]]\nid = "blood_thinner"')
    end = text.index("# ----", start)
    shorter = text[:start] + text[end:]
    shorter = shorter.replace(
        'when = "pain_score >= 1 and blood_thinner = no"', 'when = "pain_score >= 1"', 1
    )
    caution = shorter.index('[[advice]]\nid = "nsaid_caution"')
    shorter = shorter[:caution] + shorter[shorter.index("[[advice]]", caution + 1) :]
    path = tmp_path / "shorter.toml"
    path.write_text(shorter, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["encounters", "replay", "--protocol", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 cannot be assessed under it" in result.output
    assert f"Cannot be assessed (answers this version does not accept): {call_id}" in result.output


def test_a_protocol_that_does_not_load_gets_a_message_not_a_traceback(app: Flask, tmp_path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("not a protocol", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["encounters", "replay", "--protocol", str(path)])
    assert result.exit_code == 1
    assert "broken.toml" in result.output and "Traceback" not in result.output
