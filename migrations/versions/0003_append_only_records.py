"""Append-only records: authors' names as written, a hash-chained audit log, and triggers.

Encounters, addenda and audit events refuse UPDATE and DELETE in the database itself (and
TRUNCATE on PostgreSQL), whatever path the change takes.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

RECORD_TABLES = ("encounter", "addendum", "audit_event")
# SQLite adds a NOT NULL column only with a default; the app always writes real values.
NEW_COLUMNS = {
    "encounter": [sa.Column("nurse_name", sa.String(length=80), nullable=False,
                            server_default="")],
    "addendum": [sa.Column("nurse_name", sa.String(length=80), nullable=False,
                           server_default="")],
    "audit_event": [
        sa.Column("nurse_name", sa.String(length=80), nullable=False, server_default=""),
        sa.Column("shown_ids", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("hash", sa.String(length=64), nullable=False, server_default=""),
    ],
}
PG_FUNCTION = "refuse_record_change"


def _sqlite_triggers(table):
    """Triggers that abort any UPDATE or DELETE of a row of the table."""
    return [
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} rows are part of the record and cannot be "
        f"changed or deleted'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def _postgres_triggers(table):
    """A row trigger for UPDATE and DELETE and a statement trigger for TRUNCATE."""
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


def upgrade():
    from checker.audit import seal_existing

    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            op.add_column(table, column)
    for table in RECORD_TABLES:
        # Rows written before names were kept take the author's name as it is now.
        op.execute(f"UPDATE {table} SET nurse_name = "
                   f"(SELECT nurse.username FROM nurse WHERE nurse.id = {table}.nurse_id)")
    seal_existing(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        # integrity_constraint_violation: drivers report it as an IntegrityError, as SQLite does.
        op.execute(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '% rows are part of the record and cannot be changed or deleted', "
            "TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
        statements = [s for table in RECORD_TABLES for s in _postgres_triggers(table)]
    else:
        statements = [s for table in RECORD_TABLES for s in _sqlite_triggers(table)]
    for statement in statements:
        op.execute(statement)


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in RECORD_TABLES:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if postgres:
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    for table, columns in NEW_COLUMNS.items():
        for column in reversed(columns):
            op.drop_column(table, column.name)
