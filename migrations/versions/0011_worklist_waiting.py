"""The worklist's waiting check-ins, kept by the database itself.

The worklist's first question is which check-ins nobody has reviewed yet. Asked of the
check-ins themselves (each one without a review), the answer costs a look at every check-in
ever stored: 1.4 million at 50,000 followed patients. `followup_waiting` holds one row for
each check-in not yet reviewed, and only the database writes it: a trigger adds a check-in's
row when it is stored and takes it away when its first review is stored (or the check-in is
removed by the retention purge). The app's role may only read it (scripts/db-roles), so
nobody can take a check-in off the worklist except by writing a review, which is a record.
The rows are filled from the records when the table is made.

Also an index on check-ins by enrolment and time, for each patient's newest check-in, and on
PostgreSQL one on enrolments by lower-case name and id, the order of the patients with nothing
to review: a page of them is read along it instead of sorting them all (kept out of the models,
as SQLite's reflection cannot read an index on an expression; checker/nurse/search.py
`outside_models`).

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "followup_waiting"
NAME_INDEX = "ix_followup_enrolment_name"  # PostgreSQL only, outside the models
COLUMNS = "checkin_id, enrolment_id, submitted_at, disposition, ends_on"
# The last day of the follow-up, from its enrolment (a row that never changes).
ENDS_ON = {"postgresql": "e.procedure_date + e.follow_days",
           "sqlite": "date(e.procedure_date, '+' || e.follow_days || ' days')"}


def _fill(dialect):
    return (f"INSERT INTO {TABLE} ({COLUMNS}) SELECT c.id, c.enrolment_id, c.submitted_at, "
            f"c.disposition, {ENDS_ON[dialect]} FROM followup_checkin c "
            "JOIN followup_enrolment e ON e.id = c.enrolment_id WHERE NOT EXISTS "
            "(SELECT 1 FROM followup_review r WHERE r.checkin_id = c.id)")


def _triggers(dialect):
    """(trigger, its table, when, what it does to followup_waiting)"""
    return (
        ("followup_waiting_add", "followup_checkin", "AFTER INSERT",
         f"INSERT INTO {TABLE} ({COLUMNS}) SELECT NEW.id, NEW.enrolment_id, NEW.submitted_at, "
         f"NEW.disposition, {ENDS_ON[dialect]} FROM followup_enrolment e "
         "WHERE e.id = NEW.enrolment_id;"),
        ("followup_waiting_reviewed", "followup_review", "AFTER INSERT",
         f"DELETE FROM {TABLE} WHERE checkin_id = NEW.checkin_id;"),
        ("followup_waiting_removed", "followup_checkin", "AFTER DELETE",
         f"DELETE FROM {TABLE} WHERE checkin_id = OLD.id;"),
    )


def _postgres_schema():
    """The schema being migrated on PostgreSQL; None on SQLite."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    return bind.exec_driver_sql("SELECT current_schema()").scalar()


def upgrade():
    op.create_table(
        TABLE,
        # No foreign key: the row goes by trigger before its check-in does.
        sa.Column("checkin_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disposition", sa.String(40), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
    )
    op.create_index("ix_followup_waiting_enrolment_id", TABLE, ["enrolment_id"])
    op.create_index("ix_followup_checkin_enrolment_time", "followup_checkin",
                    ["enrolment_id", "submitted_at"])
    schema = _postgres_schema()
    dialect = "sqlite" if schema is None else "postgresql"
    if schema is not None:
        op.execute(f"CREATE INDEX {NAME_INDEX} ON followup_enrolment (lower(patient_name), id)")
    op.execute(_fill(dialect))
    for name, table, when, body in _triggers(dialect):
        if schema is None:
            op.execute(f"CREATE TRIGGER {name} {when} ON {table} BEGIN {body} END")
            continue
        # The owner's rights (SECURITY DEFINER): the app's role, which stores check-ins and
        # reviews, may not write this table itself.
        op.execute(
            f'CREATE FUNCTION "{schema}".{name}() RETURNS trigger LANGUAGE plpgsql '
            f'SECURITY DEFINER SET search_path = pg_catalog, "{schema}", pg_temp AS $$ '
            f"BEGIN {body} RETURN NULL; END $$")
        op.execute(f"REVOKE ALL ON FUNCTION \"{schema}\".{name}() FROM PUBLIC")
        op.execute(f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW "
                   f'EXECUTE FUNCTION "{schema}".{name}()')


def downgrade():
    schema = _postgres_schema()
    for name, table, _when, _body in _triggers("sqlite" if schema is None else "postgresql"):
        op.execute(f"DROP TRIGGER {name} ON {table}" if schema else f"DROP TRIGGER {name}")
        if schema:
            op.execute(f'DROP FUNCTION "{schema}".{name}()')
    if schema is not None:
        op.execute(f"DROP INDEX {NAME_INDEX}")
    op.drop_index("ix_followup_checkin_enrolment_time", "followup_checkin")
    op.drop_index("ix_followup_waiting_enrolment_id", TABLE)
    op.drop_table(TABLE)
