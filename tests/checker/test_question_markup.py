"""The markup made once per question and choice is exactly what the one macro renders each time."""

import pytest
from flask import render_template_string

from checker.i18n import LANGUAGES
from checker.public.display import RADIOS, display_for
from checker.public.markup import question_markup
from rules import load_protocol
from rules.translations import in_language
from tests.checker.samples import make_app

# What a patient may type, awkward characters included, and what a form may post as a choice.
TYPED = ["", "38.5", "38,5", '101" onfocus="x', "<b>&amp;</b>", "  7 ", "ñandú"]
NOT_AN_OPTION = ["", "maybe", "<script>", "K"]
# The question as public/step.html draws one with no error, by the macro, every time.
STEP_DRAWS = ('{% from "_question.html" import question %}'
              '{{ question(q, values, none, default_unit, none) }}')


def _cases(display) -> list[dict[str, str]]:
    """Every choice the question offers, none and a few that are not offered, with typed text."""
    chosen = [o.value for o in display.options] + NOT_AN_OPTION
    if display.kind == RADIOS:
        return [{display.id: value} for value in chosen] + [{}]
    return [{display.input_name: typed, display.unit_name: value}
            for typed in TYPED for value in chosen] + [{}]


@pytest.mark.parametrize("default_unit", ["F", "C"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_question_made_once_matches_the_template_for_every_answer(
    language: str, default_unit: str
) -> None:
    app = make_app(DEFAULT_TEMPERATURE_UNIT=default_unit)
    protocol = in_language(load_protocol(), language)
    number = app.config["EMERGENCY_NUMBER"]
    compared = 0
    with app.test_request_context(f"/?lang={language}"):
        for display in display_for(protocol, language, number).values():
            for values in _cases(display):
                # Asked twice: the first made the markup, the second comes from what was kept.
                for _ in range(2):
                    made = question_markup(display, values, protocol_sha=protocol.sha256,
                                           language=language, emergency_number=number,
                                           default_unit=default_unit)
                    expected = render_template_string(STEP_DRAWS, q=display, values=values,
                                                      default_unit=default_unit)
                    assert str(made) == expected, (display.id, values)
                    compared += 1
    assert compared > 2 * len(protocol.questions)


def test_what_a_patient_typed_is_escaped_where_it_is_put_in() -> None:
    app = make_app()
    protocol = load_protocol()
    number = app.config["EMERGENCY_NUMBER"]
    with app.test_request_context("/"):
        temperature = next(d for d in display_for(protocol, "en", number).values()
                           if d.kind != RADIOS)
        made = str(question_markup(
            temperature, {temperature.input_name: '"><script>alert(1)</script>'},
            protocol_sha=protocol.sha256, language="en", emergency_number=number,
            default_unit="F"))
    assert "<script>" not in made
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in made
