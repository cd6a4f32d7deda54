"""`flask nurses`: the only way to create an account, change its password or disable it."""

from flask import Flask
from sqlalchemy import select

from checker.extensions import db
from checker.nurse.models import Encounter, Nurse
from tests.nurse.conftest import PASSWORD, add_nurse, call_data, new_call, sign_in


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


def test_it_changes_a_password_and_ends_every_session(app: Flask) -> None:
    add_nurse(app, "bea")
    before = app.test_client()
    assert sign_in(before, "bea").status_code == 302
    new = "another long secret passphrase"
    result = app.test_cli_runner().invoke(args=["nurses", "password", "bea"], input=new + "\n")
    assert result.exit_code == 0, result.output
    assert "Changed the password of bea" in result.output
    assert before.get("/nurse/encounters").location.startswith("/nurse/login")
    assert sign_in(app.test_client(), "bea").status_code == 401
    assert sign_in(app.test_client(), "bea", new).status_code == 302


def test_it_keeps_the_old_password_when_the_new_one_is_short(app: Flask) -> None:
    add_nurse(app, "bea")
    result = app.test_cli_runner().invoke(args=["nurses", "password", "bea"], input="short\n")
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert sign_in(app.test_client(), "bea").status_code == 302


def test_it_disables_a_nurse_with_calls_and_keeps_the_calls(app: Flask) -> None:
    add_nurse(app, "bea")
    client = app.test_client()
    assert sign_in(client, "bea").status_code == 302
    assert client.post("/nurse/call", data=call_data(new_call(client))).status_code == 302
    result = app.test_cli_runner().invoke(args=["nurses", "disable", "bea"])
    assert result.exit_code == 0, result.output
    assert "Disabled bea" in result.output
    assert client.get("/nurse/encounters").location.startswith("/nurse/login")
    assert sign_in(app.test_client(), "bea").status_code == 401
    with app.app_context():
        [saved] = db.session.scalars(select(Encounter))
        assert saved.nurse.username == "bea"
        assert nurse(app, "bea").active is False


def test_it_names_an_unknown_nurse(app: Flask) -> None:
    runner = app.test_cli_runner()
    for command in ("password", "disable"):
        result = runner.invoke(args=["nurses", command, "nobody"], input=PASSWORD + "\n")
        assert result.exit_code != 0
        assert "There is no nurse called 'nobody'." in result.output


def test_it_has_no_command_that_deletes_a_nurse(app: Flask) -> None:
    add_nurse(app, "bea")
    runner = app.test_cli_runner()
    for command in ("delete", "remove"):
        result = runner.invoke(args=["nurses", command, "bea"])
        assert result.exit_code != 0
        assert "No such command" in result.output
    assert nurse(app, "bea") is not None
