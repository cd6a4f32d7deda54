"""Nothing a patient enters is stored or logged: proved with every log record captured."""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.checker.samples import CALM_ANSWERS, CALM_FORM, make_app
from tests.serving import serve
from tests.typed import typed_in

# Answers no page, header or counter would ever contain by chance.
DISTINCTIVE_FORM = {**CALM_FORM, "temperature": "101.7", "days_since_procedure": "287"}
DISTINCTIVE_BAD_FORM = {**CALM_FORM, "days_since_procedure": "zq-unusual-9"}
DISTINCTIVE_ANSWERS = {**CALM_ANSWERS, "days_since_procedure": 293, "pain_score": 7}
SECRETS = ("101.7", "287", "zq-unusual-9", "293")


@pytest.fixture
def server_url() -> Iterator[str]:
    """A real server, so the request log of the server itself is captured too."""
    with serve(make_app()) as url:
        yield url


def _post(url: str, body: bytes, content_type: str) -> int:
    """Send one POST and give its status."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_it_logs_nothing_a_patient_enters(
    server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    form = "application/x-www-form-urlencoded"
    api = f"{server_url}/api/v1/assessments"
    statuses = [
        _post(server_url + "/", urllib.parse.urlencode(DISTINCTIVE_FORM).encode(), form),
        _post(server_url + "/", urllib.parse.urlencode(DISTINCTIVE_BAD_FORM).encode(), form),
        _post(api, json.dumps(DISTINCTIVE_ANSWERS).encode(), "application/json"),
        _post(api, b'{"days_since_procedure": "293"}', "application/json"),
    ]
    assert statuses == [200, 422, 200, 422]
    assert caplog.records, "the server's request log should have been captured"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in SECRETS:
        assert not typed_in(secret, logged), secret
