"""A saved call is shown, noted and printed with the exact protocol version that assessed it."""

from __future__ import annotations

from html import unescape

import pytest
from flask.testing import FlaskClient

import rules.loader
from rules import Protocol, find_release, load_protocol, parse_protocol, released
from tests.nurse.conftest import call_data, new_call
from tests.protocol_data import as_version, next_version, served_source

OLD_QUESTION = "What is your temperature?"  # 1.0.0's wording
NEW_QUESTION = "What is your temperature now?"  # the wording from 1.1.0 on
REWORDED = "Is the puncture site bleeding?"  # the made-up next version's wording


def bleeding_question() -> str:
    """The served version's wording of the bleeding question."""
    return load_protocol().by_id["bleeding"].text


def next_release() -> Protocol:
    """A made-up version after the served one that rewords the bleeding question."""
    text = as_version(served_source(), next_version())
    text = text.replace(f'text = "{bleeding_question()}"', f'text = "{REWORDED}"', 1)
    return parse_protocol(text.encode(), f"{next_version()}.toml")


def serve(monkeypatch: pytest.MonkeyPatch, *protocols: Protocol) -> None:
    """Make these the released versions, the last one served."""
    monkeypatch.setattr(rules.loader, "released", lambda: tuple(protocols))


def save(client: FlaskClient) -> int:
    """Save a calm call and return its encounter id."""
    response = client.post("/nurse/call", data=call_data(new_call(client)))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def page(client: FlaskClient, path: str) -> str:
    """A page's text, entities decoded."""
    response = client.get(path)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_a_saved_call_keeps_its_version_after_a_new_one_ships(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, current = released()[0], released()[-1]
    worded, upcoming = bleeding_question(), next_version()
    encounter_id = save(client)
    serve(monkeypatch, old, current, next_release())

    shown = page(client, f"/nurse/encounters/{encounter_id}")
    # The record names the whole hash; its note the version and the hash's first 8 hex.
    assert f'(sha256 <span class="hash">{current.sha256}</span>)' in shown
    assert f"{current.version} ({current.sha256[:8]})." in shown
    assert worded in shown
    assert REWORDED not in shown
    for path in (f"/nurse/encounters/{encounter_id}/note.txt",
                 f"/nurse/encounters/{encounter_id}/print"):
        assert f"{current.version} ({current.sha256[:8]})." in page(client, path)

    newer = page(client, f"/nurse/encounters/{save(client)}")
    assert f"version {upcoming}" in newer and REWORDED in newer


def test_a_call_saved_under_1_0_0_is_worded_by_1_0_0(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = find_release("1.0.0")
    assert old is not None
    serve(monkeypatch, old)
    encounter_id = save(client)
    monkeypatch.undo()

    shown = page(client, f"/nurse/encounters/{encounter_id}")
    assert f'version 1.0.0 (sha256 <span class="hash">{old.sha256}</span>)' in shown
    assert f"1.0.0 ({old.sha256[:8]})." in shown
    assert OLD_QUESTION in shown and NEW_QUESTION not in shown


def test_a_call_from_a_version_not_kept_says_whose_wording_is_shown(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    current, upcoming = released()[-1], next_version()
    serve(monkeypatch, current, next_release())
    encounter_id = save(client)
    monkeypatch.undo()

    shown = page(client, f"/nurse/encounters/{encounter_id}")
    assert f"version {upcoming}" in shown
    assert f"is not kept in this installation, so the questions below are worded as in " \
           f"version {current.version}" in " ".join(shown.split())
