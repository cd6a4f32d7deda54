"""Error pages: friendly, never a bare 500, and always saying how to get help."""

import pytest
from flask import Flask, abort
from flask.testing import FlaskClient

from tests.checker.samples import make_app


def _broken_app() -> Flask:
    """An app with a route that fails, and errors handled as in production."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/broken")
    def broken() -> str:
        """Fail on purpose."""
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/no-such-page", 404), ("delete", "/", 405), ("put", "/", 405)],
)
def test_it_shows_a_friendly_page_with_the_emergency_number(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "In an emergency, call 911 now" in html
    assert 'href="tel:911"' in html
    assert "discharge papers" in html


def test_it_shows_a_friendly_page_for_a_body_too_large(client: FlaskClient) -> None:
    response = client.post("/", data={"temperature": "9" * (70 * 1024)})
    assert response.status_code == 413
    assert "too much to send" in response.get_data(as_text=True)


def test_it_shows_a_friendly_page_for_a_server_error() -> None:
    response = _broken_app().test_client().get("/broken")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in html
    assert "boom" not in html
    assert "In an emergency, call 911 now" in html


def test_it_shows_the_clinic_number_on_error_pages() -> None:
    response = make_app(CLINIC_PHONE="555-0100").test_client().get("/missing")
    assert 'href="tel:5550100"' in response.get_data(as_text=True)


def test_it_answers_api_errors_in_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"errors": {"request": "There is no page at this address."}}


@pytest.mark.parametrize("code", [403, 410, 429])
def test_other_http_errors_keep_their_status_and_the_emergency_line(code: int) -> None:
    app = make_app()

    @app.get("/raise")
    def raise_it() -> None:
        """Fail with the given status."""
        abort(code)

    response = app.test_client().get("/raise")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert "911" in page
    assert "tel:911" in page
