"""Each question's markup, rendered once per display and answer; a step only joins them.

A question's HTML depends on the protocol, the language, the clinic's settings and which
option is chosen, except for what the patient typed into a text box. So the one question macro
(`_question.html`, the console's too) is rendered once for every choice, with a marker where
the typed text goes, and a request only puts the escaped text in place of the marker. A
question with an error, or with "Did you mean °C?", is rare and rendered by the macro each
time. This module is the only way a step's questions reach the cache: `question_markup`
returns exactly what `render_question` returns, which the step template calls the macro for.

It buys about a tenth of a posted step's time: the plain way, every question rendered by the
macro, is 1.09x to 1.12x slower (`python -m bench.question_markup`, bench/README.md).
"""

from __future__ import annotations

from functools import lru_cache

from flask import get_template_attribute
from markupsafe import Markup, escape

from checker.public.display import RADIOS, QuestionDisplay

# Where typed text goes: no template text holds a NUL, and the text put in is never scanned again.
TYPED = "\x00typed\x00"
QUESTION_MACRO = ("_question.html", "question")


def render_question(display: QuestionDisplay, values: dict[str, str], default_unit: str) -> Markup:
    """One question with no error, rendered by the macro itself (as the step template does)."""
    question = get_template_attribute(*QUESTION_MACRO)
    return Markup(question(display, values, None, default_unit))


@lru_cache(maxsize=64)
def _rendered(protocol_sha: str, language: str, emergency_number: str,
              default_unit: str) -> dict[tuple[str, str | None], str]:
    """Rendered questions of one protocol, language and clinic, filled as they are asked for."""
    return {}


def _chosen(display: QuestionDisplay, values: dict[str, str], default_unit: str) -> str | None:
    """Which option the page marks, as one of the options' values or None for none of them."""
    if display.kind == RADIOS:
        wanted = values.get(display.id)
    else:  # a unit not chosen is the clinic's default, as the template shows it
        wanted = values.get(display.unit_name) or default_unit
    return wanted if any(o.value == wanted for o in display.options) else None


def question_markup(display: QuestionDisplay, values: dict[str, str], *, protocol_sha: str,
                    language: str, emergency_number: str, default_unit: str) -> Markup:
    """One question as the step shows it with no error: made once, the typed text put in."""
    chosen = _chosen(display, values, default_unit)
    done = _rendered(protocol_sha, language, emergency_number, default_unit)
    key = (display.id, chosen)
    markup = done.get(key)
    if markup is None:
        # Only the choice is filled in here; the typed text stays a marker.
        if display.kind == RADIOS:
            filled = {display.id: chosen or ""}
        else:
            filled = {display.input_name: TYPED, display.unit_name: chosen or ""}
        markup = done[key] = str(render_question(display, filled,
                                                 default_unit if chosen else ""))
    if display.kind == RADIOS:
        return Markup(markup)
    typed = values.get(display.input_name, "")
    return Markup(markup.replace(TYPED, str(escape(typed))))
