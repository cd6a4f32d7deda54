"""On PostgreSQL the app's role only reads and adds records; the owner migrates, a third purges."""

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import URL, create_engine, make_url, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.pool import NullPool

from checker.clock import utcnow
from checker.extensions import db
from checker.followup.models import CheckIn, Enrolment
from checker.nurse.models import Encounter
from tests.followup.conftest import enrol
from tests.nurse.conftest import add_nurse, make_app, sign_in
from tests.nurse.test_records import save
from tests.support import require_postgres_url

pytestmark = pytest.mark.postgres
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "db-roles"
# What the app's role must be refused, each in a transaction of its own.
REFUSED = {
    "DROP TRIGGER": "DROP TRIGGER encounter_append_only ON encounter",
    "DISABLE TRIGGER": "ALTER TABLE followup_checkin DISABLE TRIGGER followup_checkin_append_only",
    "DISABLE TRIGGER ALL": "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "DELETE of check-ins": "DELETE FROM followup_checkin",
    "DELETE of seals": "DELETE FROM record_seal",
    "UPDATE of a saved call": "UPDATE encounter SET final_disposition = 'self_care'",
    "UPDATE of check-ins": "UPDATE followup_checkin SET disposition = 'self_care'",
    "TRUNCATE": "TRUNCATE audit_event",
    "a purge row": "INSERT INTO followup_purge (enrolment_id, enrolled_at, purged_at, "
                   "retention_days) SELECT id, created_at, now(), 1 FROM followup_enrolment",
    "the purge function": "SELECT followup_purge_ended(1)",
    "skipping triggers": "SET session_replication_role = replica",
    "DROP TABLE": "DROP TABLE followup_review",
    # The worklist's waiting check-ins are the database's own (migration 0011): only a review
    # takes one away.
    "taking a check-in off the worklist": "DELETE FROM followup_waiting",
    "putting one on the worklist by hand": "INSERT INTO followup_waiting SELECT id, "
                                           "enrolment_id, submitted_at, disposition, "
                                           "current_date FROM followup_checkin",
}


@dataclass
class Roles:
    """The three roles of one throwaway database, and their URLs."""

    owner: str
    app: str
    purge: str
    admin_url: URL

    def url(self, role: str) -> str:
        """The URL of one role, with the password the script gave it."""
        return self.admin_url.set(username=role, password=f"pw-{role}").render_as_string(
            hide_password=False)

    def script(self, action: str) -> subprocess.CompletedProcess[str]:
        """Run scripts/db-roles as the superuser."""
        env = {**os.environ, "DB_OWNER_PASSWORD": f"pw-{self.owner}",
               "DB_APP_PASSWORD": f"pw-{self.app}", "DB_PURGE_PASSWORD": f"pw-{self.purge}"}
        return subprocess.run(
            [sys.executable, str(SCRIPT), action, "--admin-url",
             self.admin_url.render_as_string(hide_password=False), "--owner", self.owner,
             "--app", self.app, "--purge", self.purge],
            capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def roles() -> Iterator[Roles]:
    """A database of its own with three roles of unique names, all dropped afterwards."""
    base = make_url(require_postgres_url())
    suffix = secrets.token_hex(4)
    database = f"rc_roles_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    made = Roles(f"rc_owner_{suffix}", f"rc_app_{suffix}", f"rc_purge_{suffix}",
                 base.set(database=database))
    try:
        setup = made.script("setup")
        assert setup.returncode == 0, setup.stderr
        yield made
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            for role in (made.owner, made.app, made.purge):
                connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


@pytest.fixture(scope="module")
def app(roles: Roles) -> Iterator[Flask]:
    """The app as its own role, migrated as the owner, purging as the purge role."""
    app = make_app(roles.url(roles.app), MIGRATION_DATABASE_URL=roles.url(roles.owner),
                   PURGE_DATABASE_URL=roles.url(roles.purge))
    with app.app_context():
        flask_migrate.upgrade()
    granted = roles.script("grant")
    assert granted.returncode == 0, granted.stderr
    add_nurse(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_migrations_ran_as_the_owner_who_owns_every_table(roles: Roles, app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        owners = set(connection.execute(text(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars())
        assert owners == {roles.owner}
        assert connection.execute(text("SELECT current_user")).scalar() == roles.app


@pytest.mark.parametrize("what", list(REFUSED))
def test_the_apps_role_is_refused(app: Flask, what: str) -> None:
    with app.app_context(), db.engine.connect() as connection:
        with pytest.raises(ProgrammingError) as refused:
            connection.execute(text(REFUSED[what]))
        assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege
        connection.rollback()


def test_the_script_finds_nothing_too_much_and_names_a_privilege_given_by_mistake(
    roles: Roles, app: Flask
) -> None:
    checked = roles.script("check")
    assert checked.returncode == 0, checked.stderr
    assert f"The roles hold: {roles.app} may only read and add records" in checked.stdout
    admin = create_engine(roles.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'GRANT INSERT, DELETE ON followup_purge TO "{roles.app}"')
    try:
        checked = roles.script("check")
        assert checked.returncode == 1
        assert f"{roles.app}: may INSERT on followup_purge" in checked.stderr
        assert f"{roles.app}: may DELETE on followup_purge" in checked.stderr
        enrol(app)
        with app.app_context(), db.engine.connect() as connection:
            # Even with the privilege, only the owner's function writes a purge record.
            with pytest.raises(ProgrammingError, match="written only by the retention job"):
                connection.execute(text(REFUSED["a purge row"]))
            connection.rollback()
    finally:
        assert roles.script("grant").returncode == 0
        admin.dispose()
    assert roles.script("check").returncode == 0


def test_the_app_still_saves_a_call_and_a_check_in_as_its_role(app: Flask) -> None:
    client = app.test_client()
    assert sign_in(client).status_code == 302
    encounter_id = save(client, patient_name="Bessie Coleman")
    assert client.post(f"/nurse/encounters/{encounter_id}/addenda",
                       data={"text": "Rang back."}).status_code == 302
    # An enrolment with a check-in and its review, written by the app's role as the app does.
    enrolment_id, _ = enrol(app, procedure_date=date.today() - timedelta(days=2))
    with app.app_context():
        assert db.session.get(Encounter, encounter_id).patient_name == "Bessie Coleman"
        assert db.session.scalars(select(CheckIn.disposition).filter_by(
            enrolment_id=enrolment_id)).all() == ["self_care"]
    cli = app.test_cli_runner()
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    password = cli.invoke(args=["nurses", "password", "ann"], input="a new long passphrase\n")
    assert password.exit_code == 0, password.output


def test_only_the_purge_role_purges_and_only_what_is_over(roles: Roles, app: Flask) -> None:
    with app.app_context():
        running = db.session.scalars(select(Enrolment.id)).all()
    running.append(enrol(app, procedure_date=date.today() - timedelta(days=2))[0])
    over, _ = enrol(app, procedure_date=date.today() - timedelta(days=401),
                    created_at=utcnow() - timedelta(days=400))
    app_only = make_app(roles.url(roles.app))
    result = app_only.test_cli_runner().invoke(args=["followup", "purge"])
    assert result.exit_code == 1
    assert "set PURGE_DATABASE_URL to the purge role's URL" in result.output
    with app_only.app_context():
        db.engine.dispose()
    result = app.test_cli_runner().invoke(args=["followup", "purge"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 follow-up enrolments" in result.output
    with app.app_context():
        assert db.session.scalars(select(Enrolment.id)).all() == running
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM followup_purge"))
        db.session.rollback()
        assert over not in db.session.scalars(select(Enrolment.id)).all()
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
