"""A record id no record can have is a page that does not exist (404), never an outage (503)."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DataError

from checker.database import LARGEST_ID

# Ids a URL can carry that no record can have: zero, one past the id column, far past it.
OUT_OF_RANGE = [0, LARGEST_ID + 1, 2**63, 2**64, 10**30]


def id_routes(app: Flask) -> list[tuple[str, str, str]]:
    """Every route with a record id: (rule, its id's name, a method it answers)."""
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name, converter in rule._converters.items()
                 if isinstance(converter, app.url_map.converters["int"])]
        for name in names:
            method = "GET" if "GET" in (rule.methods or ()) else "POST"
            found.append((rule.rule, name, method))
    return found


def test_every_id_route_is_found(app: Flask) -> None:
    routes = id_routes(app)
    assert len(routes) >= 8
    assert any(rule.startswith("/nurse/encounters/") for rule, _, _ in routes)
    assert any(rule.startswith("/nurse/followup/") for rule, _, _ in routes)


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_an_id_out_of_range_is_not_found_on_every_route(
    app: Flask, admin: FlaskClient, number: int
) -> None:
    for rule, name, method in id_routes(app):
        path = rule.replace(f"<int:{name}>", str(number))
        response = admin.open(path, method=method)
        assert response.status_code == 404, (path, response.status_code)
        assert "911" in response.get_data(as_text=True)


def test_the_largest_id_a_record_can_have_is_looked_up(app: Flask, admin: FlaskClient) -> None:
    response = admin.get(f"/nurse/encounters/{LARGEST_ID}")
    assert response.status_code == 404  # looked up and not found, not refused by the database


def test_a_value_the_database_cannot_hold_is_the_requests_fault_not_an_outage(
    app: Flask, admin: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_range(*args: object, **kwargs: object) -> None:
        raise DataError("SELECT", {}, ValueError("integer out of range"))

    app.view_functions["nurse.home"] = out_of_range
    response = admin.get("/nurse/")
    assert response.status_code == 400
    assert "Retry-After" not in response.headers
    assert "911" in response.get_data(as_text=True)
