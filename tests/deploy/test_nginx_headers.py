"""Every answer through nginx carries the app's security headers once, nginx's own answers too."""

from __future__ import annotations

import http.client
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from checker.security import HEADERS, HSTS
from tests.browser.conftest import Certificate
from tests.deploy.conftest import Deployment
from tests.faults.processes import free_port

REQUEST_SECONDS = 10


def ask(url: str, method: str = "GET", body: bytes | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage]:
    """One request, answered with its status and every header as sent (repeats kept)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.netloc, timeout=REQUEST_SECONDS, context=context)
    else:
        connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_SECONDS)
    try:
        connection.request(method, parts.path or "/", body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, response.msg
    finally:
        connection.close()


def assert_security_headers(headers: http.client.HTTPMessage, *, hsts: bool = True) -> None:
    """Each of the app's security headers exactly once, with the app's own value."""
    expected = dict(HEADERS, **({"Strict-Transport-Security": HSTS} if hsts else {}))
    for name, value in expected.items():
        assert headers.get_all(name) == [value], (name, headers.get_all(name))


def test_an_answer_from_the_app_carries_each_header_once(deployment: Deployment) -> None:
    status, headers = ask(deployment.url + "/")
    assert status == 200
    assert_security_headers(headers)
    assert len(headers.get_all("Cache-Control") or []) == 1


def test_nginx_refusing_a_large_body_sends_the_headers(deployment: Deployment) -> None:
    status, headers = ask(deployment.url + "/api/v1/assessments", "POST",
                          body=b"{" + b" " * (65 * 1024) + b"}",
                          headers={"Content-Type": "application/json"})
    assert status == 413
    assert_security_headers(headers)
    assert headers.get_all("Cache-Control") == ["no-store"]


def test_trace_is_refused_with_405_saying_which_methods_there_are(
    deployment: Deployment,
) -> None:
    for method in ("TRACE", "PUT", "DELETE"):
        status, headers = ask(deployment.url + "/", method)
        assert status == 405, method
        assert headers.get_all("Allow") == ["GET, HEAD, POST, OPTIONS"]
        assert_security_headers(headers)


def test_a_method_the_app_refuses_keeps_the_apps_own_allow(deployment: Deployment) -> None:
    status, headers = ask(deployment.url + "/api/v1/assessments", "GET")
    assert status == 405
    assert len(headers.get_all("Allow") or []) == 1
    assert "POST" in headers["Allow"]
    assert_security_headers(headers)


def test_the_redirect_from_plain_http_sends_the_headers(deployment: Deployment) -> None:
    status, headers = ask(deployment.plain_url + "/")
    assert status == 301
    assert headers["Location"].startswith("https://")
    assert_security_headers(headers, hsts=False)  # a browser ignores HSTS over plain HTTP


def test_the_outage_page_sends_the_headers(tmp_path: Path, certificate: Certificate) -> None:
    alone = Deployment(tmp_path, database_url="")
    try:
        alone.start_nginx(certificate, [free_port(), free_port()])
        status, headers = ask(alone.url + "/")
    finally:
        alone.stop()
    assert status == 503
    assert_security_headers(headers)
    assert headers.get_all("Retry-After") == ["30"]


class BareError(BaseHTTPRequestHandler):
    """An instance that fails the way gunicorn does outside the app: a bare 500."""

    def do_GET(self) -> None:  # noqa: N802  (the standard library's name)
        """Answer every request with a plain "Internal Server Error"."""
        body = b"Internal Server Error"
        self.send_response(500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Write nothing to the test's output."""


@pytest.fixture
def failing_instance() -> Iterator[int]:
    """A local upstream that answers 500 to everything, on 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BareError)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_bare_500_from_an_instance_becomes_the_page_with_the_emergency_line(
    tmp_path: Path, certificate: Certificate, failing_instance: int
) -> None:
    alone = Deployment(tmp_path, database_url="")
    try:
        alone.start_nginx(certificate, [failing_instance, failing_instance])
        parts = urlsplit(alone.url)
        connection = http.client.HTTPSConnection(parts.netloc, timeout=REQUEST_SECONDS,
                                                 context=ssl._create_unverified_context())
        connection.request("GET", "/")
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
    finally:
        alone.stop()
    assert response.status == 503
    assert "In an emergency, call 911 now." in text
    assert "Internal Server Error" not in text
    assert_security_headers(response.msg)
