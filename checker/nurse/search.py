"""Finding saved calls at scale: indexed name and record-number matches, and cheap pages.

Names are matched word by word anywhere in the name. Words of three letters or more use the
trigram index of migration 0004 (FTS5 on SQLite, pg_trgm on PostgreSQL); shorter words, which
no trigram covers, are matched by a scan, which is still right, only slower; so is a record
number, compared without case, spaces or dashes. A page of results is read as one row more
than it shows, so no query ever counts every matching call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select, text

from checker.extensions import db
from checker.nurse.models import Encounter

TRIGRAM = 3  # the shortest word a trigram index can find
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
    space, dash, nothing = (literal_column(q) for q in ("' '", "'-'", "''"))
    return func.lower(func.replace(func.replace(column, space, nothing), dash, nothing))


def _escape(word: str) -> str:
    """Make % and _ in a LIKE pattern match themselves."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_has(word: str) -> ColumnElement[bool]:
    """Encounters whose patient's name contains the word, ignoring case."""
    anywhere = Encounter.patient_name.ilike(f"%{_escape(word)}%", escape="\\")
    if len(word) < TRIGRAM or db.engine.dialect.name != "sqlite":
        return anywhere  # PostgreSQL's planner takes the pg_trgm index for ILIKE itself
    phrase = '"' + word.replace('"', '""') + '"'  # an FTS5 string: a trigram phrase
    hits = (
        select(literal_column("rowid"))
        .select_from(text("encounter_name"))
        .where(
            # unique: two words make two subqueries, each with its own phrase
            text("encounter_name MATCH :phrase").bindparams(
                bindparam("phrase", phrase, unique=True)
            )
        )
    )
    return Encounter.id.in_(hits.scalar_subquery())


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


def page_of(query: Select[tuple[Encounter]], number: int, size: int) -> Page:
    """One page of a query, reading one row more than it shows instead of counting them all."""
    rows = list(db.session.scalars(query.limit(size + 1).offset((number - 1) * size)))
    return Page(rows[:size], number, len(rows) > size)
