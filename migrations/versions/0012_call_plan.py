"""The call's plan: the action the nurse took, the caller's agreement and the call-back plan.

New columns on `encounter`, an append-only table. All are nullable without a default: a call
saved before holds NULL in each, which the console shows as "not recorded". NULL also keeps
every older row's seal valid, since a row's digest leaves NULL columns out (docs/records.md,
"Columns added later"); a default would change what older rows hold and break their seals.
Adding a nullable column changes no stored row: no UPDATE runs, the table's triggers stay
quiet, and SQLite copies no table.

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


def _columns():
    return [
        sa.Column("action_taken", sa.String(40), nullable=True),
        sa.Column("agreement", sa.String(20), nullable=True),
        sa.Column("disagreement_reason", sa.Text(), nullable=True),
        sa.Column("call_back_signs_given", sa.Boolean(), nullable=True),
        sa.Column("nurse_call_back_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade():
    for column in _columns():
        op.add_column(TABLE, column)


def downgrade():
    # SQLite (3.35 and later) drops a column in place, so the table's triggers stay.
    for column in reversed(_columns()):
        op.drop_column(TABLE, column.name)
