"""`flask nurses`: creating nurse accounts from the command line (there is no sign-up page)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from checker.extensions import db
from checker.nurse.models import Nurse

MIN_PASSWORD = 12

nurses = AppGroup("nurses", help="Manage nurse accounts.")


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise read the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@nurses.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Let this nurse read the audit log.")
def add(username: str, admin: bool) -> None:
    """Create a nurse account, asking for its password."""
    username = username.strip()
    if not username or len(username) > 80:
        raise click.ClickException("The username must be 1 to 80 characters.")
    if db.session.scalar(select(Nurse).filter_by(username=username)) is not None:
        raise click.ClickException(f"A nurse called {username!r} already exists.")
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must be at least {MIN_PASSWORD} characters.")
    nurse = Nurse(username=username, is_admin=admin)
    nurse.set_password(password)
    db.session.add(nurse)
    db.session.commit()
    role = "administrator" if admin else "nurse"
    click.echo(f"Added {role} {username}.")
