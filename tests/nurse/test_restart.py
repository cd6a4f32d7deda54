"""A PostgreSQL restart costs no request: pooled connections are checked before use."""

import time
import uuid
from collections.abc import Iterator

import flask_migrate
import psycopg
import pytest
from flask import Flask
from sqlalchemy import make_url

from checker.extensions import db
from tests.nurse.conftest import add_nurse, make_app, sign_in
from tests.support import require_postgres_url

pytestmark = pytest.mark.postgres


def _plain_url() -> str:
    """TEST_DATABASE_URL as psycopg itself reads it."""
    url = make_url(require_postgres_url()).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _restart_connections(application_name: str) -> int:
    """End every server connection of the app, as a server restart does, and wait until gone."""
    query = ("SELECT pid FROM pg_stat_activity "
             "WHERE datname = current_database() AND application_name = %s")
    with psycopg.connect(_plain_url(), autocommit=True) as admin:
        ended = admin.execute(
            f"SELECT count(pg_terminate_backend(pid)) FROM ({query}) AS app", [application_name]
        ).fetchone()[0]
        deadline = time.monotonic() + 10
        while admin.execute(query, [application_name]).fetchall():
            assert time.monotonic() < deadline, "the connections did not end"
            time.sleep(0.05)
    return int(ended)


def _app(application_name: str, **engine: object) -> Iterator[Flask]:
    """An app on PostgreSQL whose connections carry a name of their own, schema built."""
    options = {"connect_args": {"application_name": application_name}, **engine}
    app = make_app(require_postgres_url(), SQLALCHEMY_ENGINE_OPTIONS=options)
    with app.app_context():
        flask_migrate.upgrade()
    add_nurse(app)
    yield app
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="base")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


@pytest.fixture
def name() -> str:
    """A name no other test's connections carry."""
    return f"restart-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def pinging(name: str) -> Iterator[Flask]:
    """An app with the engine options the factory sets."""
    yield from _app(name)


@pytest.fixture
def not_pinging(name: str) -> Iterator[Flask]:
    """The same app without the check before use, as the engine was before."""
    yield from _app(name, pool_pre_ping=False)


def test_the_first_sign_in_after_a_restart_succeeds(pinging: Flask, name: str) -> None:
    assert sign_in(pinging.test_client()).status_code == 302
    assert _restart_connections(name) >= 1
    assert sign_in(pinging.test_client()).status_code == 302


def test_the_first_list_of_calls_after_a_restart_succeeds(pinging: Flask, name: str) -> None:
    client = pinging.test_client()
    assert sign_in(client).status_code == 302
    assert client.get("/nurse/encounters").status_code == 200
    assert _restart_connections(name) >= 1
    assert client.get("/nurse/encounters").status_code == 200


def test_without_the_check_the_first_sign_in_after_a_restart_fails(
    not_pinging: Flask, name: str
) -> None:
    assert sign_in(not_pinging.test_client()).status_code == 302
    assert _restart_connections(name) >= 1
    # This is the fault the check prevents: one failed request per pooled connection.
    assert sign_in(not_pinging.test_client()).status_code == 503
    assert sign_in(not_pinging.test_client()).status_code == 302
