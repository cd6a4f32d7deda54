"""Fixtures for the nurse console: an app on SQLite or PostgreSQL, nurses and a signed-in client."""

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from checker import create_app
from checker.extensions import db
from checker.nurse.models import Nurse
from checker.nurse.questions import asked_questions
from rules import Protocol, load_protocol
from tests.protocol_data import as_form, mildest
from tests.support import require_postgres_url

PASSWORD = "a long and secret passphrase"
def calm_answers(protocol: Protocol | None = None) -> dict[str, str]:
    """The answers the nurse asks, as the console posts them, built from the protocol.

    Every one its mildest, with a little pain that rest eases and the temperature not taken:
    a decided self-care call. The day count is not asked: it follows from the procedure date.
    """
    protocol = protocol or load_protocol()
    answers = mildest(protocol, pain_score=2, pain_relieved=True, temperature=None)
    asked = {q.id for q in asked_questions(protocol)}
    return as_form({k: v for k, v in answers.items() if k in asked}, protocol)


CALM_ANSWERS = calm_answers()


def caller(days_ago: int = 2, **overrides: str) -> dict[str, str]:
    """The caller's details, with a procedure the given number of days ago."""
    details = {
        "patient_name": "Harriet Quimby", "date_of_birth": "1941-05-11",
        "record_number": "MRN-4471", "callback_number": "555 0100", "caller": "patient",
        "procedure_type": "kyphoplasty",
        "procedure_date": (date.today() - timedelta(days=days_ago)).isoformat(),
    }
    details.update(overrides)
    return details


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """The same tests on a SQLite file and on the PostgreSQL server of TEST_DATABASE_URL.

    On PostgreSQL each test gets a database of its own, copied from one the migrations built
    once for the run, and dropped afterwards.
    """
    if request.param == "postgres":
        template = request.getfixturevalue("migrated_postgres")
        with postgres_copy(template) as url:
            yield url
        return
    yield f"sqlite:///{tmp_path}/nurse.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty database (no schema yet), for a test whose migrations must run with its settings."""
    if request.param == "postgres":
        with postgres_copy() as url:
            yield url
        return
    yield f"sqlite:///{tmp_path}/empty.db"


def _server(url: str) -> Any:
    """An engine on the server's maintenance database, outside any transaction."""
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                         poolclass=NullPool)


@contextmanager
def postgres_copy(template: str | None = None) -> Iterator[str]:
    """A database of its own on TEST_DATABASE_URL's server (a copy of `template`), then dropped."""
    server_url = require_postgres_url()
    name = f"rc_{os.getpid()}_{next(_DATABASES)}"
    server = _server(server_url)
    copy = f" TEMPLATE {template}" if template else ""
    with server.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}{copy}")
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.dispose()


_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str]:
    """The name of a PostgreSQL database the migrations built, once for the whole run."""
    with postgres_copy() as url:
        built = make_app(url)
        with built.app_context():
            flask_migrate.upgrade()
            db.session.remove()
            db.engine.dispose()
        yield make_url(url).database or ""


def make_app(url: str, **config: Any) -> Flask:
    """An app for tests on the given database."""
    return create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        **config,
    })


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file whose schema the migrations built, once for the whole run."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    built = make_app(f"sqlite:///{path}")
    with built.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def app(database_url: str, migrated_sqlite: Path) -> Iterator[Flask]:
    """An app whose schema is built by the migrations, and removed again afterwards.

    Each test gets a copy of a database the migrations built once (the same schema, without
    running them for every test): a SQLite file, or a PostgreSQL database made from a template;
    tests/nurse/test_migrations.py runs the migrations itself.
    """
    sqlite_file = database_url.removeprefix("sqlite:///")
    if sqlite_file != database_url:
        shutil.copyfile(migrated_sqlite, sqlite_file)
    app = make_app(database_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def migrated_app(url: str, **config: Any) -> Iterator[Flask]:
    """An app whose schema the migrations build, and take down again afterwards."""
    app = make_app(url, **config)
    with app.app_context():
        flask_migrate.upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            flask_migrate.downgrade(revision="base")
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.engine.dispose()


def add_nurse(app: Flask, username: str = "ann", *, admin: bool = False,
              active: bool = True) -> int:
    """Create a nurse account and return its id."""
    with app.app_context():
        nurse = Nurse(username=username, is_admin=admin, active=active)
        nurse.set_password(PASSWORD)
        db.session.add(nurse)
        db.session.commit()
        return nurse.id


def sign_in(client: FlaskClient, username: str = "ann", password: str = PASSWORD) -> Any:
    """Post the sign-in form."""
    return client.post("/nurse/login", data={"username": username, "password": password})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client signed in as the nurse ann."""
    add_nurse(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    """A client signed in as the administrator ada."""
    add_nurse(app, "ada", admin=True)
    client = app.test_client()
    assert sign_in(client, "ada").status_code == 302
    return client


def new_call(client: FlaskClient) -> str:
    """Open a new call and return its signed one-time token."""
    html = client.get("/nurse/call").get_data(as_text=True)
    match = re.search(r'name="call" type="hidden" value="([^"]+)"', html)
    assert match, "the console has no call token"
    return match.group(1)


# The call's plan as a nurse records it on a usual call: the disposition told (the console's
# first choice), the caller agreed, and told when to call back.
CALL_PLAN = {"action_taken": "told", "agreement": "agreed", "call_back_signs": "yes"}


def call_data(token: str, answers: dict[str, str] | None = None, action: str = "save",
              **fields: str) -> dict[str, Any]:
    """A complete console submission."""
    data: dict[str, Any] = {"call": token, "action": action, **caller(), **CALL_PLAN}
    data.update(CALM_ANSWERS if answers is None else answers)
    data.update(fields)
    return data
