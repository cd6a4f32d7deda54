"""Security headers, caching of static files and the weight of the form page."""

import re

import pytest
from flask.testing import FlaskClient

from tests.checker.samples import CALM_FORM

FORM_BUDGET = 30 * 1024  # bytes of HTML and CSS together


def _responses(client: FlaskClient) -> list:
    """One response of each kind the app gives."""
    return [
        client.get("/"),
        client.post("/", data=CALM_FORM),
        client.post("/", data={"action": "check"}),
        client.get("/static/site.css", buffered=True),
        client.get("/missing"),
        client.post("/api/v1/assessments", json={}),
        client.get("/api/v1/openapi.json"),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ],
)
def test_it_sends_the_security_headers_on_every_response(
    client: FlaskClient, header: str, expected: str
) -> None:
    for response in _responses(client):
        assert response.headers[header] == expected


def test_it_sends_a_strict_content_security_policy_on_every_response(
    client: FlaskClient,
) -> None:
    for response in _responses(client):
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy


def test_it_uses_no_inline_script_or_style(client: FlaskClient) -> None:
    for response in _responses(client)[:3]:
        html = response.get_data(as_text=True)
        assert "<script" not in html
        assert "<style" not in html
        assert " style=" not in html


def test_it_serves_static_files_with_cache_headers(client: FlaskClient) -> None:
    response = client.get("/static/site.css", buffered=True)
    assert "max-age=3600" in response.headers["Cache-Control"]


def test_the_form_page_weighs_at_most_30_kb_with_its_css(client: FlaskClient) -> None:
    html = client.get("/").data
    styles = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
    css = sum(len(client.get(href.decode(), buffered=True).data) for href in styles)
    assert styles
    assert len(html) + css <= FORM_BUDGET


def test_the_form_page_loads_nothing_from_another_host(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)
