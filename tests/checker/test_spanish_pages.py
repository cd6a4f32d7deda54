"""Every page a patient reads, in Spanish, holds no English word but names and numbers."""

from __future__ import annotations

import re
from html import unescape

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from rules import fill, load_protocol
from rules.translations import in_language, source_texts
from tests.checker.check_pages import Page, page_of, press, start, walk
from tests.checker.samples import CALM_FORM, FORM_FOR, form_answers, make_app
from tests.checker.test_languages import CATALOGS
from tests.protocol_data import fever_rule, temperature_words

# The emergency step is answered before going on: "no" to each of its questions.
NO_RED_FLAGS = {q.id: "no" for q in load_protocol().questions_in(load_protocol().red_flags.id)}


SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
# Names stay as they are: the product's and the configured clinic's.
NAMES = ("Recovery Check", "Spine Clinic")
# Words that are English and never Spanish: one of them on a page is a string left untranslated.
ENGLISH_WORDS = {
    "the", "your", "you", "and", "call", "doctor", "today", "with", "when", "what", "this",
    "that", "have", "pain", "step", "back", "continue", "change", "answer", "answers", "yes",
    "office", "hours", "now", "please", "check", "result", "problem", "enter", "choose",
    "temperature", "unit", "start", "again", "print", "why", "wait", "while", "days", "leave",
}
MIN_WORDS = 2  # a catalog or protocol text this long found whole on a page is English left over


def _visible(html: str) -> str:
    """The words a reader meets: text, the title, and labels read aloud."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    spoken = " ".join(re.findall(r'(?:aria-label|alt|title|placeholder)="([^"]*)"', body))
    text = re.sub(r"<[^>]+>", " ", body)
    words = " ".join(unescape(f"{text} {spoken}").split())
    for name in NAMES:
        words = words.replace(name, " ")
    return words


def _english_texts() -> list[str]:
    """Interface and protocol texts whose Spanish differs, placeholders cut out."""
    with (CATALOGS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="es")
    texts = [m.id for m in catalog if m.id and m.string and m.string != m.id]
    protocol = load_protocol()
    spanish = protocol.translations["es"]
    texts += [text for key, text in source_texts(protocol).items() if spanish.get(key) != text]
    pieces = []
    for text in texts:
        for piece in re.split(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}", text):
            piece = piece.strip(" .,:;–-")
            if len(re.findall(r"[A-Za-z]{2,}", piece)) >= MIN_WORDS:
                pieces.append(piece)
    return pieces


ENGLISH_TEXTS = _english_texts()


def assert_spanish(where: str, html: str) -> None:
    """No English text or word on the page."""
    assert '<html lang="es">' in html, where
    text = _visible(html)
    left = [piece for piece in ENGLISH_TEXTS if piece in text]
    assert not left, (where, left)
    words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)} & ENGLISH_WORDS
    assert not words, (where, words, text[:400])


@pytest.fixture
def client() -> FlaskClient:
    client = make_app(CLINIC_PHONE="555-0100", AFTER_HOURS_PHONE="555-0199").test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    return client


def _pages(client: FlaskClient) -> list[tuple[str, Page]]:
    """One of every page of the check: steps, their errors, the review, the results."""
    pages: list[tuple[str, Page]] = []
    review, seen = walk(client, form_answers("self_care"))
    pages += [(f"step {p.step}", p) for p in seen[:-1]] + [("review", review)]
    first = start(client)
    second = press(client, first, NO_RED_FLAGS, action="next")
    pages.append(("errors", press(client, second, {}, action="next")))
    pages.append(("did you mean", press(client, second, {
        **form_answers("self_care"), "temperature_value": "38,5", "temperature_unit": "F"},
        action="next")))
    for disposition, changes in FORM_FOR.items():
        data = {**CALM_FORM, **changes}
        pages.append((disposition, page_of(client.post("/", data=data))))
    return pages


def test_every_page_of_the_check_is_in_spanish(client: FlaskClient) -> None:
    pages = _pages(client)
    assert len(pages) >= 12
    for where, page in pages:
        assert_spanish(where, page.html)


@pytest.mark.parametrize("path", ["/no-such-page"])
def test_an_error_page_is_in_spanish(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_spanish(path, response.get_data(as_text=True))


def test_the_scan_finds_english_left_on_a_page() -> None:
    with pytest.raises(AssertionError):
        assert_spanish("planted", '<html lang="es"><p>Llame hoy. Choose one answer</p></html>')
    with pytest.raises(AssertionError):
        assert_spanish("planted", '<html lang="es"><p>Llame a your médico</p></html>')


def test_the_language_button_keeps_every_answer_given_so_far() -> None:
    client = make_app().test_client()
    second = press(client, start(client), NO_RED_FLAGS, action="next")
    typed = press(client, second, {"bleeding": "spotting", "temperature_value": "38,5"},
                  switch_lang="es")
    assert '<html lang="es">' in typed.html and typed.step == second.step
    assert typed.checked["bleeding"] == "spotting"
    assert typed.typed["temperature_value"] == "38,5"
    assert ("chest_symptoms", "no") in typed.hidden and ("lang", "es") in typed.hidden
    assert "There is a problem" not in typed.html and "Hay un problema" not in typed.html
    back = press(client, typed, switch_lang="en")
    assert '<html lang="en">' in back.html and back.checked["bleeding"] == "spotting"


def test_the_next_steps_stay_in_the_language_chosen() -> None:
    client = make_app().test_client()
    spanish = press(client, start(client), {}, switch_lang="es")
    nxt = press(client, spanish, NO_RED_FLAGS, action="next")
    assert '<html lang="es">' in nxt.html and "Paso 2 de" in nxt.text


def test_a_result_in_spanish_reads_the_comma_decimal_and_shows_it_so(
    client: FlaskClient,
) -> None:
    review, _ = walk(client, {**form_answers("self_care"), "temperature_value": "38,5",
                              "temperature_unit": "C"})
    assert "38,5 °C" in review.text
    result = press(client, review, action="submit")
    spanish = in_language(load_protocol(), "es").disposition("call_doctor_now")
    assert result.title == fill(spanish.headline, "911")
    # the rule's threshold, written the Spanish way
    assert temperature_words(fever_rule()[1], "es") in result.text
