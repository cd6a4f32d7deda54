"""One stored check-in per submission, and new codes for a running follow-up.

- `followup_checkin.submission_id`: the submission's key (the check-in form's id together with
  what was shown, checker/followup/checkin.py), unique per enrolment, so a double tap, Back and
  send again, or many identical posts at once store one check-in. Rows stored before keep NULL
  (NULLs never collide in a unique index, on SQLite or PostgreSQL), so their seals are unchanged.
- `followup_code`: a code a nurse issued in place of a lost sheet; only its sha256 is kept. The
  newest one opens the follow-up and voids the enrolment's first code and every one before it.
  Rows are never changed; they go with their enrolment (ON DELETE CASCADE), which the database
  allows only once a purge record names it, as for the other follow-up tables.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CHECKINS = "followup_checkin"
SUBMISSION_INDEX = "uq_followup_checkin_submission"
CODES = "followup_code"
MESSAGE = "rows are part of the record and cannot be changed or deleted"
# Made by migration 0005: refuses UPDATE, and DELETE unless a purge record names the enrolment.
PG_FUNCTION = "followup_refuse_change"


def _sqlite_triggers():
    raise_ = f"BEGIN SELECT RAISE(ABORT, '{CODES} {MESSAGE}'); END"
    return [
        f"CREATE TRIGGER {CODES}_no_update BEFORE UPDATE ON {CODES} {raise_}",
        f"CREATE TRIGGER {CODES}_no_delete BEFORE DELETE ON {CODES} "
        f"WHEN NOT EXISTS (SELECT 1 FROM followup_purge "
        f"WHERE followup_purge.enrolment_id = OLD.enrolment_id) {raise_}",
    ]


def _postgres_triggers():
    return [
        f"CREATE TRIGGER {CODES}_append_only BEFORE UPDATE OR DELETE ON {CODES} "
        f"FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}('enrolment_id')",
        f"CREATE TRIGGER {CODES}_no_truncate BEFORE TRUNCATE ON {CODES} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()",
    ]


def upgrade():
    # A nullable column and a unique index: no table copy on SQLite, so its triggers stay.
    op.add_column(CHECKINS, sa.Column("submission_id", sa.String(64), nullable=True))
    op.create_index(SUBMISSION_INDEX, CHECKINS, ["enrolment_id", "submission_id"], unique=True)
    op.create_table(
        CODES,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(),
                  sa.ForeignKey("followup_enrolment.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False),
        sa.Column("nurse_name", sa.String(80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_followup_code_enrolment_id", CODES, ["enrolment_id"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade():
    # Dropping the table drops its triggers on both databases.
    op.drop_table(CODES)
    op.drop_index(SUBMISSION_INDEX, table_name=CHECKINS)
    op.drop_column(CHECKINS, "submission_id")
