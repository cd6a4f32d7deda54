"""The clinic's name in each language: CLINIC_NAME_<LANGUAGE>, else CLINIC_NAME, read strictly."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest

from checker import create_app
from checker.settings import ConfigError, clinic_name
from tests.checker.samples import CALM_FORM, FORM_FOR, make_app

ENVIRONMENT = {"SECRET_KEY": "k", "DATABASE_URL": "sqlite://", "CLINIC_NAME": "Spine Clinic",
               "CLINIC_PHONE": "555 0100"}


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, Any]]:
    """Start the app from an environment, as a server does; its settings, or its ConfigError."""

    def start(**environ: str) -> dict[str, Any]:
        for name in [n for n in os.environ if n.startswith("CLINIC_NAME")]:
            monkeypatch.delenv(name)
        for name, value in {**ENVIRONMENT, **environ}.items():
            monkeypatch.setenv(name, value)
        return dict(create_app().config)

    return start


def test_a_name_per_language_is_read_from_the_environment(started: Callable[..., Any]) -> None:
    config = started(CLINIC_NAME_ES="  Clínica de la Columna ")
    assert config["CLINIC_NAME_ES"] == "Clínica de la Columna"
    assert clinic_name(config, "es") == "Clínica de la Columna"
    assert clinic_name(config, "en") == "Spine Clinic"


def test_without_a_name_in_the_language_the_clinic_name_stands(
    started: Callable[..., Any],
) -> None:
    assert clinic_name(started(), "es") == "Spine Clinic"
    assert clinic_name(started(CLINIC_NAME="", CLINIC_NAME_EN="Spine Clinic"), "es") == ""


@pytest.mark.parametrize(("name", "value", "message"), [
    ("CLINIC_NAME_FR", "Clinique", "CLINIC_NAME_FR names no language the app offers"),
    ("CLINIC_NAME_SP", "Clínica", "CLINIC_NAME_SP names no language the app offers"),
    ("CLINIC_NAME_es", "Clínica", "CLINIC_NAME_es names no language the app offers"),
    ("CLINIC_NAME_", "Clínica", "CLINIC_NAME_ names no language the app offers"),
    ("CLINIC_NAME_ES", "   ", "CLINIC_NAME_ES is set but empty"),
    ("CLINIC_NAME_ES", "Clínica\u2028de la Columna", "CLINIC_NAME_ES must be one line"),
    ("CLINIC_NAME_ES", "Clínica\x07", "CLINIC_NAME_ES must be one line"),
    ("CLINIC_NAME", "Spine\nClinic", "CLINIC_NAME must be one line"),
    ("CLINIC_NAME_ES", "C" * 101, "CLINIC_NAME_ES must be at most 100 characters"),
])
def test_a_bad_name_stops_the_app_naming_the_variable(
    started: Callable[..., Any], name: str, value: str, message: str,
) -> None:
    with pytest.raises(ConfigError, match=message):
        started(**{name: value})


def test_a_bad_name_in_a_test_configuration_stops_the_app_too() -> None:
    with pytest.raises(ConfigError, match="CLINIC_NAME_DE names no language"):
        make_app(CLINIC_NAME_DE="Wirbelsäulenklinik")


def test_the_patients_pages_name_the_clinic_in_their_language() -> None:
    client = make_app(CLINIC_NAME="Spine Clinic", CLINIC_NAME_ES="Clínica de la Columna",
                      CLINIC_PHONE="555 0100").test_client()
    data = {**CALM_FORM, **FORM_FOR["call_doctor_today"]}
    spanish = client.post("/", data=data, headers={"Accept-Language": "es"})
    english = client.post("/", data=data, headers={"Accept-Language": "en"})
    spanish_page, english_page = (r.get_data(as_text=True) for r in (spanish, english))
    spanish_words, english_words = (" ".join(re.sub(r"<[^>]+>", " ", page).split())
                                    for page in (spanish_page, english_page))
    assert "Llame a Clínica de la Columna 555 0100" in spanish_words  # the call button
    assert "Spine Clinic" not in spanish_page.replace("Recovery Check", "")
    assert "Call Spine Clinic 555 0100" in english_words
    assert "Clínica de la Columna" not in english_page
