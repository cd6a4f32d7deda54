"""A PostgreSQL restart costs no request: pooled connections are checked before use."""

import time
from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import create_engine, make_url

from checker.database import engine_options
from checker.extensions import db
from tests.nurse.conftest import add_nurse, postgres_copy, sign_in

pytestmark = pytest.mark.postgres
OTHERS = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


@pytest.fixture
def database_url(migrated_postgres: str) -> Iterator[str]:
    """PostgreSQL only (a restart is a server's): a copy of the migrated database."""
    with postgres_copy(migrated_postgres) as url:
        yield url


def _restart_server(app: Flask) -> int:
    """End every other connection to the app's database, as a restart does; wait until gone."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        ended = admin.execute(f"SELECT count(pg_terminate_backend(pid)) {OTHERS}").fetchone()
        deadline = time.monotonic() + 10
        while admin.execute(f"SELECT pid {OTHERS}").fetchall():
            assert time.monotonic() < deadline, "the connections did not end"
            time.sleep(0.05)
    return int(ended[0]) if ended else 0


@pytest.fixture
def not_pinging(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The same app on an engine without the check before use, as the engine was before."""
    with app.app_context():
        engine = create_engine(db.engine.url, **engine_options({"pool_pre_ping": False}))
        monkeypatch.setitem(db.engines, None, engine)
    yield app
    engine.dispose()


def test_the_first_sign_in_after_a_restart_succeeds(app: Flask) -> None:
    add_nurse(app)
    assert sign_in(app.test_client()).status_code == 302
    assert _restart_server(app) >= 1
    assert sign_in(app.test_client()).status_code == 302


def test_the_first_list_of_calls_after_a_restart_succeeds(app: Flask) -> None:
    add_nurse(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    assert client.get("/nurse/encounters").status_code == 200
    assert _restart_server(app) >= 1
    assert client.get("/nurse/encounters").status_code == 200


def test_without_the_check_the_first_sign_in_after_a_restart_fails(not_pinging: Flask) -> None:
    add_nurse(not_pinging)
    assert sign_in(not_pinging.test_client()).status_code == 302
    assert _restart_server(not_pinging) >= 1
    # This is the fault the check prevents: one failed request per pooled connection.
    assert sign_in(not_pinging.test_client()).status_code == 503
    assert sign_in(not_pinging.test_client()).status_code == 302
