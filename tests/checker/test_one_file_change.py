"""A protocol change is one file: a new yes/no question with a rule reaches every part.

The question is added to the tests' own protocol, served in place of the released ones.
"""

from __future__ import annotations

import functools
from html import unescape

import flask_migrate
import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

import rules.loader
from rules import Protocol, assess, parse_protocol
from rules.verify import Verifier
from tests.bench.strategies import valid_temperature
from tests.nurse.conftest import add_nurse, make_app, sign_in
from tests.protocol_data import as_version, mildest, next_version, own_source, value_strategies

QUESTION = """[[question]]
id = "new_rash"
group = "symptoms"
type = "yes_no"
text = "Do you have a new rash on your skin?"

"""
RULE = """[[rule]]
id = "T8"
disposition = "call_doctor_today"
when = "new_rash = yes"
sign = "you have a new rash"
explain = "A new rash should be checked by your doctor."
source = "D (call for a new rash)"

"""


@functools.cache
def with_rash() -> Protocol:
    """The tests' own protocol with one more yes/no question and the rule that reads it."""
    text = own_source()
    anchor = '[[question]]\nid = "days_since_procedure"'
    text = text.replace(anchor, QUESTION + anchor, 1)
    text = text.replace("# Advice, in the order", RULE + "# Advice, in the order", 1)
    text = as_version(text, next_version())
    return parse_protocol(text.encode(), f"{next_version()}.toml")


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Protocol:
    """Serve the protocol with the new question, as if it were released."""
    protocol = with_rash()
    monkeypatch.setattr(rules.loader, "released", lambda: (protocol,))
    return protocol


def test_the_rules_prove_and_assess_the_new_question(served) -> None:
    assert all(f.holds for f in Verifier(served).run())
    calm = mildest(served)
    assert calm["new_rash"] is False
    assert assess(calm, served)["disposition"] == "self_care"
    rash = assess(mildest(served, new_rash=True), served)
    assert rash["disposition"] == "call_doctor_today"
    assert [r["rule"] for r in rash["reasons"]] == ["T8"]
    assert "Call your doctor's office today if you have a new rash." in rash["call_back_if"]


@settings(max_examples=40, deadline=None)
@given(answers=st.fixed_dictionaries(value_strategies(valid_temperature, with_rash())))
def test_generated_answer_sets_answer_the_new_question_validly(answers) -> None:
    assert isinstance(answers["new_rash"], bool)
    expected = "T8" in [r["rule"] for r in assess(answers, with_rash())["reasons"]]
    assert expected is answers["new_rash"]


def test_the_api_and_its_fhir_questionnaire_carry_the_new_question(
    served, client: FlaskClient
) -> None:
    questionnaire = client.get("/api/v1/questionnaire").get_json()
    link_ids = [i["linkId"] for g in questionnaire["item"] for i in g.get("item", [])]
    assert "new_rash" in link_ids
    response = client.post("/api/v1/assessments", json=mildest(served, new_rash=True))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["disposition"] == "call_doctor_today"


def test_the_console_asks_the_new_question(served, tmp_path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'calls.db'}")
    with app.app_context():
        flask_migrate.upgrade()
    add_nurse(app)
    client = app.test_client()
    sign_in(client)
    page = unescape(client.get("/nurse/call").get_data(as_text=True))
    assert "Do you have a new rash on your skin?" in page
