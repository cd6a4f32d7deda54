"""Shared answer sets for the rules tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rules import Protocol, load_protocol
from rules.loader import PROTOCOLS
from tests.protocol_data import mildest, own_source

# A complete answer set in which nothing is wrong: the mildest answer to every question, built
# from the protocol's own questions, on day 1 with light everyday activity.
CALM: dict[str, Any] = mildest()


def calm(**changes: Any) -> dict[str, Any]:
    """The calm answer set with some answers changed."""
    answers = dict(CALM)
    answers.update(changes)
    return answers


def shipped_path() -> Path:
    """The file of the newest released protocol, the one the app serves."""
    return PROTOCOLS / f"{load_protocol().version}.toml"


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    """The shipped protocol."""
    return load_protocol()


@pytest.fixture
def protocol_text() -> str:
    """The text of the tests' own full-size protocol, to break on purpose (never the served one)."""
    return own_source()


@pytest.fixture
def write_protocol(tmp_path: Path):
    """Write protocol text to a file and return its path."""

    def write(text: str, name: str = "broken.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
