"""Search at scale: names through the trigram index, and pages that never count every call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Select, event, select, text

from checker.extensions import db
from checker.nurse import search
from checker.nurse.models import Encounter
from checker.nurse.search import name_has
from tests.nurse.test_records import find, save


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app runs inside the block."""
    seen: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plan(app: Flask, word: str, finder: Callable[[str], Select[Any]] | None = None) -> str:
    """How the database means to run a name search for one word (or the finder's query)."""
    with app.app_context():
        query = finder(word) if finder else select(Encounter.id).where(name_has(word))
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
                return " ".join(str(row[-1]) for row in rows)
            connection.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: ask for it
            rows = connection.execute(text(f"EXPLAIN {compiled}")).all()
            return " ".join(row[0] for row in rows)


def test_a_name_word_is_found_through_the_trigram_index(app: Flask, client: FlaskClient) -> None:
    save(client, patient_name="Harriet Quimby")
    described = plan(app, "quimb", search.matches)  # the page is then read by their ids
    assert "encounter_name" in described or "ix_encounter_name_trgm" in described
    assert "VIRTUAL TABLE INDEX" in described or "Bitmap Index Scan" in described


def test_a_name_fragment_is_found_whatever_its_case(client: FlaskClient) -> None:
    save(client, patient_name="Harriet Quimby")
    save(client, patient_name="Amelia Earhart")
    page = find(client, name="QUIMB")
    assert "Harriet Quimby" in page and "Amelia Earhart" not in page
    short = find(client, name="qu")  # two letters: no trigram, still found
    assert "Harriet Quimby" in short and "Amelia Earhart" not in short


def test_a_call_saved_after_the_index_was_built_is_found(client: FlaskClient) -> None:
    save(client, patient_name="Bessie Coleman")
    assert "Bessie Coleman" in find(client, name="Coleman")
    save(client, patient_name="Jacqueline Cochran")
    assert "Jacqueline Cochran" in find(client, name="Cochran")


def test_a_page_of_results_never_counts_every_call(app: Flask, client: FlaskClient) -> None:
    for number in range(3):
        save(client, patient_name=f"Patient {number}")
    with statements(app) as seen:
        page = find(client, name="patient")
        client.get("/nurse/encounters")
    assert "Patient 0" in page
    assert not [s for s in seen if "count(" in s.lower()]


NAMES = ["Mary Jones", "Mary Johnson", "Jon Maryon", "Anne Jonas", "Bo Li", "Marylou Smith",
         "Kate O'Neil", "Liam Marlow", "Maria Lopez", "Jonah Li"]
TERMS = ["mary", "jon", "Jones, Mary", "li", "ary", "o'n", "zzz", "MARY jon", "ma", "lopez"]


@pytest.mark.parametrize("dense_at", [0, 2, 10_000], ids=["all-common", "some", "all-rare"])
def test_common_and_rare_words_find_what_a_plain_scan_finds_in_the_same_order(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, dense_at: int
) -> None:
    monkeypatch.setattr(search, "DENSE_AT", dense_at)
    for name in NAMES:
        save(client, patient_name=name)
    with app.app_context():
        everyone = list(db.session.scalars(
            select(Encounter).order_by(Encounter.started_at.desc(), Encounter.id.desc())))
        for term in TERMS:
            words = term.replace(",", " ").lower().split()
            expected = [e.id for e in everyone
                        if all(w in e.patient_name.lower() for w in words)]
            query = select(Encounter).where(search.name_has(*term.replace(",", " ").split()))
            query = query.order_by(Encounter.started_at.desc(), Encounter.id.desc())
            found: list[int] = []
            for number in range(1, len(NAMES) + 2):  # every page of two
                page = search.page_of(query, number, 2)
                found += [e.id for e in page.items]
                if not page.has_next:
                    break
            assert found == expected, term


def test_a_common_word_is_searched_by_the_newest_first_walk(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "DENSE_AT", 2)
    for name in NAMES[:4]:
        save(client, patient_name=name)
    with app.app_context():
        assert search.is_common("mary") and not search.is_common("lopez")
        assert not search.is_common("mary", "jones")  # together they are rare
    assert "encounter_name" not in plan(app, "mary") and "trgm" not in plan(app, "mary")


def test_a_name_is_common_when_the_latest_calls_hold_a_page_of_it(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PAGE_AT", 2)
    monkeypatch.setattr(search, "RECENT", 3)
    for name in ["Ann Lopez", "Bea Lopez", "Cy Smith", "Di Smith", "Ed Jones"]:  # oldest first
        save(client, patient_name=name)
    with app.app_context():
        # SQLite walks past a call without reading it: there the trigram table's count decides.
        lately = db.engine.dialect.name != "sqlite"
        assert search.is_common("smith") is lately  # two of the latest three
        assert not search.is_common("lopez")  # two as well, but before the latest three
        assert not search.is_common("smith", "di")  # together rarer than either
    page = find(client, name="Smith, Di")
    assert "Di Smith" in page and "Cy Smith" not in page
