"""Single sign-on: who signs in as which nurse at the clinic's identity provider, and a record
of every sign-in, refusal and sign-out made through it.

`nurse_identity` keys a nurse by the provider (issuer) and the account's subject there, never
by an e-mail address. `sign_in_event` names the issuer and subject of each sign-in, refusal and
sign-out, never a token; it is sealed in the keyed chain like every record, and the database
refuses to change or delete its rows as it does theirs (migration 0003's triggers). Both are
only ever added to, so the app's role keeps only SELECT and INSERT on them (scripts/db-roles).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

EVENTS = "sign_in_event"
MESSAGE = f"{EVENTS} rows are part of the record and cannot be changed or deleted"


def _triggers(dialect):
    """The statements that make the events table append-only, as 0003 does for records."""
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {EVENTS}_append_only BEFORE UPDATE OR DELETE ON {EVENTS} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_record_change()",
            f"CREATE TRIGGER {EVENTS}_no_truncate BEFORE TRUNCATE ON {EVENTS} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_record_change()",
        ]
    return [f"CREATE TRIGGER {EVENTS}_no_{verb.lower()} BEFORE {verb} ON {EVENTS} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END" for verb in ("UPDATE", "DELETE")]


def upgrade():
    op.create_table(
        "nurse_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=False,
                  unique=True),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("issuer", "subject", name="uq_nurse_identity_subject"),
    )
    op.create_table(
        EVENTS,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("nurse_id", sa.Integer(), sa.ForeignKey("nurse.id"), nullable=True),
        sa.Column("reason", sa.String(80), nullable=False),
    )
    op.create_index("ix_sign_in_event_at", EVENTS, ["at"])
    op.create_index("ix_sign_in_event_nurse_id", EVENTS, ["nurse_id"])
    for statement in _triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    op.drop_table(EVENTS)
    op.drop_table("nurse_identity")
