"""The self-check's temperature: its unit, "not taken", either decimal mark, the other unit."""

import pytest
from flask.testing import FlaskClient

from rules import load_protocol
from tests.checker.check_pages import press, start, walk
from tests.checker.samples import form_answers, make_app
from tests.checker.test_public_form import HEADLINES, PROTOCOL, _submit, _words
from tests.protocol_data import fever_rule

# The emergency step is answered before going on: "no" to each of its questions.
NO_RED_FLAGS = {q.id: "no" for q in load_protocol().questions_in(load_protocol().red_flags.id)}


CALM = form_answers("self_care")


def test_it_asks_for_the_unit_of_a_temperature(client: FlaskClient) -> None:
    page = _submit(client, temperature_unit=None)
    assert page.status == 422 and "Choose °F or °C" in page.errors()


def test_a_temperature_box_left_empty_on_its_step_means_not_measured(
    client: FlaskClient,
) -> None:
    second = press(client, start(client), NO_RED_FLAGS, action="next")
    third = press(client, second, {**CALM, "temperature_value": ""}, action="next")
    assert third.status == 200 and ("temperature_not_measured", "1") in third.hidden
    review, _ = walk(client, {**CALM, "temperature_value": ""})
    assert "Not taken" in review.text
    result = press(client, review, action="submit")
    assert result.title == HEADLINES["self_care"]


def test_not_measured_never_hides_a_reading(client: FlaskClient) -> None:
    ticked = _submit(client, temperature_value="", temperature_not_measured="1",
                     feels_feverish="yes")
    assert ticked.status == 200
    advice = next(a for a in PROTOCOL.advice if a.id == "take_temperature")
    assert _words(advice.text) in ticked.text
    both = _submit(client, temperature_value="39.5", temperature_unit="C",
                   temperature_not_measured="1")
    assert both.status == 422
    assert "keep one of them" in " ".join(both.errors())


# Half a degree over the fever rule's threshold, in °F, with a decimal point and with a comma.
FEVER = fever_rule()[1] + 0.5
READINGS = [(f"{FEVER * 9 / 5 + 32:.1f}", "F"), (f"{FEVER:.1f}", "C"),
            (f"{FEVER:.1f}".replace(".", ","), "C")]


@pytest.mark.parametrize(("value", "unit"), READINGS)
def test_it_reads_a_fever_in_either_unit_and_either_decimal_mark(
    client: FlaskClient, value: str, unit: str
) -> None:
    page = _submit(client, temperature_value=value, temperature_unit=unit)
    assert page.title == HEADLINES["call_doctor_now"]


@pytest.mark.parametrize(
    ("typed", "unit", "meant", "said"),
    [("38.5", "F", "C", "38.5"), ("101", "C", "F", "101"), ("38,5", "F", "C", "38.5")],
)
def test_a_temperature_that_fits_the_other_unit_asks_before_changing_it(
    client: FlaskClient, typed: str, unit: str, meant: str, said: str
) -> None:
    page = _submit(client, temperature_value=typed, temperature_unit=unit)
    assert page.status == 422  # nothing is assessed until the patient says which
    assert f"Did you mean {said} °{meant}?" in page.text  # written the page's language's way
    assert page.typed["temperature_value"] == typed  # the box keeps what was typed
    assert f'name="switch_unit" value="{meant}"' in page.html
    confirmed = press(client, page, switch_unit=meant, action="next")
    assert confirmed.status == 200 and confirmed.step != page.step
    assert confirmed.carried()["temperature_unit"] == meant
    result = press(client, confirmed, action="submit")
    assert result.title == HEADLINES["call_doctor_now"]  # a fever either way


def test_a_temperature_that_fits_neither_unit_asks_nothing(client: FlaskClient) -> None:
    page = _submit(client, temperature_value="20", temperature_unit="C")
    assert "Did you mean" not in page.text
    assert "Enter a temperature from 34.0 to 43.0 °C" in " ".join(page.errors())


def test_it_preselects_the_configured_temperature_unit() -> None:
    client = make_app(DEFAULT_TEMPERATURE_UNIT="C").test_client()
    second = press(client, start(client), NO_RED_FLAGS, action="next")
    assert second.checked.get("temperature_unit") == "C"


def test_the_temperature_and_day_fields_let_the_browser_keep_them_on_back(
    client: FlaskClient,
) -> None:
    _, seen = walk(client, CALM)
    for page in seen:
        assert 'autocomplete="off"' not in page.html
    assert any('id="temperature_value" name="temperature_value"' in p.html for p in seen)
