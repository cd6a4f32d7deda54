"""A second factor for local accounts: TOTP secrets, recovery codes, their uses and ends.

Account data, not patient records, so no seal; rows are only ever added (a factor ends by a
`second_factor_end` row, each use is a `second_factor_use` row), so the app's role keeps only
SELECT and INSERT on them (scripts/db-roles).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "second_factor",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_second_factor_nurse_id", "second_factor", ["nurse_id"])
    op.create_table(
        "second_factor_end",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("factor_id", sa.Integer(), sa.ForeignKey("second_factor.id"), nullable=False,
                  unique=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("factor_id", sa.Integer(), sa.ForeignKey("second_factor.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_recovery_code_factor_id", "recovery_code", ["factor_id"])
    op.create_table(
        "second_factor_use",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("factor_id", sa.Integer(), sa.ForeignKey("second_factor.id"), nullable=False),
        sa.Column("step", sa.BigInteger(), nullable=True),
        sa.Column("code_id", sa.Integer(), sa.ForeignKey("recovery_code.id"), nullable=True,
                  unique=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("factor_id", "step", name="uq_second_factor_use_step"),
    )
    op.create_index("ix_second_factor_use_factor_id", "second_factor_use", ["factor_id"])


def downgrade():
    op.drop_table("second_factor_use")
    op.drop_table("recovery_code")
    op.drop_table("second_factor_end")
    op.drop_table("second_factor")
