"""Recovery follow-up: enrolments, their end, check-ins, reviews, call links, reminders, purges.

The record tables refuse UPDATE always and DELETE unless the retention job has first written a
`followup_purge` row naming the enrolment (see checker/followup/retention.py), so rows go only
by that logged path. PostgreSQL also refuses TRUNCATE.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Each record table and the column naming its enrolment.
RECORD_TABLES = {
    "followup_enrolment": "id",
    "followup_end": "enrolment_id",
    "followup_checkin": "enrolment_id",
    "followup_review": "enrolment_id",
    "followup_call": "enrolment_id",
}
PURGE_TABLE = "followup_purge"
PG_FUNCTION = "followup_refuse_change"
MESSAGE = "rows are part of the record and cannot be changed or deleted"


def _timestamp(name, **kw):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, **kw)


def _create_tables():
    op.create_table(
        "followup_enrolment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False),
        sa.Column("nurse_name", sa.String(80), nullable=False),
        _timestamp("created_at"),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("record_number", sa.String(64), nullable=False),
        sa.Column("procedure_type", sa.String(40), nullable=False),
        sa.Column("procedure_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("follow_days", sa.Integer(), nullable=False),
        sa.Column("consent_note", sa.Text(), nullable=False),
    )
    op.create_index("ix_followup_enrolment_nurse_id", "followup_enrolment", ["nurse_id"])
    op.create_index("ix_followup_enrolment_record_number", "followup_enrolment",
                    ["record_number"])
    op.create_table(
        "followup_end",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("followup_enrolment.id"),
                  nullable=False, unique=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False),
        sa.Column("nurse_name", sa.String(80), nullable=False),
        _timestamp("at"),
        sa.Column("reason", sa.Text(), nullable=False),
    )
    op.create_table(
        "followup_checkin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("followup_enrolment.id"),
                  nullable=False),
        _timestamp("submitted_at"),
        sa.Column("day_count", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("disposition", sa.String(40), nullable=False),
        sa.Column("pain_score", sa.Integer(), nullable=True),
        sa.Column("protocol_id", sa.String(100), nullable=False),
        sa.Column("protocol_version", sa.String(40), nullable=False),
        sa.Column("protocol_sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_followup_checkin_enrolment_id", "followup_checkin", ["enrolment_id"])
    op.create_index("ix_followup_checkin_submitted_at", "followup_checkin", ["submitted_at"])
    op.create_table(
        "followup_review",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("followup_enrolment.id"),
                  nullable=False),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("followup_checkin.id"),
                  nullable=False),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False),
        sa.Column("nurse_name", sa.String(80), nullable=False),
        _timestamp("at"),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_followup_review_enrolment_id", "followup_review", ["enrolment_id"])
    op.create_index("ix_followup_review_checkin_id", "followup_review", ["checkin_id"])
    op.create_table(
        "followup_call",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("followup_enrolment.id"),
                  nullable=False),
        sa.Column("checkin_id", sa.Integer(), sa.ForeignKey("followup_checkin.id"),
                  nullable=False),
        sa.Column("encounter_id", sa.Integer(), sa.ForeignKey("encounter.id"), nullable=False,
                  unique=True),
        _timestamp("at"),
    )
    op.create_index("ix_followup_call_enrolment_id", "followup_call", ["enrolment_id"])
    op.create_index("ix_followup_call_checkin_id", "followup_call", ["checkin_id"])
    op.create_table(
        "followup_reminder",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("followup_enrolment.id"),
                  nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        _timestamp("claimed_at"),
        sa.UniqueConstraint("enrolment_id", "day", name="uq_followup_reminder_day"),
    )
    op.create_table(
        PURGE_TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), nullable=False, unique=True),
        _timestamp("enrolled_at"),
        _timestamp("purged_at"),
        sa.Column("retention_days", sa.Integer(), nullable=False),
    )


def _sqlite_triggers():
    raise_ = lambda table: f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"  # noqa: E731
    statements = []
    for table, column in RECORD_TABLES.items():
        statements.append(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                          f"{raise_(table)}")
        # Deleting is allowed only once the retention job has recorded the enrolment's purge.
        statements.append(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {PURGE_TABLE} "
            f"WHERE {PURGE_TABLE}.enrolment_id = OLD.{column}) {raise_(table)}")
    for verb in ("UPDATE", "DELETE"):
        statements.append(f"CREATE TRIGGER {PURGE_TABLE}_no_{verb.lower()} BEFORE {verb} "
                          f"ON {PURGE_TABLE} {raise_(PURGE_TABLE)}")
    return statements


def _postgres_triggers():
    statements = [
        # TG_ARGV[0] names the enrolment column; a purge row for it lets a DELETE through.
        f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' AND TG_NARGS > 0 AND EXISTS (SELECT 1 FROM followup_purge "
        "WHERE enrolment_id = (to_jsonb(OLD) ->> TG_ARGV[0])::integer) THEN RETURN OLD; "
        f"END IF; RAISE EXCEPTION '% {MESSAGE}', TG_TABLE_NAME "
        "USING ERRCODE = 'integrity_constraint_violation'; END $$"
    ]
    tables = {**RECORD_TABLES, PURGE_TABLE: None}
    for table, column in tables.items():
        argument = f"'{column}'" if column else ""
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}({argument})")
        statements.append(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()")
    return statements


def upgrade():
    _create_tables()
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    # Dropping a table drops its triggers on both databases.
    for table in (PURGE_TABLE, "followup_reminder", "followup_call", "followup_review",
                  "followup_checkin", "followup_end", "followup_enrolment"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
