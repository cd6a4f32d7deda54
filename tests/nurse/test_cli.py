"""`flask nurses add`: the only way to create an account."""

from flask import Flask
from sqlalchemy import select

from checker.extensions import db
from checker.nurse.models import Nurse
from tests.nurse.conftest import PASSWORD, sign_in


def nurse(app: Flask, username: str) -> Nurse | None:
    """The nurse with this username, if any."""
    with app.app_context():
        return db.session.scalar(select(Nurse).filter_by(username=username))


def test_it_adds_a_nurse_with_the_password_read_from_stdin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["nurses", "add", "bea"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Added nurse bea." in result.output
    added = nurse(app, "bea")
    assert added is not None and not added.is_admin
    assert sign_in(app.test_client(), "bea").status_code == 302


def test_it_adds_an_administrator_with_admin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["nurses", "add", "--admin", "ada"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert nurse(app, "ada").is_admin


def test_it_refuses_a_short_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["nurses", "add", "bea"], input="short\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert nurse(app, "bea") is None


def test_it_refuses_a_username_already_taken(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["nurses", "add", "bea"], input=PASSWORD + "\n")
    result = runner.invoke(args=["nurses", "add", "bea"], input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "already exists" in result.output
