"""The access log keeps follow-up link tokens out, and nothing else is changed."""

import pytest

from checker.access_log import without_links


@pytest.mark.parametrize("line, logged", [
    ("GET /followup/AbC-12_x HTTP/1.1", "GET /followup/[link] HTTP/1.1"),
    ("POST /followup/AbC-12_x/checkin HTTP/1.1", "POST /followup/[link]/checkin HTTP/1.1"),
    ("GET /followup/AbC?lang=es HTTP/1.1", "GET /followup/[link]?lang=es HTTP/1.1"),
    ("/followup/AbC/history", "/followup/[link]/history"),
])
def test_a_follow_up_links_token_is_replaced(line: str, logged: str) -> None:
    assert without_links(line) == logged


@pytest.mark.parametrize("line", [
    "GET /nurse/followup/enrol HTTP/1.1",
    "GET /nurse/followup/patients/12 HTTP/1.1",
    "GET / HTTP/1.1",
    "GET /static/site.css HTTP/1.1",
])
def test_every_other_request_line_is_logged_as_it_came(line: str) -> None:
    assert without_links(line) == line
