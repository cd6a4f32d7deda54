"""A stalled database (a table locked by someone else) is answered with the 503 page in time."""

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Connection, create_engine

from checker.database import with_timeouts
from tests.followup.conftest import enrol
from tests.nurse.conftest import add_nurse, migrated_app, sign_in
from tests.support import require_postgres_url

# The lock is held far longer than the app may wait for it; nothing here waits for a time.
HELD_SECONDS = 40


@pytest.fixture
def stalled_app() -> Iterator[Flask]:
    """An app on PostgreSQL that waits at most a second for a lock."""
    with migrated_app(require_postgres_url(), DATABASE_LOCK_TIMEOUT=1,
                      DATABASE_STATEMENT_TIMEOUT=3) as app:
        add_nurse(app)
        yield app


def hold_lock(table: str) -> Iterator[Connection]:
    """Another session locks the table (and lets go of it after HELD_SECONDS at the latest)."""
    engine = create_engine(require_postgres_url())
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SET idle_in_transaction_session_timeout = '{HELD_SECONDS}s'")
        connection.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield connection
        connection.rollback()
    engine.dispose()


def assert_unavailable_page(response: object) -> None:
    """The app's own 503: retry later, with the emergency line."""
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.headers["Retry-After"]  # type: ignore[attr-defined]
    assert "911" in response.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_locked_table_of_calls_answers_503_with_the_emergency_line(stalled_app: Flask) -> None:
    client = stalled_app.test_client()
    assert sign_in(client).status_code == 302
    for _ in hold_lock("encounter"):
        assert_unavailable_page(client.get("/nurse/encounters"))


@pytest.mark.postgres
def test_a_locked_follow_up_answers_the_patient_503_with_the_emergency_line(
    stalled_app: Flask,
) -> None:
    _, token = enrol(stalled_app)
    for _ in hold_lock("followup_enrolment"):
        response = stalled_app.test_client().post(f"/followup/{token}", data={"year": "1941"})
        assert_unavailable_page(response)


def test_postgresql_connections_carry_the_lock_and_statement_timeouts() -> None:
    options = with_timeouts({"connect_args": {"options": "-c search_path=app"}},
                            "postgresql+psycopg://db/x", 5, 10)
    assert options["connect_args"]["options"] == (
        "-c search_path=app -c lock_timeout=5000 -c statement_timeout=10000")
    assert with_timeouts({}, "sqlite:///x.db", 5, 10) == {}
    assert with_timeouts({}, "postgresql+psycopg://db/x", 0, 0) == {}


def test_gunicorn_sets_timeouts_below_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    import runpy
    from pathlib import Path

    for name in ("DATABASE_LOCK_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py"))
    lock = int(conf["os"].environ["DATABASE_LOCK_TIMEOUT"])
    statement = int(conf["os"].environ["DATABASE_STATEMENT_TIMEOUT"])
    assert 0 < lock < statement < conf["timeout"]
