"""The note, the printed handout and the API's answer to FHIR state the fever rule's threshold.

The number is read from the served protocol's rule, so moving the threshold in a new version
changes these pages and none of these tests; a number written anywhere else would fail them.
"""

from __future__ import annotations

import json
import re
from html import unescape

from flask.testing import FlaskClient

from rules import load_protocol
from tests.checker.test_fhir import response_for
from tests.nurse.conftest import CALM_ANSWERS, call_data, new_call
from tests.protocol_data import fever_rule, mildest, temperature_words

# A threshold in words as the texts state it: "38.0 °C (100.4 °F)", or "38,0 °C (100,4 °F)".
STATED = re.compile(r"[0-9]+[.,][0-9] °C \([0-9]+[.,][0-9] °F\)")


def above_threshold() -> str:
    """A reading half a degree over the fever rule's threshold, in °C."""
    return f"{fever_rule()[1] + 0.5:.1f}"


def save(client: FlaskClient, answers: dict[str, str], advice: list[str]) -> int:
    """Save a call with these answers and this advice given; return its id."""
    data = call_data(new_call(client), answers, advice_given=advice)
    response = client.post("/nurse/call", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.location.rsplit("/", 1)[1])


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_the_note_and_the_handout_of_a_fever_state_the_rules_threshold(
    client: FlaskClient,
) -> None:
    rule, threshold = fever_rule()
    english, spanish = temperature_words(threshold), temperature_words(threshold, "es")
    fever = {k: v for k, v in CALM_ANSWERS.items() if k != "temperature_not_measured"}
    fever.update(temperature_value=above_threshold(), temperature_unit="C")
    call = save(client, fever, ["bandage"])

    note = text(client, f"/nurse/encounters/{call}/note.txt")
    [reasons] = [line for line in note.split("\n") if line.startswith("Protocol disposition: ")]
    assert f"set by {rule} (temperature {english} or more)." in reasons
    assert set(STATED.findall(note)) == {english}
    handout = text(client, f"/nurse/encounters/{call}/handout?lang=en")
    assert english in handout and set(STATED.findall(handout)) == {english}
    handout_es = text(client, f"/nurse/encounters/{call}/handout?lang=es")
    assert spanish in handout_es and set(STATED.findall(handout_es)) == {spanish}


def test_the_note_states_the_threshold_in_the_advice_to_take_the_temperature(
    client: FlaskClient,
) -> None:
    english = temperature_words(fever_rule()[1])
    take = next(a for a in load_protocol().advice if "{" not in a.note and english in a.note)
    feverish = dict(CALM_ANSWERS, feels_feverish="yes")
    call = save(client, feverish, [take.id])
    note = text(client, f"/nurse/encounters/{call}/note.txt")
    [given] = [line for line in note.split("\n") if line.startswith("ADVICE GIVEN: ")]
    assert given == f"ADVICE GIVEN: {take.note}."
    assert set(STATED.findall(note)) == {english}


def test_the_answer_to_a_fhir_response_states_the_rules_threshold(client: FlaskClient) -> None:
    rule, threshold = fever_rule()
    english = temperature_words(threshold)
    answers = mildest(temperature={"value": float(above_threshold()), "unit": "C"})
    response = client.post("/api/v1/assessments", data=json.dumps(response_for(answers)),
                           content_type="application/fhir+json")
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    [reason] = [r for r in result["reasons"] if r["rule"] == rule]
    assert english in reason["text"]
    assert any(english in sentence for sentence in result["call_back_if"])
    assert set(STATED.findall(json.dumps(result, ensure_ascii=False))) == {english}
