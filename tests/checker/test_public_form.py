"""The self-check form: built from the protocol, validated strictly, never guessing."""

import re

import pytest
from flask.testing import FlaskClient

from rules import load_protocol
from tests.checker.samples import CALM_FORM, FORM_FOR, make_app


def _post(client: FlaskClient, **changes: str):
    """Post the calm answers with some changes; a value of None leaves the field out."""
    data = {**CALM_FORM, **changes}
    return client.post("/", data={k: v for k, v in data.items() if v is not None})


def test_it_names_every_field_by_the_protocols_answer_id(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    for question in load_protocol().questions:
        assert f'name="{question.id}"' in html
        assert question.text in html


def test_it_asks_the_emergency_questions_first_in_their_own_group(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    group = html.index('id="group-emergency"')
    button = html.index('value="emergency"')
    emergency = [q.id for q in load_protocol().questions_in("emergency")]
    others = [q.id for q in load_protocol().questions if q.group != "emergency"]
    assert all(group < html.index(f'name="{q}"') < button for q in emergency)
    assert all(html.index(f'name="{q}"') > button for q in others)


def test_it_gives_every_choice_group_a_fieldset_and_legend(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    for question in load_protocol().questions:
        if question.type in ("yes_no", "choice"):
            pattern = rf'<fieldset id="{question.id}"[^>]*>\s*<legend>'
            assert re.search(pattern, html), question.id


def test_it_shows_a_question_added_to_the_protocol_with_no_code_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    import checker.public.views as views

    protocol = load_protocol()
    extra = replace(protocol.by_id["drainage"], id="itching", text="Does the spot itch?")
    bigger = replace(protocol, questions=(*protocol.questions, extra), sha256="0" * 64)
    monkeypatch.setattr(views, "load_protocol", lambda: bigger)
    html = make_app().test_client().get("/").get_data(as_text=True)
    assert 'name="itching"' in html and "Does the spot itch?" in html


def test_it_defaults_the_temperature_unit_to_the_configured_one() -> None:
    html = make_app(DEFAULT_TEMPERATURE_UNIT="C").test_client().get("/").get_data(as_text=True)
    assert re.search(r'<input checked id="temperature_unit-1"[^>]*value="C"', html)


def test_it_says_that_nothing_is_stored(client: FlaskClient) -> None:
    assert "not saved" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("disposition", "headline"),
    [
        ("self_care", "You can care for yourself at home."),
        ("call_doctor_today", "Call your doctor&#39;s office today."),
        ("call_doctor_now", "Call your doctor now, whatever the hour."),
        ("emergency", "Call 911 now. Do not drive yourself."),
    ],
)
def test_it_shows_each_disposition_as_one_plain_sentence(
    client: FlaskClient, disposition: str, headline: str
) -> None:
    response = _post(client, **FORM_FOR[disposition])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"result-{disposition}" in html
    assert headline in html
    assert 'class="icon"' in html
    assert "Start again" in html


def test_it_explains_why_with_the_rules_own_words(client: FlaskClient) -> None:
    html = _post(client, pain_trend="worse").get_data(as_text=True)
    assert "Pain that is getting worse should be checked by your doctor." in html
    assert "When to call back" in html


def test_it_ends_the_form_at_once_on_an_emergency_answer(client: FlaskClient) -> None:
    response = client.post("/", data={"chest_symptoms": "yes", "action": "emergency"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Call 911 now" in html and 'href="tel:911"' in html
    assert html.index("Call 911 now") < html.index("Why")
    assert "What to do now" not in html


def test_it_ends_the_form_on_an_emergency_answer_from_the_main_button(
    client: FlaskClient,
) -> None:
    response = client.post("/", data={"fainted": "yes", "pain_score": "abc", "action": "check"})
    assert response.status_code == 200
    assert "result-emergency" in response.get_data(as_text=True)


def test_the_emergency_button_with_nothing_ticked_goes_on_without_an_error(
    client: FlaskClient,
) -> None:
    for data in ({}, {"chest_symptoms": "no"}, {"pain_score": "abc"}):
        response = client.post("/", data={**data, "action": "emergency"})
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "None of these signs is answered yes, so go on" in html
        assert "There is a problem" not in html and "Error:" not in html


def test_the_emergency_button_with_every_answer_no_keeps_the_answers(
    client: FlaskClient,
) -> None:
    data = {q.id: "no" for q in load_protocol().questions_in("emergency")}
    response = client.post("/", data={**data, "action": "emergency"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "None of these signs is answered yes" in html
    for question_id in data:  # every "no" is still ticked
        assert f'<input checked id="{question_id}-1" name="{question_id}"' in html


def test_it_lists_every_missing_answer_in_a_summary_that_links_to_it(
    client: FlaskClient,
) -> None:
    response = _post(client, headache=None, days_since_procedure="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert '<a href="#headache-0">Do you have a headache? – Choose one answer</a>' in html
    assert 'href="#days_since_procedure"' in html
    assert 'id="headache-error"' in html


def test_it_keeps_every_answer_when_it_shows_errors(client: FlaskClient) -> None:
    html = _post(client, headache=None, temperature="101.3").get_data(as_text=True)
    assert 'value="101.3"' in html
    assert re.search(r'<input checked id="pain_trend-0"[^>]*value="better"', html)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("days_since_procedure", "abc", "Enter a whole number from 0 to 365"),
        ("days_since_procedure", "-1", "Enter a whole number from 0 to 365"),
        ("days_since_procedure", "2.5", "Enter a whole number from 0 to 365"),
        ("days_since_procedure", "400", "Must be a whole number from 0 to 365"),
        ("temperature", "hot", "Enter your temperature as a number"),
        ("temperature", "37,,5", "Enter your temperature as a number"),
        ("temperature", "120", "Must be from 34.0 to 43.0 °C (93.2 to 109.4 °F)"),
        ("pain_score", "11", "Not a valid choice"),
        ("bleeding", "lots", "Not a valid choice"),
        # What a database cannot store, and line breaks in a one-line answer.
        ("temperature", "98.6\n", "This answer must be on one line"),
        ("temperature", "98\x006", "This answer contains a control character"),
        ("days_since_procedure", "2\r", "This answer must be on one line"),
        ("days_since_procedure", "\u20282", "This answer must be on one line"),
    ],
)
def test_it_rejects_a_bad_answer_with_a_message_beside_the_field(
    client: FlaskClient, field: str, value: str, message: str
) -> None:
    response = _post(client, **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    expected = f'id="{field}-error"><span class="visually-hidden">Error:</span> {message}'
    assert expected in html


def test_it_asks_for_the_unit_of_a_temperature(client: FlaskClient) -> None:
    html = _post(client, temperature_unit=None).get_data(as_text=True)
    assert "Choose °F or °C" in html


def test_it_treats_an_empty_temperature_as_not_measured(client: FlaskClient) -> None:
    response = _post(client, temperature="", feels_feverish="yes")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Take your temperature" in html or "take your temperature" in html


@pytest.mark.parametrize(("value", "unit"), [("100.4", "F"), ("38.0", "C")])
def test_it_reads_a_fever_in_either_unit(client: FlaskClient, value: str, unit: str) -> None:
    html = _post(client, temperature=value, temperature_unit=unit).get_data(as_text=True)
    assert "result-call_doctor_now" in html


def test_it_requires_pain_relief_only_when_there_is_pain(client: FlaskClient) -> None:
    assert _post(client, pain_relieved=None).status_code == 422
    assert _post(client, pain_score="0", pain_relieved=None).status_code == 200
    assert _post(client, pain_score="0", pain_relieved="no").status_code == 200


def test_it_names_the_clinic_and_after_hours_numbers_as_tel_links() -> None:
    app = make_app(CLINIC_PHONE="555-0100", AFTER_HOURS_PHONE="555-0199")
    html = _post(app.test_client(), numbness_tingling="yes").get_data(as_text=True)
    assert '<a class="phone" href="tel:5550100">555-0100</a>' in html
    assert '<a class="phone" href="tel:5550199">555-0199</a>' in html


def test_it_points_to_the_discharge_papers_without_a_clinic_number(
    client: FlaskClient,
) -> None:
    html = _post(client, pain_trend="worse").get_data(as_text=True)
    assert "number on your discharge papers" in html


def test_it_rejects_a_form_without_its_csrf_token() -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = _post(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "call 911" in html.lower()


def test_it_accepts_a_form_with_its_csrf_token() -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    html = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert _post(client, csrf_token=token).status_code == 200


def test_it_keeps_results_and_answers_out_of_caches(client: FlaskClient) -> None:
    assert _post(client).headers["Cache-Control"] == "no-store"
    assert _post(client, headache=None).headers["Cache-Control"] == "no-store"


def test_a_temperature_with_a_decimal_comma_is_read_as_the_decimal_it_is(
    client: FlaskClient,
) -> None:
    html = _post(client, temperature="38,5", temperature_unit="C").get_data(as_text=True)
    assert "Call your doctor now" in html  # 38.5 °C is a fever; 385 would be refused
    assert "Enter your temperature" not in html
    refused = _post(client, temperature="1.000,5", temperature_unit="C")
    assert refused.status_code == 422


def test_the_temperature_and_day_fields_let_the_browser_keep_them_on_back(
    client: FlaskClient,
) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'autocomplete="off"' not in html
    assert 'id="temperature" inputmode="decimal" name="temperature" type="text"' in html


@pytest.mark.parametrize(
    ("typed", "unit", "meant"), [("38.5", "F", "C"), ("101", "C", "F"), ("38,5", "F", "C")]
)
def test_a_temperature_that_fits_the_other_unit_asks_before_changing_it(
    client: FlaskClient, typed: str, unit: str, meant: str
) -> None:
    response = _post(client, temperature=typed, temperature_unit=unit)
    html = response.get_data(as_text=True)
    assert response.status_code == 422  # nothing is assessed until the patient says which
    assert f"Did you mean {typed} °{meant}?" in html
    assert f'name="switch_unit" value="{meant}"' in html
    confirmed = _post(client, temperature=typed, temperature_unit=unit, switch_unit=meant)
    assert confirmed.status_code == 200
    assert "Call your doctor now" in confirmed.get_data(as_text=True)  # a fever either way


def test_a_temperature_that_fits_neither_unit_asks_nothing(client: FlaskClient) -> None:
    html = _post(client, temperature="20", temperature_unit="C").get_data(as_text=True)
    assert "Did you mean" not in html and "Must be from 34.0 to 43.0" in html


def test_the_result_puts_the_call_first_as_big_buttons_for_whom_to_call() -> None:
    client = make_app(CLINIC_PHONE="555 0100", AFTER_HOURS_PHONE="555 0199").test_client()
    now = _post(client, temperature="39", temperature_unit="C").get_data(as_text=True)
    assert 'class="button button-call button-call-doctor" href="tel:5550100"' in now
    assert 'href="tel:5550199">Out of office hours: 555 0199' in now
    assert now.index("button-call-doctor") < now.index("While you wait")
    today = _post(client, pain_trend="worse").get_data(as_text=True)
    assert 'href="tel:5550100"' in today and "Out of office hours: 555 0199" not in today
    home = _post(client).get_data(as_text=True)
    assert "button-call-doctor" not in home and "What to do now" in home
    assert '<button type="button" class="button button-secondary print-button" hidden>' in home
    assert "print.js" in home
