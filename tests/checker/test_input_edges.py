"""Input at the edge: unstorable text, repeated fields and the shared validators."""

import io
import json
import re
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server
from werkzeug.test import TestResponse
from wtforms import Form, StringField, TextAreaField

from checker.validators import OneValue, PlainText, first_unstorable
from tests.checker.samples import CALM_ANSWERS, CALM_FORM, HEADLINES, make_app


class _Box(Form):
    """A one-line and a several-line field, as the nurse's forms use them."""

    name = StringField("Patient's name", validators=[OneValue(), PlainText()])
    notes = TextAreaField("Notes", validators=[OneValue(), PlainText(multiline=True)])


def _errors(**fields: str | list[str]) -> dict[str, list[str]]:
    """The errors of the box form for these posted values."""
    data = MultiDict()
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    form = _Box(formdata=data)
    form.validate()
    return form.errors


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x9f", "\ud800"])
def test_it_refuses_control_characters_in_any_field_naming_it(char: str) -> None:
    errors = _errors(name=f"Ada{char}", notes=f"fine\n{char}")
    assert errors["name"] == [
        "Patient's name contains a control character that cannot be saved (character 4). "
        "Type it again without it."
    ]
    assert errors["notes"][0].startswith("Notes contains a control character")


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\v", "\f", "\x85", "\u2028", "\u2029",
                                 "\x1c", "\x1e"])
def test_it_refuses_a_line_break_in_a_one_line_field(brk: str) -> None:
    assert _errors(name=f"Ada{brk}DISPOSITION: SELF CARE")["name"] == [
        "Patient's name must be on one line: remove the line break (character 4)."
    ]


def test_it_lets_a_notes_box_keep_tabs_and_line_breaks() -> None:
    assert _errors(name="Ada Lovelace", notes="Line one\r\n\tLine two\nthree") == {}
    assert "notes" in _errors(notes="one\u2028two")  # not what a textarea sends


def test_it_refuses_a_tab_on_one_line_but_not_accents_or_emoji() -> None:
    assert first_unstorable("Zoë 🙂 O'Brien-Łukasz", multiline=False) is None
    assert first_unstorable("a\tb", multiline=False) == (2, "control character")


def test_it_refuses_a_field_sent_twice_and_keeps_neither_value() -> None:
    data = MultiDict([("name", "Ada"), ("name", "Bob")])
    form = _Box(formdata=data)
    assert not form.validate()
    assert form.errors["name"] == [
        "Patient's name was sent more than once. Give one answer and send again."]
    assert form.name.data is None


def _post(client: FlaskClient, changes: dict[str, list[str]]) -> tuple[int, str]:
    """Post the calm answers with some fields replaced by one or more values."""
    data = MultiDict(list(CALM_FORM.items()))
    for name, values in changes.items():
        data.setlist(name, values)
    response = client.post("/", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_a_repeated_calm_answer_is_an_error_on_that_question(client: FlaskClient) -> None:
    status, page = _post(client, {"pain_trend": ["better", "worse"]})
    assert status == 422
    assert "This answer was sent more than once" in page
    assert re.search(r'href="#pain_trend-better">[^<]*This answer was sent more than once', page)
    # Neither answer is shown as chosen: the patient must choose again.
    assert not re.search(r'<input[^>]*checked[^>]*name="pain_trend"', page)
    assert not re.search(r'<input[^>]*name="pain_trend"[^>]*checked', page)


def test_a_repeated_emergency_question_with_a_yes_gives_the_emergency(
    client: FlaskClient,
) -> None:
    # Before, the first value won: no, then yes, gave self-care.
    for values in (["no", "yes"], ["yes", "no"]):
        status, page = _post(client, {"chest_symptoms": values})
        assert status == 200
        assert HEADLINES["emergency"] in page
    status, page = _post(client, {"bleeding": ["none", "uncontrolled"]})
    assert HEADLINES["emergency"] in page


def test_a_repeated_emergency_question_with_no_yes_is_asked_again(client: FlaskClient) -> None:
    status, page = _post(client, {"chest_symptoms": ["no", "no"]})
    assert status == 422
    assert HEADLINES["self_care"] not in page
    assert "This answer was sent more than once" in page


def test_a_repeated_unit_leaves_the_temperature_unread(client: FlaskClient) -> None:
    status, page = _post(client, {"temperature_value": ["100.4"],
                                  "temperature_unit": ["C", "F"]})
    assert status == 422
    assert re.search(r'href="#temperature_value">[^<]*The unit was sent more than once', page)


# --- bodies without a Content-Length (chunked) ---------------------------------------------

LIMIT = 64 * 1024
# The calm answers as the form posts them, then padding that takes the body past the limit:
# cut at 64 KB it is still a whole, valid form (which is how it used to be accepted).
CALM_BODY = urlencode(CALM_FORM).encode()
TOO_BIG_FORM = CALM_BODY + b"&padding=" + b"x" * LIMIT


def _json_body(size: int) -> bytes:
    """The calm answers as JSON, padded with spaces to exactly this many bytes."""
    text = json.dumps(CALM_ANSWERS).encode()
    return text[:-1] + b" " * (size - len(text)) + b"}"


def _streamed(client: FlaskClient, path: str, body: bytes, content_type: str,
              terminated: bool = True) -> TestResponse:
    """Post a body as a server passes on a chunked one: no Content-Length, a stream to read."""
    environ = {"wsgi.input_terminated": True} if terminated else {}
    return client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"}, environ_overrides=environ)


def test_a_streamed_body_over_the_limit_is_refused_like_a_declared_one(
    client: FlaskClient,
) -> None:
    # Before, the form was cut at 64 KB and answered as if that were all.
    form = _streamed(client, "/", TOO_BIG_FORM, "application/x-www-form-urlencoded")
    assert form.status_code == 413
    assert "That was too much to send" in form.get_data(as_text=True)
    api = _streamed(client, "/api/v1/assessments", _json_body(LIMIT + 1), "application/json")
    assert api.status_code == 413
    assert set(api.get_json()["errors"]) == {"request"}


def test_a_streamed_body_up_to_the_limit_is_read_whole(client: FlaskClient) -> None:
    api = _streamed(client, "/api/v1/assessments", _json_body(LIMIT), "application/json")
    assert api.status_code == 200
    assert api.get_json()["disposition"] == "self_care"
    form = _streamed(client, "/", CALM_BODY, "application/x-www-form-urlencoded")
    assert form.status_code == 200
    assert HEADLINES["self_care"] in form.get_data(as_text=True)


def test_a_chunked_body_the_server_did_not_end_is_refused_not_read_as_empty(
    client: FlaskClient,
) -> None:
    response = _streamed(client, "/api/v1/assessments", _json_body(200), "application/json",
                         terminated=False)
    assert response.status_code == 411
    assert set(response.get_json()["errors"]) == {"request"}


@pytest.fixture
def server_port() -> Iterator[int]:
    """Werkzeug's own server for the app on 127.0.0.1, in a thread, for raw requests."""
    server = make_server("127.0.0.1", 0, make_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def _send_chunked(port: int, path: str, content_type: str, body: bytes) -> bytes:
    """Send one request with a chunked body over a socket, and return the raw response."""
    chunks = b"".join(
        f"{len(body[i:i + 4000]):x}\r\n".encode() + body[i:i + 4000] + b"\r\n"
        for i in range(0, len(body), 4000)
    ) + b"0\r\n\r\n"
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head + chunks)
        response = b""
        while part := sock.recv(65536):
            response += part
    return response


def test_a_real_server_refuses_a_chunked_body_over_the_limit(server_port: int) -> None:
    form = "application/x-www-form-urlencoded"
    too_big = _send_chunked(server_port, "/", form, TOO_BIG_FORM)
    assert too_big.startswith(b"HTTP/1.1 413 ")
    calm = _send_chunked(server_port, "/", form, CALM_BODY)
    assert calm.startswith(b"HTTP/1.1 200 ")
    assert HEADLINES["self_care"].replace("'", "&#39;").encode() in calm
    api = _send_chunked(server_port, "/api/v1/assessments", "application/json",
                        _json_body(LIMIT))
    assert api.startswith(b"HTTP/1.1 200 ")
