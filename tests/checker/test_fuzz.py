"""Whatever is sent, the answer is a page or a 4xx with messages, never a server error."""

import json

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from rules import load_protocol
from tests.checker.samples import CALM_FORM, HEADLINES

IDS = [q.id for q in load_protocol().questions]
# Only what JSON can carry: NaN and Infinity are rejected before the answers are read.
FINITE = st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | FINITE | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
FORM_VALUES = st.sampled_from(["", "yes", "no", "0", "7", "101.2", "-3", "abc", "none", "C",
                               "es", "next", "back", "submit", "review", "change:symptoms-2",
                               "emergency", "symptoms-1", "result"])
FIELDS = st.sampled_from([*IDS, "temperature_value", "temperature_unit",
                          "temperature_not_measured", "step", "action", "return_to",
                          "switch_unit", "switch_lang", "other"])
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(answers=st.dictionaries(st.sampled_from([*IDS, "other"]), JSON_VALUES, max_size=6))
def test_the_api_never_fails_on_any_json_object(client: FlaskClient, answers: dict) -> None:
    response = client.post("/api/v1/assessments", data=json.dumps(answers),
                           content_type="application/json")
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert all(isinstance(m, str) and m for m in response.get_json()["errors"].values())


@SETTINGS
@given(data=st.dictionaries(FIELDS, FORM_VALUES, max_size=12))
def test_the_form_never_fails_on_any_answers(client: FlaskClient, data: dict) -> None:
    response = client.post("/", data=data)
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        # "switch_lang=es" asks for the page in Spanish, its summary heading too.
        page = response.get_data(as_text=True)
        spanish = '<html lang="es">' in page
        assert ("Hay un problema" if spanish else "There is a problem") in page


EMERGENCY_IDS = [q.id for q in load_protocol().questions_in("emergency")]


@SETTINGS
@given(repeats=st.dictionaries(
    st.sampled_from(EMERGENCY_IDS), st.lists(st.sampled_from(["yes", "no"]), min_size=1,
                                             max_size=3), min_size=1),
       step=st.sampled_from(["review", "emergency"]))
def test_an_emergency_answer_sent_several_times_never_lowers_the_result(
    client: FlaskClient, repeats: dict[str, list[str]], step: str
) -> None:
    action = "submit" if step == "review" else "next"
    data = MultiDict(list({**CALM_FORM, "step": step, "action": action}.items()))
    for name, values in repeats.items():
        data.setlist(name, values)
    response = client.post("/", data=data)
    page = response.get_data(as_text=True)
    if any("yes" in values for values in repeats.values()):
        assert response.status_code == 200
        assert HEADLINES["emergency"] in page
    elif any(len(values) > 1 for values in repeats.values()):
        assert response.status_code == 422
        assert "This answer was sent more than once" in page
    elif step == "emergency":  # every sign answered "no" once: on to step 2
        assert response.status_code == 200
        assert "Step 2 of" in page and "There is a problem" not in page
    else:
        assert response.status_code == 200
