"""Finding saved calls at scale: indexed name and record-number matches, and cheap pages.

Names are matched word by word anywhere in the name. A word of three letters or more that few
calls share is found through the trigram index of migration 0004 (FTS5 on SQLite, pg_trgm on
PostgreSQL), and its matches are sorted newest first. A common word is not: listing and sorting
tens of thousands of matches is the slow case, while walking the calls newest first (the
index on their start) meets a page of them almost at once. Which case a word is comes from the
index itself, counting no further than DENSE_AT. Shorter words, which no trigram covers, take
the walk too, which is always right; so does a record number, compared without case, spaces or
dashes. A page of results is read as one row more than it shows, so no query ever counts every
matching call.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)

from checker.extensions import db
from checker.nurse.models import Encounter

TRIGRAM = 3  # the shortest word a trigram index can find
# A word found in more calls than this is common: the newest-first walk finds a page of it
# sooner than the index can list and sort every match (bench/search.py measures both).
DENSE_AT = 2000
# Made by migration 0004 by hand, not by the models: the FTS5 table (and the shadow tables it
# keeps, named after it) on SQLite, the pg_trgm index on PostgreSQL.
NAME_INDEX = "encounter_name"
TRIGRAM_INDEX = "ix_encounter_name_trgm"


def outside_models(
    item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's include_object: leave out the search indexes the models do not declare."""
    if kind == "table" and name is not None and name.startswith(NAME_INDEX):
        return False
    return not (kind == "index" and name == TRIGRAM_INDEX)


def record_key(column: Any) -> ColumnElement[str]:
    """A record number without case, spaces or dashes."""
    space: ColumnClause[str] = literal_column("' '")
    dash: ColumnClause[str] = literal_column("'-'")
    nothing: ColumnClause[str] = literal_column("''")
    return func.lower(func.replace(func.replace(column, space, nothing), dash, nothing))


def _escape(word: str) -> str:
    """Make % and _ in a LIKE pattern match themselves."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_has(*words: str) -> ColumnElement[bool]:
    """Encounters whose patient's name holds every word, composed or decomposed alike.

    Names are stored composed (NFC) since input is composed on arrival; one saved before that
    may hold "José" as "e" and a combining accent, and is found by the same search.
    """
    together = [unicodedata.normalize("NFC", word) for word in words]
    apart = [unicodedata.normalize("NFD", word) for word in words]
    found = _name_has(*together)
    return found if apart == together else or_(found, _name_has(*apart))


def _name_has(*words: str) -> ColumnElement[bool]:
    """Encounters whose patient's name holds every word, anywhere and ignoring case.

    When few calls hold all the words, the trigram index lists them; when many do, the
    newest-first walk is left to find a page, by a test no name index can serve, so the
    database cannot take the slow path of listing and sorting them all.
    """
    indexed = [word for word in words if len(word) >= TRIGRAM]
    if not indexed or is_common(*indexed):
        return and_(*(_scanned(word) for word in words))
    shorter = [_scanned(word) for word in words if len(word) < TRIGRAM]
    return and_(_indexed(indexed), *shorter)


def _scanned(word: str) -> ColumnElement[bool]:
    """The word as a test of each name: ILIKE as SQLite spells it, which pg_trgm cannot serve."""
    return func.lower(Encounter.patient_name).like(func.lower(literal(f"%{_escape(word)}%")),
                                                   escape="\\")


def _indexed(words: list[str]) -> ColumnElement[bool]:
    """The words as the trigram index finds them (three letters or more each)."""
    if db.engine.dialect.name != "sqlite":
        # pg_trgm's index serves ILIKE on the column itself, each word's bitmap ANDed
        return and_(*(Encounter.patient_name.ilike(f"%{_escape(word)}%", escape="\\")
                      for word in words))
    return Encounter.id.in_(_fts_hits(words).scalar_subquery())


def _fts_hits(words: list[str]) -> Select[Any]:
    """The rowids of names holding every word, from SQLite's FTS5 trigram table."""
    # Each word an FTS5 string (a trigram phrase), all of them required.
    query = " AND ".join('"' + word.replace('"', '""') + '"' for word in words)
    return (
        select(literal_column("rowid"))
        .select_from(text(NAME_INDEX))
        .where(
            # unique: a query may hold more than one such subquery
            text("encounter_name MATCH :terms").bindparams(
                bindparam("terms", query, unique=True)
            )
        )
    )


def is_common(*words: str) -> bool:
    """Whether more than DENSE_AT calls hold every word, asking the index no further."""
    hits = (_fts_hits(list(words)) if db.engine.dialect.name == "sqlite"
            else select(Encounter.id).where(_indexed(list(words))))
    # The match after the first DENSE_AT, if there is one: the index stops there.
    return db.session.scalar(hits.offset(DENSE_AT).limit(1)) is not None


@dataclass
class Page:
    """One page of results, knowing only whether there is a page before and after it."""

    items: list[Encounter]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        """Whether newer results come before this page."""
        return self.page > 1

    @property
    def prev_num(self) -> int:
        """The number of the page before."""
        return self.page - 1

    @property
    def next_num(self) -> int:
        """The number of the page after."""
        return self.page + 1


def page_of(query: Select[Encounter], number: int, size: int) -> Page:
    """One page of a query, reading one row more than it shows instead of counting them all."""
    rows = list(db.session.scalars(query.limit(size + 1).offset((number - 1) * size)))
    return Page(rows[:size], number, len(rows) > size)
