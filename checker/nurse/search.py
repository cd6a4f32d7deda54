"""Finding saved calls at scale: indexed name and record-number matches, and cheap pages.

Names are matched word by word anywhere in the name, along one of two paths. Calls with words
that many calls hold are found by walking the calls newest first (on migration 0006's index
of each call's start and name) until a page is full, by a test no name index can serve.
Others are listed by the trigram index of migration 0004 (FTS5 on SQLite, pg_trgm on
PostgreSQL) for every word of three letters or more, shorter words tested on the calls it
lists: listing and sorting tens of thousands of matches is the slow case, which the walk
avoids. Names of short words alone, which no trigram covers, take the walk, which is always
right; so does a record number, compared without case, spaces or dashes.

Which path a name takes differs with the database. SQLite tests each name on the index's own
copy, so the walk costs little whenever the trigram table finds the words in more than
DENSE_AT calls. PostgreSQL reads every call it walks past: it walks only when PAGE_AT of the
latest RECENT calls hold every word (read from the index alone, no call), and otherwise reads
the page from the calls the trigram index lists (no further than DENSE_AT) by their ids, so it
never guesses how many there are: a wrong guess had it walk most calls for a rare name. A page
reads one row more than it shows, so no query ever counts every matching call, and only the
columns a list shows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row

from checker.extensions import db
from checker.nurse.models import Encounter

TRIGRAM = 3  # the shortest word a trigram index can find
# A word found in more calls than this is common: the newest-first walk finds a page of it
# sooner than the index can list and sort every match (bench/search.py measures both).
DENSE_AT = 2000
# The latest calls a name is first looked for among, and how many of them must hold it for
# the walk to meet a page of it at once (a page and one more), reading only an index.
RECENT = 10_000
PAGE_AT = 21
# What a page of calls shows (templates/nurse/encounters.html): a call's answers, assessment
# and note are not read for it, nor its nurse's account (the name is on the call).
LISTED = (Encounter.id, Encounter.started_at, Encounter.patient_name, Encounter.date_of_birth,
          Encounter.record_number, Encounter.final_disposition, Encounter.nurse_name)
# Made by migration 0004 by hand, not by the models: the FTS5 table (and the shadow tables it
# keeps, named after it) on SQLite, the pg_trgm index on PostgreSQL.
NAME_INDEX = "encounter_name"
TRIGRAM_INDEX = "ix_encounter_name_trgm"
# The worklist's order of enrolments by lower-case name (migration 0011, PostgreSQL only).
WORKLIST_NAME_INDEX = "ix_followup_enrolment_name"


def outside_models(
    item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any
) -> bool:
    """For Alembic's include_object: leave out the indexes the models do not declare."""
    if kind == "table" and name is not None and name.startswith(NAME_INDEX):
        return False
    return not (kind == "index" and name in (TRIGRAM_INDEX, WORKLIST_NAME_INDEX))


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

    Common words are left to the newest-first walk, by a test no name index can serve; the
    name index lists the calls holding rarer ones.
    """
    listed = _by_index(words)
    if listed is not None:
        return listed
    return and_(*(_scanned(Encounter.patient_name, word) for word in words))


def _by_index(words: Sequence[str]) -> ColumnElement[bool] | None:
    """The calls holding every word as the name index lists them; None when the walk is quicker.

    On PostgreSQL the page is read from those calls by their ids, so the database never
    guesses how many there are (a wrong guess had it walk most calls for a rare name).
    """
    indexed = [word for word in words if len(word) >= TRIGRAM]
    if not indexed:
        return None
    if db.engine.dialect.name == "sqlite":
        # SQLite tests each name on the index's own copy and reads no call the walk passes
        # over: the walk serves any words the trigram table finds in many calls.
        if db.session.scalar(_fts_hits(indexed).offset(DENSE_AT).limit(1)) is not None:
            return None
        shorter = [_scanned(Encounter.patient_name, w) for w in words if len(w) < TRIGRAM]
        return and_(_indexed(indexed), *shorter)
    # PostgreSQL reads every call it walks past: only words common among the latest calls
    # take the walk, and the index lists the calls holding all the others.
    if _common_lately(words):
        return None
    ids = _read(matches(*words))
    if len(ids) > DENSE_AT:
        return None
    # One array, not a parameter per id (14 ms of Python for 2,000 ids).
    return Encounter.id == any_(literal(ids, ARRAY(Integer)))


def _read(query: Select[Any]) -> list[Any]:
    """What a query lists, read on the session's connection without the ORM's work on each row.

    That work cost more than the query itself for the 2,001 ids of a name's matches.
    """
    db.session.flush()  # as the session's own queries do, so they see what it holds
    return list(db.session.connection().execute(query).scalars())


def _scanned(column: Any, word: str) -> ColumnElement[bool]:
    """The word as a test of each name, which no index can serve and no planner can estimate.

    So the database takes a third of the calls to pass each such test, and walks them newest
    first: a LIKE, which it estimates, it took as rarer for two words such as "Torros, Ros"
    (every call with the one holds the other) and read and sorted all million calls instead.
    """
    position = func.instr if db.engine.dialect.name == "sqlite" else func.strpos
    return position(func.lower(column), func.lower(literal(word))) > 0


def _common_lately(words: Sequence[str]) -> bool:
    """Whether the latest RECENT calls hold PAGE_AT calls with every word.

    Read from the index of the calls' starts and names alone, without the calls themselves.
    """
    latest = (select(Encounter.patient_name).order_by(Encounter.started_at.desc())
              .limit(RECENT).subquery())
    found = (select(latest.c.patient_name)
             .where(*(_scanned(latest.c.patient_name, word) for word in words)).limit(PAGE_AT))
    return len(_read(found)) >= PAGE_AT


def matches(*words: str) -> Select[int]:
    """The ids of calls whose name holds every word, found through the name index.

    At most DENSE_AT and one more: beyond that the words are common, and the walk serves them.
    Words shorter than a trigram are tested on the calls the others found.
    """
    indexed = [word for word in words if len(word) >= TRIGRAM]
    shorter = [_scanned(Encounter.patient_name, word) for word in words if len(word) < TRIGRAM]
    return select(Encounter.id).where(_indexed(indexed), *shorter).limit(DENSE_AT + 1)


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
    """Whether the newest-first walk serves these words rather than the name index."""
    return _by_index(words) is None


@dataclass
class Page:
    """One page of results, knowing only whether there is a page before and after it."""

    items: list[Row[*tuple[Any, ...]]]  # the columns LISTED, by name
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
    """One page of a query, reading one row more than it shows instead of counting them all.

    A page lists calls, it does not load them: each item is a row of the columns a list shows,
    read without the ORM's objects, which the commit of the audit event naming them would
    expire and have the page read again one by one (every column, answers and all).
    """
    listed = query.with_only_columns(*LISTED).limit(size + 1).offset((number - 1) * size)
    rows = list(db.session.execute(listed))
    return Page(rows[:size], number, len(rows) > size)
