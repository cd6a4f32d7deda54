"""Interface strings in Spanish: complete catalogs, kept placeholders, and the chosen language."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale

from rules import load_protocol
from tests.checker.samples import make_app
from tests.protocol_data import fever_rule, mildest, temperature_words

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "checker" / "translations"
_PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")


def catalog(language: str):
    """One language's catalog as Babel reads it."""
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def languages() -> list[str]:
    """Every language with a catalog."""
    return sorted(p.name for p in CATALOGS.iterdir() if p.is_dir())


def test_every_marked_string_is_in_the_catalogs(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "pybabel"),
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "Message",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    with template.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    assert wanted, "no interface string is marked for translation"
    assert "is not a question of this protocol" in wanted  # the rules' answer messages too
    for language in languages():
        have = {m.id for m in catalog(language) if m.id}
        missing = wanted - have
        assert not missing, f"{language}: run scripts/translations update; missing {missing}"


def test_every_string_is_translated_with_the_same_placeholders() -> None:
    assert "es" in languages()
    for language in languages():
        for message in catalog(language):
            if not message.id:
                continue
            where = f"{language}: {message.id!r}"
            assert message.string and "fuzzy" not in message.flags, f"{where} is not translated"
            assert sorted(_PLACEHOLDER.findall(message.id)) == sorted(
                _PLACEHOLDER.findall(message.string)
            ), f"{where} drops or adds a placeholder"


def test_an_error_page_speaks_the_browsers_language(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="es">' in page
    assert "No encontramos la página" in page
    assert "En una emergencia, llame al 911 ahora." in page


def test_an_error_page_is_english_for_an_english_browser(client: FlaskClient) -> None:
    page = client.get("/no-such-page", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "Page not found" in page


def test_the_page_choice_wins_over_the_browser(client: FlaskClient) -> None:
    page = client.get("/no-such-page?lang=es", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "No encontramos la página" in page


def test_a_form_field_picks_the_language_and_a_huge_body_still_gets_a_page(
    client: FlaskClient,
) -> None:
    page = client.post("/no-such-page", data={"lang": "es"}).get_data(as_text=True)
    assert "No encontramos la página" in page
    huge = client.post(
        "/", data={"lang": "es", "x": "a" * 200_000}, headers={"Accept-Language": "es"}
    )
    assert huge.status_code == 413
    assert "En una emergencia, llame al 911 ahora." in huge.get_data(as_text=True)


def test_the_nurse_console_stays_in_english(client: FlaskClient) -> None:
    page = client.get("/nurse/no-such-page", headers={"Accept-Language": "es"})
    assert "Page not found" in page.get_data(as_text=True)


def test_the_api_answers_in_the_language_asked_and_says_which(client: FlaskClient) -> None:
    answers = mildest(temperature={"value": 38.5, "unit": "C"})
    spanish = client.post(
        "/api/v1/assessments", json=answers, headers={"Accept-Language": "es-ES,es;q=0.9"}
    )
    assert spanish.status_code == 200
    assert spanish.headers["Content-Language"] == "es"
    body = spanish.get_json()
    assert body["disposition"] == "call_doctor_now"
    assert body["reasons"][0]["rule"] == "N2"
    fever = next(r for r in load_protocol().rules if r.id == "N2")
    assert body["reasons"][0]["text"] == load_protocol().translations["es"][
        ("rule", "N2", "explain")] != fever.explain
    threshold = fever_rule()[1]
    # the rule's threshold, written the Spanish way
    assert temperature_words(threshold, "es") in body["reasons"][0]["text"]
    english = client.post("/api/v1/assessments", json=answers)
    assert english.headers["Content-Language"] == "en"
    assert english.get_json()["reasons"][0]["text"] == fever.explain
    assert temperature_words(threshold) in fever.explain
    assert {k: v for k, v in body.items() if k in ("disposition", "decided", "protocol")} == {
        k: v for k, v in english.get_json().items() if k in ("disposition", "decided", "protocol")
    }


def test_the_apis_answer_problems_are_in_the_language_asked_with_its_numbers(
    client: FlaskClient,
) -> None:
    bad = {"pain_score": 11, "temperature": {"value": 50, "unit": "C"}, "fainted": 1,
           "headache": "pounding", "shoe_size": 9}
    spanish = client.post("/api/v1/assessments", json=bad, headers={"Accept-Language": "es"})
    assert spanish.status_code == 422
    assert spanish.headers["Content-Language"] == "es"
    assert spanish.get_json()["errors"] == {
        "pain_score": "debe ser un número entero de 0 a 10",
        "temperature": "debe estar entre 34,0 y 43,0 °C (entre 93,2 y 109,4 °F)",
        "fainted": "debe ser true (sí) o false (no)",
        "headache": "debe ser uno de: none, mild, severe",
        "shoe_size": "no es una pregunta de este protocolo",
    }
    english = client.post("/api/v1/assessments", json=bad)
    assert english.headers["Content-Language"] == "en"
    assert english.get_json()["errors"]["temperature"] == (
        "must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)")
    refused = client.post("/api/v1/assessments", data="{}", content_type="text/plain",
                          headers={"Accept-Language": "es"})
    assert refused.status_code == 415
    assert refused.get_json()["errors"]["body"].startswith("Envíe las respuestas como JSON")


def test_a_template_speaks_the_forced_language_and_then_the_pages_again() -> None:
    # Template words use a catalog kept per request; forcing a locale must still switch it.
    app = make_app()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        before = render_template_string('{{ _("There is a problem") }}')
        with force_locale("es"):
            forced = render_template_string('{{ _("There is a problem") }}')
        after = render_template_string('{{ _("There is a problem") }}')
    assert (before, forced, after) == ("There is a problem", "Hay un problema",
                                       "There is a problem")
