"""The patient's steps and the nurse's console draw questions with one macro, and every page
that shows errors says them with one error summary macro."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import ChoiceLoader, DictLoader

from checker.public import markup
from checker.public.steps import steps_for
from rules import load_protocol
from tests.nurse.conftest import new_call

TEMPLATES = Path(__file__).resolve().parents[2] / "checker" / "templates"
QUESTION_MACRO = "_question.html"
SUMMARY_MACRO = "_summary.html"
MARK = 'data-drawn-by="the-one-question-macro" '


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 20, found
    return found


def test_no_template_writes_an_error_summary_by_hand() -> None:
    by_hand = [str(p.relative_to(TEMPLATES)) for p in _templates()
               if p.name != SUMMARY_MACRO and "error-summary" in p.read_text(encoding="utf-8")]
    assert by_hand == [], f"call error_summary from {SUMMARY_MACRO} instead"
    defined = [str(p.relative_to(TEMPLATES)) for p in _templates()
               if re.search(r"\{%-?\s*macro\s+error_summary\b", p.read_text(encoding="utf-8"))]
    assert defined == [SUMMARY_MACRO]


@pytest.fixture
def marked(app: Flask) -> Iterator[Flask]:
    """The app with the one question macro marking every question it draws."""
    source = (TEMPLATES / QUESTION_MACRO).read_text(encoding="utf-8")
    assert source.count('<div class="question') == 1
    source = source.replace('<div class="question', f'<div {MARK}class="question')
    env = app.jinja_env
    assert env.loader is not None and env.cache is not None
    env.loader = ChoiceLoader([DictLoader({QUESTION_MACRO: source}), env.loader])
    env.cache.clear()
    markup._rendered.cache_clear()  # questions kept from an unmarked macro would hide its use
    yield app
    markup._rendered.cache_clear()  # and no marked question is kept for the tests after


def _drawn(html: str, name: str) -> list[str]:
    """The markup of each question on the page whose inputs are named `name`, mark and all."""
    blocks = re.split(r'(?=<div (?:data-drawn-by="[^"]*" )?class="question)', html)
    return [b for b in blocks if f'name="{name}"' in b]


def test_the_step_and_the_console_draw_a_question_with_the_same_macro(
    marked: Flask, client: FlaskClient
) -> None:
    question = steps_for(load_protocol())[0].questions[0]
    patient = marked.test_client()
    first = patient.get("/").get_data(as_text=True)  # made once and kept (markup.py)
    again = patient.get("/").get_data(as_text=True)  # taken from what was kept
    console = client.get("/nurse/call").get_data(as_text=True)
    token = new_call(client)
    wrong = client.post("/nurse/call", data={"call": token, "action": "update",
                                             question.id: "perhaps"}).get_data(as_text=True)
    for html in (first, again, console, wrong):
        drawn = _drawn(html, question.id)
        assert len(drawn) == 1 and drawn[0].startswith(f"<div {MARK}"), drawn
    assert f'id="{question.id}-error"' in _drawn(wrong, question.id)[0]
    # Every question on both pages, not only this one.
    assert first.count(MARK) == len(steps_for(load_protocol())[0].questions)
    assert console.count(MARK) == console.count("data-question=")


def test_a_step_with_errors_draws_its_questions_with_the_same_macro(marked: Flask) -> None:
    patient = marked.test_client()
    first = patient.get("/").get_data(as_text=True)
    step = re.search(r'name="step" value="([^"]+)"', first)
    assert step
    empty = patient.post("/", data={"step": step.group(1), "action": "next"})
    first_step = steps_for(load_protocol())[0]
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422  # the emergency step is answered before going on
    for question in first_step.questions:
        name = question.id if question.type != "temperature" else f"{question.id}_value"
        drawn = _drawn(html, name)
        assert len(drawn) == 1 and drawn[0].startswith(f"<div {MARK}"), name
    assert html.count('class="error-summary"') == 1
