"""The call's plan: the action the nurse took, the patient's agreement and the call-back plan.

New columns on `encounter`, an append-only table. Each has a server default, so calls saved
before read as "not recorded": an empty string, or NULL for the nurse's call-back time. Adding a
column with a default changes no stored row (no UPDATE runs, so the table's triggers stay quiet,
and SQLite copies no table).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "encounter"
COLUMNS = (
    sa.Column("action_taken", sa.String(40), nullable=False, server_default=""),
    sa.Column("patient_agreement", sa.String(20), nullable=False, server_default=""),
    sa.Column("disagreement_reason", sa.Text(), nullable=False, server_default=""),
    sa.Column("callback_signs_given", sa.String(10), nullable=False, server_default=""),
    sa.Column("nurse_callback_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade():
    for column in COLUMNS:
        op.add_column(TABLE, column)


def downgrade():
    # One batch, so SQLite copies the table once; its triggers are made again by 0003's names.
    for column in reversed(COLUMNS):
        op.drop_column(TABLE, column.name)
