"""Error pages: friendly, never a bare 500, and always saying how to get help."""

import logging

import pytest
from flask import Flask, Response, abort, request
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from checker.errors import PAGES
from checker.extensions import db
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


def _app_with_failing_routes(**config: object) -> Flask:
    """An app whose routes fail the ways a database and a bug fail, for pages and the API."""
    app = make_app(**{"PROPAGATE_EXCEPTIONS": False, **config})

    def lost_connection() -> None:
        """Fail as a database server that went away fails, its text quoting the row."""
        raise OperationalError(
            "INSERT INTO encounters (patient_name) VALUES (%(name)s)",
            {"name": "Zebulon Quixotically"},
            Exception("server closed the connection; DETAIL: Failing row contains (Zebulon)"),
        )

    def pool_exhausted() -> None:
        """Fail as a pool with no free connection fails."""
        raise PoolTimeoutError("QueuePool limit of size 5 overflow 10 reached")

    def bug() -> None:
        """Fail with an exception whose text quotes what was typed."""
        typed = request.args.get("name", "")
        raise ValueError(f"invalid literal for int(): {typed!r}")

    for path, view in [("/down", lost_connection), ("/busy", pool_exhausted), ("/bug", bug)]:
        app.add_url_rule(path, view.__name__, view)
        app.add_url_rule("/api/v1" + path, "api_" + view.__name__, view)
    app.add_url_rule("/limited", "limited", lambda: abort(429))  # no limiter involved
    app.add_url_rule("/api/v1/limited", "api_limited", lambda: abort(429))
    return app


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured log record as a handler would write it, tracebacks included."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


@pytest.mark.parametrize("path", ["/down", "/busy"])
def test_a_database_fault_answers_503_with_the_emergency_line_and_a_retry_time(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    response = _app_with_failing_routes().test_client().get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "The record system is unavailable" in html
    assert "In an emergency, call 911 now" in html and 'href="tel:911"' in html
    assert "the number on your discharge papers" in html
    assert "Zebulon" not in html and "INSERT" not in html


@pytest.mark.parametrize("path", ["/api/v1/down", "/api/v1/busy"])
def test_a_database_fault_under_the_api_answers_503_in_json(path: str) -> None:
    response = _app_with_failing_routes().test_client().get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json() == {"errors": {"request": PAGES[503][1]}}


def test_a_database_fault_is_logged_as_one_line_naming_only_the_error_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _app_with_failing_routes().test_client().get("/down")
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.getMessage() for record in errors] == [
        "the record system is unavailable in lost_connection: OperationalError (builtins.Exception)"
    ]
    assert errors[0].exc_info is None
    logged = _logged(caplog)
    for private in ("Zebulon", "INSERT", "patient_name", "Failing row"):
        assert private not in logged


def test_an_unexpected_error_is_logged_with_its_place_but_not_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = _app_with_failing_routes().test_client().get("/bug?name=Zebulon+Quixotically")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in html and "Zebulon" not in html
    logged = _logged(caplog)
    assert "unexpected error in bug: ValueError" in logged
    assert 'raise ValueError(f"invalid literal' in logged  # the source line, to find the bug
    assert "Zebulon" not in logged


def test_an_unexpected_error_still_reaches_the_test_when_exceptions_propagate() -> None:
    app = _app_with_failing_routes(PROPAGATE_EXCEPTIONS=True)
    with pytest.raises(ValueError, match="invalid literal"):
        app.test_client().get("/bug")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("put", "/nurse/logout", {"OPTIONS", "POST"}),
        ("get", "/api/v1/assessments", {"OPTIONS", "POST"}),
    ],
)
def test_a_405_names_the_methods_that_are_allowed(
    client: FlaskClient, method: str, path: str, allowed: set[str]
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.headers.getlist("Content-Type") == [response.headers["Content-Type"]]


def test_a_405_from_the_api_is_json_with_its_allow_header(client: FlaskClient) -> None:
    response = client.get("/api/v1/assessments")
    assert response.mimetype == "application/json"
    assert response.get_json() == {"errors": {"request": PAGES[405][1]}}


@pytest.mark.parametrize("path", ["/limited", "/api/v1/limited"])
def test_every_429_says_when_to_try_again(path: str) -> None:
    response = _app_with_failing_routes().test_client().get(path)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"


def test_too_many_sign_ins_say_when_the_limit_resets(app: Flask) -> None:
    with app.app_context():
        db.create_all()
    client = app.test_client()
    codes = [client.post("/nurse/login", data={"username": "x", "password": "y" * 12})
             for _ in range(11)]
    assert [response.status_code for response in codes] == [401] * 10 + [429]
    assert "Retry-After" not in codes[0].headers
    wait = int(codes[-1].headers["Retry-After"])
    assert 1 <= wait <= 60
    assert "Too many tries" in codes[-1].get_data(as_text=True)


def test_an_error_after_the_view_is_logged_by_flask_without_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.after_request
    def fail_late(response: Response) -> Response:
        """Fail after the view, where no error handler reaches."""
        raise ValueError(f"could not finish for {request.form.get('name')!r}")

    caplog.set_level(logging.DEBUG)
    response = app.test_client().post("/", data={"name": "Zebulon Quixotically"})
    assert response.status_code == 500
    logged = _logged(caplog)
    assert "Exception on / [POST]: ValueError" in logged  # Flask's own line, kept
    assert "fail_late" in logged
    assert "Zebulon" not in logged


def test_sign_in_answers_503_when_the_store_of_sign_in_counts_is_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        db.create_all()  # the database works: only the store of sign-in counts is down
    caplog.set_level(logging.DEBUG)
    response = app.test_client().post("/nurse/login", data={"username": "ann", "password": "x"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "record system is unavailable" in response.get_data(as_text=True)
    assert "unavailable in nurse.login: ConnectionError" in _logged(caplog)
