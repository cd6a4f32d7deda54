"""The end-of-request clean-up survives a database that went away after the last query."""

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from checker.extensions import db
from tests.checker.samples import make_app


def _dead_connection(self: Session) -> Any:
    """What closing a session does when the server shut down under it."""
    raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))


def test_a_page_still_answers_when_the_rollback_at_the_end_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = make_app()
    app.add_url_rule("/probe", "probe", lambda: str(db.session.execute(db.text("SELECT 1"))
                                                     .scalar()))
    monkeypatch.setattr(Session, "close", _dead_connection)
    response = app.test_client().get("/probe")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "1"
    with app.app_context():
        # The broken session was forgotten, so the next request starts with a new one.
        monkeypatch.undo()
        assert db.session.execute(db.text("SELECT 1")).scalar() == 1
