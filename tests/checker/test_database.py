"""Engine options: connections checked before use, SQL values kept out of errors and logs."""

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from checker.extensions import db
from tests.checker.samples import make_app

MARKER = "Zebulon Quixotically"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///{tmp}/file.db"])
def test_every_engine_pings_connections_and_hides_parameters(url: str, tmp_path: object) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=url.format(tmp=tmp_path))
    with app.app_context():
        assert db.engine.pool._pre_ping is True
        assert db.engine.hide_parameters is True
        assert db.session.scalar(text("SELECT 1")) == 1


def test_a_deployment_may_turn_pinging_off_but_never_show_parameters() -> None:
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False, "hide_parameters": False})
    with app.app_context():
        assert db.engine.pool._pre_ping is False
        assert db.engine.hide_parameters is True


def test_a_failing_statement_keeps_its_values_out_of_the_error_text() -> None:
    with make_app().app_context(), pytest.raises(OperationalError) as raised:
        db.session.execute(text("INSERT INTO no_such_table VALUES (:name)"), {"name": MARKER})
    assert "no_such_table" in str(raised.value)
    assert MARKER not in str(raised.value)
    assert "SQL parameters hidden" in str(raised.value)


def test_the_sql_log_shows_neither_parameters_nor_rows(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    with make_app().app_context():
        assert db.session.scalar(text("SELECT :name"), {"name": MARKER}) == MARKER
    messages = [record.getMessage() for record in caplog.records]
    assert "SELECT ?" in messages  # the statement is logged, so the check below means something
    assert "Row [values hidden]" in messages
    assert not [message for message in messages if MARKER in message]
