"""`flask nurses`: adding, re-keying and disabling accounts (there is no sign-up page)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from checker.extensions import db
from checker.nurse.models import Nurse
from checker.nurse.sessions import end_every_session

MIN_PASSWORD = 12

nurses = AppGroup("nurses", help="Manage nurse accounts (accounts are disabled, never deleted).")


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise read the first line of stdin (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _new_password() -> str:
    """A password read as `_read_password` does, refused when too short."""
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"The password must be at least {MIN_PASSWORD} characters.")
    return password


def _existing(username: str) -> Nurse:
    """The nurse with this username, or an error naming it."""
    nurse = db.session.scalar(select(Nurse).filter_by(username=username.strip()))
    if nurse is None:
        raise click.ClickException(f"There is no nurse called {username!r}.")
    return nurse


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
    password = _new_password()
    nurse = Nurse(username=username, is_admin=admin)
    nurse.set_password(password)
    db.session.add(nurse)
    db.session.commit()
    role = "administrator" if admin else "nurse"
    click.echo(f"Added {role} {username}.")


@nurses.command("password")
@click.argument("username")
def password(username: str) -> None:
    """Give a nurse a new password, asking for it, and sign out every session of theirs."""
    nurse = _existing(username)
    nurse.set_password(_new_password())
    end_every_session(nurse.id)
    db.session.commit()
    click.echo(f"Changed the password of {nurse.username}; every session of theirs is ended.")


@nurses.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Stop a nurse from signing in and end their sessions; their calls stay as they are."""
    nurse = _existing(username)
    nurse.active = False
    end_every_session(nurse.id)
    db.session.commit()
    click.echo(f"Disabled {nurse.username}; every session of theirs is ended.")
