"""The app's JSON is Flask's JSON: the same text for any reader, whichever encoder wrote it."""

import datetime
import json

from flask.json.provider import DefaultJSONProvider

from tests.checker.samples import CALM_ANSWERS, make_app

COMPACT = {"separators": (",", ":")}


def test_an_assessment_in_spanish_is_the_json_flasks_own_encoder_writes() -> None:
    app = make_app()
    client = app.test_client()
    response = client.post("/api/v1/assessments", json={**CALM_ANSWERS, "pain_score": 9},
                           headers={"Accept-Language": "es"})
    assert response.status_code == 200
    result = response.get_json()
    assert any(ord(c) > 127 for c in json.dumps(result, ensure_ascii=False))  # accents in it
    flask_own = DefaultJSONProvider(app).dumps(result, **COMPACT)
    with app.app_context():
        ours = app.json.dumps(result, **COMPACT)
    # Keys in the same order, the same values; only non-ASCII text is UTF-8, not \u escapes.
    assert ours == json.dumps(json.loads(flask_own), sort_keys=True, ensure_ascii=False,
                              separators=(",", ":"))
    assert response.get_data(as_text=True) == ours + "\n"


def test_dates_and_huge_numbers_are_written_as_flask_writes_them() -> None:
    app = make_app()
    value = {"when": datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC),
             "day": datetime.date(2026, 12, 5), "big": 2**70}
    numbered = {9: "nine", 10: "ten"}  # numbers as keys: sorted as numbers, then written as text
    flask_own = DefaultJSONProvider(app)
    with app.app_context():
        for obj in (value, numbered):
            assert app.json.dumps(obj, **COMPACT) == flask_own.dumps(obj, **COMPACT)


def test_every_other_form_is_left_to_flask() -> None:
    app = make_app()
    value = {"b": [1, 2.5, None], "a": "x"}
    flask_own = DefaultJSONProvider(app)
    with app.app_context():
        for kwargs in ({}, {"indent": 2}):
            assert app.json.dumps(value, **kwargs) == flask_own.dumps(value, **kwargs)
