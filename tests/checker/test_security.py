"""Security headers, HSTS, trusted proxies, caching rules and the weight of the form page."""

import re
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from checker.extensions import db
from tests.checker.samples import CALM_FORM, make_app
from tests.nurse.conftest import PASSWORD, add_nurse, sign_in

FORM_BUDGET = 30 * 1024  # bytes of HTML and CSS together


def _responses(client: FlaskClient) -> list:
    """One response of each kind the app gives."""
    return [
        client.get("/"),
        client.post("/", data=CALM_FORM),
        client.post("/", data={"action": "next", "step": "symptoms-1"}),
        client.get("/static/site.css", buffered=True),
        client.get("/missing"),
        client.post("/api/v1/assessments", json={}),
        client.get("/api/v1/openapi.json"),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
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
        # A script may only be a file of this site (the CSP allows 'self'), never inline.
        for tag, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert re.search(r'\bsrc="/static/[^"]+\.js"', tag) and not body.strip()
        assert html.count("<script") == len(re.findall(r"<script[^>]*>.*?</script>", html, re.S))
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


def test_the_referrer_policy_keeps_the_referer_that_the_https_csrf_check_needs(
    client: FlaskClient,
) -> None:
    # no-referrer made the browser send none, and Flask-WTF refuses HTTPS posts without one.
    assert client.get("/").headers["Referrer-Policy"] not in ("no-referrer", "")
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


def test_https_responses_carry_strict_transport_security(client: FlaskClient) -> None:
    for path in ("/", "/missing", "/static/site.css", "/api/v1/openapi.json"):
        response = client.get(path, base_url="https://localhost", buffered=True)
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_plain_http_responses_carry_no_strict_transport_security(client: FlaskClient) -> None:
    for response in _responses(client):
        assert "Strict-Transport-Security" not in response.headers


def test_every_response_but_a_static_file_or_a_check_page_is_kept_out_of_caches(
    client: FlaskClient,
) -> None:
    responses = _responses(client)
    static = responses.pop(3)
    check_pages, others = responses[:3], responses[3:]
    for response in others:
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    # The check's own pages may be kept by this browser alone, so Back brings them back.
    for response in check_pages:
        assert response.headers["Cache-Control"] == "private, no-cache"
    assert "no-store" not in static.headers["Cache-Control"]


def test_a_missing_static_file_is_kept_out_of_caches(client: FlaskClient) -> None:
    response = client.get("/static/no-such-file.css")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


@pytest.fixture
def nurse_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a migrated SQLite file with the nurse ann."""
    app = _migrated_app(tmp_path / "nurse.db")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_nurse_page_is_kept_out_of_caches(nurse_app: Flask) -> None:
    client = nurse_app.test_client()
    assert client.get("/nurse/login").headers["Cache-Control"] == "no-store"
    signed_in = sign_in(client)
    assert signed_in.status_code == 302
    assert signed_in.headers["Cache-Control"] == "no-store"
    for path in ("/nurse/", "/nurse/call", "/nurse/encounters"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.post("/nurse/logout").headers["Cache-Control"] == "no-store"


# What a TLS-terminating proxy adds to a request it passes on.
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clinic.example",
             "X-Forwarded-For": "203.0.113.9"}


def _migrated_app(path: Path, **config: object) -> Flask:
    """An app on a migrated SQLite file with the nurse ann."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **config)
    with app.app_context():
        flask_migrate.upgrade()
    add_nurse(app)
    return app


def _sign_in_forwarded(client: FlaskClient) -> TestResponse:
    """Sign ann in with the proxy's headers on the request."""
    return client.post("/nurse/login", headers=FORWARDED,
                       data={"username": "ann", "password": PASSWORD})


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(nurse_app: Flask) -> None:
    assert nurse_app.config["TRUSTED_PROXIES"] == 0
    client = nurse_app.test_client()
    assert "Strict-Transport-Security" not in client.get("/", headers=FORWARDED).headers
    signed_in = _sign_in_forwarded(client)
    assert signed_in.status_code == 302
    assert "Secure" not in signed_in.headers["Set-Cookie"]


def test_forwarded_headers_are_believed_from_one_trusted_proxy(tmp_path: Path) -> None:
    app = _migrated_app(tmp_path / "proxy.db", TRUSTED_PROXIES=1)
    client = app.test_client()
    hsts = client.get("/", headers=FORWARDED).headers["Strict-Transport-Security"]
    assert hsts == "max-age=31536000; includeSubDomains"
    signed_in = _sign_in_forwarded(client)
    assert signed_in.status_code == 302
    assert "; Secure" in signed_in.headers["Set-Cookie"]
    with app.app_context():
        db.engine.dispose()


def _seen_by_the_app(app: Flask) -> dict[str, object]:
    """The client address, host and scheme the app reads from a forwarded request."""
    seen: dict[str, object] = {}

    @app.get("/probe")
    def probe() -> str:
        seen.update(addr=request.remote_addr, host=request.host, secure=request.is_secure)
        return ""

    app.test_client().get("/probe", headers=FORWARDED)
    return seen


def test_a_trusted_proxy_gives_the_app_the_clients_address_host_and_scheme() -> None:
    seen = _seen_by_the_app(make_app(TRUSTED_PROXIES=1))
    assert seen == {"addr": "203.0.113.9", "host": "clinic.example", "secure": True}


def test_without_a_trusted_proxy_a_client_cannot_forge_its_address_host_or_scheme() -> None:
    seen = _seen_by_the_app(make_app())
    assert seen == {"addr": "127.0.0.1", "host": "localhost", "secure": False}
