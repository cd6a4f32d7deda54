"""With the database down, the record's pages answer 503 and a typed addendum stays on screen."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select

from checker.database import engine_options
from checker.extensions import db
from checker.nurse.models import Addendum
from tests.nurse.test_records import save

ADDENDUM = "Rang back at 14:10: pain settled after paracetamol & rest <3"


@contextmanager
def down(app: Flask, tmp_path: Path) -> Iterator[None]:
    """Swap in an engine of the same kind that cannot connect (a real driver error), then back."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            url = db.engine.url.set(host="127.0.0.1", port=1, query={"connect_timeout": "3"})
        else:
            url = make_url(f"sqlite:///{tmp_path}/no/such/folder/db.sqlite")
        broken = create_engine(url, **engine_options(None))
        working = db.engines[None]
        db.engines[None] = broken
    try:
        yield
    finally:
        with app.app_context():
            db.engines[None] = working
        broken.dispose()


@pytest.fixture
def database_down(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The database is unreachable for the whole test."""
    with down(app, tmp_path):
        yield


def _assert_outage_page(response: object, what: str) -> str:
    """A 503 with the emergency line and a way to reach the doctor; return the page."""
    html = unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]
    assert response.status_code == 503, what  # type: ignore[attr-defined]
    assert "record system is unavailable" in html, what
    assert 'href="tel:911"' in html and "discharge papers" in html, what
    return html


@pytest.mark.parametrize("path", ["/nurse/encounters", "/nurse/encounters/{id}",
                                  "/nurse/encounters/{id}/note.txt",
                                  "/nurse/encounters/{id}/print", "/nurse/audit"])
def test_the_record_pages_answer_503_with_the_emergency_line(
    app: Flask, admin: FlaskClient, database_down: None, path: str
) -> None:
    _assert_outage_page(admin.get(path.format(id=1)), path)


def test_a_search_answers_503_with_the_emergency_line(
    app: Flask, admin: FlaskClient, database_down: None
) -> None:
    _assert_outage_page(admin.post("/nurse/encounters/search", data={"name": "Quimby"}),
                        "search")


def test_a_typed_addendum_is_shown_again_to_copy_or_resend(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    encounter_id = save(client)
    with down(app, tmp_path):
        response = client.post(f"/nurse/encounters/{encounter_id}/addenda",
                               data={"text": ADDENDUM})
    html = _assert_outage_page(response, "addendum")
    assert re.search(r'<textarea[^>]* name="text"[^>]*>\s*' + re.escape(ADDENDUM) + "</textarea>",
                     html)
    assert f'action="/nurse/encounters/{encounter_id}/addenda"' in html
    # Sent again once the database is back, the same text is saved once.
    resent = client.post(f"/nurse/encounters/{encounter_id}/addenda", data={"text": ADDENDUM})
    assert resent.status_code == 302
    with app.app_context():
        assert list(db.session.scalars(select(Addendum.text))) == [ADDENDUM]
