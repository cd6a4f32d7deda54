"""Input at the console's edge: text a database cannot store, line breaks and repeated fields."""

import html as html_text
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from checker.extensions import db
from checker.nurse.models import Addendum, Encounter
from checker.nurse.questions import asked_questions
from rules import load_protocol
from tests.nurse.conftest import CALM_ANSWERS, add_nurse, call_data, new_call


def saved_calls(app: Flask) -> int:
    """How many encounters are saved."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Encounter))


def page(response: object) -> str:
    """The page's text with entities decoded, as a nurse reads it."""
    return html_text.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("field", "label"), [
    ("patient_name", "Patient's name"), ("record_number", "Record number (optional)"),
    ("callback_number", "Callback number"), ("date_of_birth", "Date of birth"),
])
def test_a_nul_in_a_caller_field_is_refused_by_name_before_the_database(
    app: Flask, client: FlaskClient, field: str, label: str
) -> None:
    # Before, PostgreSQL refused the NUL and every save answered "record system unavailable".
    token = new_call(client)
    value = call_data(token)[field][:4] + "\x00" + call_data(token)[field][4:]
    response = client.post("/nurse/call", data=call_data(token, **{field: value}))
    assert response.status_code == 200
    text = page(response)
    if field == "date_of_birth":
        assert "Not a valid date value" in text
    else:
        assert f"{label} contains a control character that cannot be saved (character 5)" in text
    assert "record system is unavailable" not in text
    assert saved_calls(app) == 0


@pytest.mark.parametrize("brk", ["\n", "\r", "\u2028", "\u2029", "\x85"])
@pytest.mark.parametrize(("field", "label"), [
    ("patient_name", "Patient's name"), ("record_number", "Record number (optional)"),
    ("callback_number", "Callback number"),
])
def test_a_one_line_caller_field_refuses_a_line_break(
    app: Flask, client: FlaskClient, field: str, label: str, brk: str
) -> None:
    token = new_call(client)
    value = f"555 0100{brk}DISPOSITION: SELF CARE"
    text = page(client.post("/nurse/call", data=call_data(token, **{field: value})))
    assert f"{label} must be on one line: remove the line break (character 9)." in text
    assert saved_calls(app) == 0


def test_notes_keep_their_lines_but_not_control_characters(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    text = page(client.post("/nurse/call", data=call_data(
        token, notes="Asked about stairs.\x00", override_reason="x\x1b")))
    assert "Notes (optional) contains a control character that cannot be saved" in text
    assert saved_calls(app) == 0
    response = client.post("/nurse/call", data=call_data(
        token, notes="Asked about stairs.\r\nDISPOSITION: SELF CARE\tlater"))
    assert response.status_code == 302
    with app.app_context():
        [saved] = db.session.scalars(select(Encounter))
        assert saved.notes.startswith("Asked about stairs.\r\nDISPOSITION")
        lines = saved.note.split("\n")
        assert [line for line in lines if line.startswith("DISPOSITION:")] == [
            "DISPOSITION: SELF CARE"]
        assert "    DISPOSITION: SELF CARE\tlater" in lines


def test_a_sign_in_with_a_nul_in_the_username_gets_a_message(app: Flask) -> None:
    add_nurse(app)
    response = app.test_client().post(
        "/nurse/login", data={"username": "ann\x00", "password": "whatever it is"})
    assert response.status_code == 200
    assert "Username contains a control character that cannot be saved" in page(response)
    line_break = app.test_client().post(
        "/nurse/login", data={"username": "ann\r\nx", "password": "whatever it is"})
    assert "Username must be on one line" in page(line_break)


def test_an_addendum_with_a_nul_is_not_saved(
    app: Flask, client: FlaskClient
) -> None:
    token = new_call(client)
    assert client.post("/nurse/call", data=call_data(token)).status_code == 302
    with app.app_context():
        encounter_id = db.session.scalar(select(Encounter.id))
    response = client.post(f"/nurse/encounters/{encounter_id}/addenda",
                           data={"text": "Corrected\x00 number"})
    assert response.status_code == 400
    assert "Addendum contains a control character that cannot be saved" in page(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Addendum)) == 0


def _repeated(token: str, name: str, *values: str) -> MultiDict:
    """A whole call with one field sent several times."""
    data = MultiDict(list(call_data(token).items()))
    data.setlist(name, list(values))
    return data


def test_a_question_sent_twice_is_an_error_and_neither_answer_is_taken(
    app: Flask, client: FlaskClient
) -> None:
    # Before, the first value won: no, then yes, gave a self-care call that could be saved.
    token = new_call(client)
    response = client.post("/nurse/call", data=_repeated(token, "chest_symptoms", "no", "yes"))
    assert response.status_code == 200
    text = page(response)
    assert 'id="chest_symptoms-error"' in text
    assert "This answer was sent more than once. Give one answer and send again." in text
    assert 'id="chest_symptoms-no" value="no" checked' not in text
    assert 'data-status-for="chest_symptoms">Answered<' not in text
    assert saved_calls(app) == 0
    live = client.post("/nurse/call/assess",
                       data=_repeated(token, "temperature_value", "37.0", "39.5"))
    assert live.get_json()["errors"] == {
        "temperature": "This answer was sent more than once. Give one answer and send again."}


@pytest.mark.parametrize(("field", "label"), [
    ("patient_name", "Patient's name"), ("callback_number", "Callback number"),
    ("caller", "Who is calling"), ("procedure_date", "Date of the procedure"),
    ("final_disposition", "Final disposition"), ("notes", "Notes (optional)"),
])
def test_a_caller_or_closing_field_sent_twice_is_an_error_on_that_field(
    app: Flask, client: FlaskClient, field: str, label: str
) -> None:
    token = new_call(client)
    first = call_data(token).get(field, "self_care" if field == "final_disposition" else "a")
    text = page(client.post("/nurse/call", data=_repeated(token, field, first, first)))
    assert f"{label} was sent more than once. Give one answer and send again." in text
    assert saved_calls(app) == 0


def test_advice_given_may_be_ticked_several_times(app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    data = _repeated(token, "advice_given", "ice", "bandage")
    assert client.post("/nurse/call", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Encounter.advice_given)) == ["ice", "bandage"]


def test_an_unknown_final_disposition_is_a_field_message(app: Flask, client: FlaskClient) -> None:
    token = new_call(client)
    response = client.post("/nurse/call", data=call_data(
        token, CALM_ANSWERS, final_disposition="whatever"))
    assert response.status_code == 200
    assert 'id="final_disposition-error"' in page(response)
    assert saved_calls(app) == 0


# --- a small fuzz over the console's POST ----------------------------------------------------

PROTOCOL = load_protocol()
ASKED = asked_questions(PROTOCOL)
DATES = st.sampled_from([
    "", "2020-13-01", "2020-02-30", "1941-5-11", "11/05/1941", "10000-01-01", "0000-01-01",
    "1941-05-11T00:00", " 1941-05-11", "1941-05-11\x00", "yesterday", "٢٠٢٠-٠١-٠١", "9999-12-31",
])
ODD_VALUES = st.sampled_from(["", "maybe", "YES", "0", "11", "-1", "1e3", "none ", "\x00",
                              "worse\n", "é", "10000", "38,5", "nan"])


def _valid_date(text: str) -> bool:
    """Whether the console's date field (WTForms, %Y-%m-%d) reads this text as a date."""
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return False
    return True


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    dates=st.fixed_dictionaries({"date_of_birth": DATES, "procedure_date": DATES}),
    odd=st.dictionaries(st.sampled_from([q.id for q in ASKED] + [
        "temperature_value", "temperature_unit", "final_disposition", "caller"]), ODD_VALUES,
        max_size=5),
    action=st.sampled_from(["save", "update"]),
)
def test_the_console_gives_field_messages_for_any_dates_and_answers(
    app: Flask, client: FlaskClient, dates: dict[str, str], odd: dict[str, str], action: str
) -> None:
    token = new_call(client)
    data = call_data(token, action=action, **dates)
    data.update(odd)
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 200  # a page with messages: never saved, never a 500
    text = response.get_data(as_text=True)
    for name, value in dates.items():
        if action == "save" and not _valid_date(value):
            assert f'id="{name}-error"' in text, (name, value)
    live = client.post("/nurse/call/assess", data=data).get_json()
    for question in ASKED:
        value = odd.get(question.id, "").strip()
        if value and question.type in ("yes_no", "choice"):
            valid = ("yes", "no") if question.type == "yes_no" else question.choice_ids
            if value not in valid:
                assert question.id in live["errors"], (question.id, value)
    assert saved_calls(app) == 0
