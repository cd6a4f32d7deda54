"""Shared answer sets for the rules tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rules import Protocol, load_protocol
from rules.loader import PROTOCOLS

# A complete answer set in which nothing is wrong: the mildest answer to every question.
CALM: dict[str, Any] = {
    "days_since_procedure": 1,
    "chest_symptoms": False,
    "leg_weakness": False,
    "bladder_bowel": False,
    "fainted": False,
    "numbness_tingling": False,
    "pain_score": 0,
    "pain_trend": "better",
    "new_back_pain": False,
    "swelling": "none",
    "redness": "none",
    "drainage": False,
    "bleeding": "none",
    "temperature": None,
    "feels_feverish": False,
    "headache": "none",
    "activity": "light",
    "osteoporosis": False,
    "blood_thinner": False,
}


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
    """The shipped protocol file's text, to break on purpose."""
    return shipped_path().read_text(encoding="utf-8")


@pytest.fixture
def write_protocol(tmp_path: Path):
    """Write protocol text to a file and return its path."""

    def write(text: str, name: str = "broken.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
