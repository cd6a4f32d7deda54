"""Nothing a caller says reaches the application's logs."""

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from checker.extensions import db
from tests.nurse.conftest import CALM_ANSWERS, call_data, new_call
from tests.typed import typed_in

DISTINCTIVE = {
    "patient_name": "Zebulon Quixotically",
    "date_of_birth": "1933-07-19",
    "record_number": "MRN-XQ-987654",
    "callback_number": "555 867 5309",
    "notes": "Grandson Ptolemy visiting",
    "override_reason": "Spoke with Dr Okonkwo-Vasquez",
    "disagreement_reason": "Waiting for nephew Thistlewaite",
}
# The caller did not agree, so the reason above is recorded and in the note.
DISAGREED = {"agreement": "disagreed"}


def test_it_logs_no_patient_detail_through_a_whole_call(
    app: Flask,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = new_call(client)
    answers = dict(CALM_ANSWERS, new_back_pain="yes")
    data = call_data(token, answers, final_disposition="self_care", **DISAGREED, **DISTINCTIVE)
    client.post("/nurse/call/assess", data=data)
    client.post("/nurse/call", data=dict(data, action="update"))
    saved = client.post("/nurse/call", data=data)
    assert saved.status_code == 302
    client.get(saved.location)
    client.get(saved.location + "/note.txt")
    client.post(saved.location + "/addenda", data={"text": "Zebulon rang again"})
    client.post("/nurse/encounters/search", data={"name": "Zebulon"}, follow_redirects=True)

    def broken() -> None:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", broken)
    client.post("/nurse/call", data=call_data(new_call(client), answers, **DISAGREED,
                                              **DISTINCTIVE))
    assert caplog.records, "the test should see the app's own log lines"
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    for value in [*DISTINCTIVE.values(), "Zebulon"]:
        assert not typed_in(value, logged), value
