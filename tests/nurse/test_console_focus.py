"""Where the console puts the focus when it opens, and the conditions it shows in words."""

import re
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient

from rules import load_protocol
from tests.followup.conftest import enrol
from tests.followup.test_worklist import FEVER, add_checkin
from tests.nurse.conftest import CALM_ANSWERS, call_data, new_call

FOCUSED = re.compile(r"<(?:input|select|textarea)\b[^>]*\sautofocus\b[^>]*>")


def focused(html: str) -> str:
    """The one element the page focuses when it opens (its whole tag)."""
    tags = FOCUSED.findall(html)
    assert len(tags) == 1, tags
    return tags[0]


def name_of(tag: str) -> str:
    """The name attribute of a tag."""
    found = re.search(r'\sname="([^"]+)"', tag)
    assert found, tag
    return found.group(1)


def test_a_new_console_opens_with_the_focus_on_the_patients_name(client: FlaskClient) -> None:
    tag = focused(client.get("/nurse/call").get_data(as_text=True))
    assert name_of(tag) == "patient_name"
    assert 'id="patient_name"' in tag


def test_after_an_update_the_focus_is_on_the_first_field_still_to_answer(
        client: FlaskClient) -> None:
    token = new_call(client)
    answers = dict(CALM_ANSWERS)
    del answers["leg_weakness"], answers["bleeding"]
    html = client.post("/nurse/call", data=call_data(token, answers, action="update")
                       ).get_data(as_text=True)
    tag = focused(html)
    assert name_of(tag) == "leg_weakness" and 'type="radio"' in tag
    # Its chosen option, "Not asked yet", as Tab into the group and the script's moving on do.
    assert 'value=""' in tag and "checked" in tag

    missing = call_data(token, action="update")
    del missing["callback_number"]
    html = client.post("/nurse/call", data=missing).get_data(as_text=True)
    assert name_of(focused(html)) == "callback_number"

    # Every answer and every detail given: the close menu.
    html = client.post("/nurse/call", data=call_data(token, action="update")
                       ).get_data(as_text=True)
    assert name_of(focused(html)) == "final_disposition"


def test_a_refused_save_focuses_no_field(client: FlaskClient) -> None:
    token = new_call(client)
    data = call_data(token)
    del data["patient_name"]
    html = client.post("/nurse/call", data=data).get_data(as_text=True)
    assert "There is a problem" in html
    assert not FOCUSED.search(html)  # the script focuses the error summary


def test_a_check_in_opens_at_the_first_answer_it_lacks(app: Flask, client: FlaskClient) -> None:
    enrolment_id, _ = enrol(app, patient_name="Flora Focus",
                            procedure_date=date.today() - timedelta(days=3))
    calm = {k: (v == "yes" if v in ("yes", "no") else v) for k, v in CALM_ANSWERS.items()
            if "temperature" not in k}
    complete = add_checkin(app, enrolment_id, "call_doctor_now",
                           {**calm, **FEVER, "pain_score": 4}, hours_ago=1)
    html = client.get(f"/nurse/call?checkin={complete}").get_data(as_text=True)
    assert "Flora Focus" in html
    # The check-in carries every answer and the caller's details: the nurse closes the call.
    assert name_of(focused(html)) == "final_disposition"

    lacking = {k: v for k, v in calm.items() if k != "drainage"}
    partial = add_checkin(app, enrolment_id, "call_doctor_now",
                          {**lacking, **FEVER, "pain_score": 4}, hours_ago=1)
    html = client.get(f"/nurse/call?checkin={partial}").get_data(as_text=True)
    assert name_of(focused(html)) == "drainage"


def test_a_condition_is_shown_in_the_protocols_words_not_its_syntax(
        client: FlaskClient) -> None:
    html = client.get("/nurse/call").get_data(as_text=True)
    protocol = load_protocol()
    conditional = [q for q in protocol.questions if q.asked_when is not None]
    assert conditional
    for q in conditional:
        assert q.asked_when is not None
        assert q.asked_when.text not in html
    pain = protocol.by_id["pain_score"]
    assert f"Ask only when the answer to &#39;{pain.text}&#39; is 1 or more." in html
    assert not re.search(r"Ask only when[^<]*[a-z]_[a-z]", html)


def test_the_questions_a_condition_rules_out_are_named_for_the_keys_to_skip(
        client: FlaskClient) -> None:
    protocol = load_protocol()
    ruled_out = [q.id for q in protocol.questions if q.asked_when is not None]
    token = new_call(client)
    none = client.post("/nurse/call/assess", data=call_data(token, action="update",
                                                           pain_score="0")).get_json()
    assert none["not_asked"] == ruled_out
    some = client.post("/nurse/call/assess", data=call_data(token, action="update",
                                                           pain_score="3")).get_json()
    assert some["not_asked"] == []
    html = client.post("/nurse/call", data=call_data(token, action="update", pain_score="0")
                       ).get_data(as_text=True)
    assert f'data-not-asked="{" ".join(ruled_out)}"' in html
