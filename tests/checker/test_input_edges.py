"""Input at the edge: unstorable text, repeated fields and the shared validators."""

import re

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField, TextAreaField

from checker.validators import OneValue, PlainText, first_unstorable
from tests.checker.samples import CALM_FORM, HEADLINES


class _Box(Form):
    """A one-line and a several-line field, as the nurse's forms use them."""

    name = StringField("Patient's name", validators=[OneValue(), PlainText()])
    notes = TextAreaField("Notes", validators=[OneValue(), PlainText(multiline=True)])


def _errors(**fields: str | list[str]) -> dict[str, list[str]]:
    """The errors of the box form for these posted values."""
    data = MultiDict()
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    form = _Box(formdata=data)
    form.validate()
    return form.errors


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x9f", "\ud800"])
def test_it_refuses_control_characters_in_any_field_naming_it(char: str) -> None:
    errors = _errors(name=f"Ada{char}", notes=f"fine\n{char}")
    assert errors["name"] == [
        "Patient's name contains a control character that cannot be saved (character 4). "
        "Type it again without it."
    ]
    assert errors["notes"][0].startswith("Notes contains a control character")


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029",
                                 "\x1c", "\x1e"])
def test_it_refuses_a_line_break_in_a_one_line_field(brk: str) -> None:
    assert _errors(name=f"Ada{brk}DISPOSITION: SELF CARE")["name"] == [
        "Patient's name must be on one line: remove the line break (character 4)."
    ]


def test_it_lets_a_notes_box_keep_tabs_and_line_breaks() -> None:
    assert _errors(name="Ada Lovelace", notes="Line one\r\n\tLine two\nthree") == {}
    assert "notes" in _errors(notes="one\u2028two")  # not what a textarea sends


def test_it_refuses_a_tab_on_one_line_but_not_accents_or_emoji() -> None:
    assert first_unstorable("Zoë 🙂 O'Brien-Łukasz", multiline=False) is None
    assert first_unstorable("a\tb", multiline=False) == (2, "control character")


def test_it_refuses_a_field_sent_twice_and_keeps_neither_value() -> None:
    data = MultiDict([("name", "Ada"), ("name", "Bob")])
    form = _Box(formdata=data)
    assert not form.validate()
    assert form.errors["name"] == [
        "Patient's name was sent more than once. Give one answer and send again."]
    assert form.name.data is None


def _post(client: FlaskClient, changes: dict[str, list[str]]) -> tuple[int, str]:
    """Post the calm answers with some fields replaced by one or more values."""
    data = MultiDict(list(CALM_FORM.items()))
    for name, values in changes.items():
        data.setlist(name, values)
    response = client.post("/", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_a_repeated_calm_answer_is_an_error_on_that_question(client: FlaskClient) -> None:
    status, page = _post(client, {"pain_trend": ["better", "worse"]})
    assert status == 422
    assert "This answer was sent more than once" in page
    assert re.search(r'href="#pain_trend-0">[^<]*This answer was sent more than once', page)
    # Neither answer is shown as chosen: the patient must choose again.
    assert not re.search(r'<input[^>]*checked[^>]*name="pain_trend"', page)
    assert not re.search(r'<input[^>]*name="pain_trend"[^>]*checked', page)


def test_a_repeated_emergency_question_with_a_yes_gives_the_emergency(
    client: FlaskClient,
) -> None:
    # Before, the first value won: no, then yes, gave self-care.
    for values in (["no", "yes"], ["yes", "no"]):
        status, page = _post(client, {"chest_symptoms": values})
        assert status == 200
        assert HEADLINES["emergency"] in page
    status, page = _post(client, {"bleeding": ["none", "uncontrolled"]})
    assert HEADLINES["emergency"] in page


def test_a_repeated_emergency_question_with_no_yes_is_asked_again(client: FlaskClient) -> None:
    status, page = _post(client, {"chest_symptoms": ["no", "no"]})
    assert status == 422
    assert HEADLINES["self_care"] not in page
    assert "This answer was sent more than once" in page


def test_a_repeated_unit_leaves_the_temperature_unread(client: FlaskClient) -> None:
    status, page = _post(client, {"temperature": ["100.4"], "temperature_unit": ["C", "F"]})
    assert status == 422
    assert re.search(r'href="#temperature">[^<]*The unit was sent more than once', page)
