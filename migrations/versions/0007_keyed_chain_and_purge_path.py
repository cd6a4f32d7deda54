"""The keyed chain that seals every record, reminders append-only, and the retention job's path.

- `record_seal`: one entry per record row (its sha256 digest), chained by HMAC-SHA256 with a key
  kept outside the database (AUDIT_KEY, or one derived from SECRET_KEY). The upgrade writes a
  first `chain-start` entry and then seals every record row already stored, as it stands at the
  upgrade: the chain is keyed from that marked point on (docs/records.md).
- `followup_reminder` refuses UPDATE, and DELETE without a purge record, as the other follow-up
  tables do.
- PostgreSQL: `followup_purge_ended(days)`, owned by the migrating (owner) role and run with its
  rights (SECURITY DEFINER), removes only follow-ups that ended more than `days` ago; EXECUTE is
  taken from PUBLIC (scripts/db-roles grants it to the purge role). A purge record can be
  inserted only by the table's owner (that function) or a superuser.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEAL_TABLE = "record_seal"
REMINDERS = "followup_reminder"
MESSAGE = "rows are part of the record and cannot be changed or deleted"
PURGE_FUNCTION = "followup_purge_ended"
PURGE_GUARD = "followup_purge_by_owner"
# Children first, so no foreign key is left pointing at a removed row.
CHILDREN = ("followup_call", "followup_review", "followup_checkin", "followup_reminder",
            "followup_end")
# A follow-up is over once its last day has passed, with a day's margin for the clinic's zone.
OVER_MARGIN_DAYS = 2


def _sqlite_statements():
    raise_ = lambda table: f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"  # noqa: E731
    return [
        f"CREATE TRIGGER {SEAL_TABLE}_no_update BEFORE UPDATE ON {SEAL_TABLE} {raise_(SEAL_TABLE)}",
        f"CREATE TRIGGER {SEAL_TABLE}_no_delete BEFORE DELETE ON {SEAL_TABLE} {raise_(SEAL_TABLE)}",
        f"CREATE TRIGGER {REMINDERS}_no_update BEFORE UPDATE ON {REMINDERS} {raise_(REMINDERS)}",
        f"CREATE TRIGGER {REMINDERS}_no_delete BEFORE DELETE ON {REMINDERS} "
        f"WHEN NOT EXISTS (SELECT 1 FROM followup_purge "
        f"WHERE followup_purge.enrolment_id = OLD.enrolment_id) {raise_(REMINDERS)}",
    ]


def _purge_function(schema):
    """The retention job's only way to delete: enrolments that ended more than `days` ago."""
    q = lambda table: f'"{schema}".{table}'  # noqa: E731
    deletes = " ".join(f"DELETE FROM {q(t)} WHERE enrolment_id = victim.id;" for t in CHILDREN)
    return (
        f"CREATE FUNCTION {q(PURGE_FUNCTION)}(keep_days integer) RETURNS SETOF integer "
        # The triggers it fires read the schema's tables; pg_catalog first, so nothing in the
        # schema can stand in for a built-in, and pg_temp last.
        f"LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, \"{schema}\", pg_temp "
        "AS $$ "
        "DECLARE victim record; cutoff timestamptz; BEGIN "
        "IF keep_days IS NULL OR keep_days < 1 THEN RAISE EXCEPTION "
        "'the retention period must be 1 day or more' USING ERRCODE = 'invalid_parameter_value'; "
        "END IF; cutoff := now() - make_interval(days => keep_days); "
        f"FOR victim IN SELECT e.id, e.created_at FROM {q('followup_enrolment')} e "
        f"LEFT JOIN {q('followup_end')} x ON x.enrolment_id = e.id "
        "WHERE GREATEST(e.created_at, LEAST(COALESCE(x.at, 'infinity'::timestamptz), "
        f"(e.procedure_date + e.follow_days + {OVER_MARGIN_DAYS})::timestamp AT TIME ZONE 'UTC'"
        ")) < cutoff ORDER BY e.id LOOP "
        f"INSERT INTO {q('followup_purge')} (enrolment_id, enrolled_at, purged_at, "
        "retention_days) VALUES (victim.id, victim.created_at, now(), keep_days); "
        f"{deletes} DELETE FROM {q('followup_enrolment')} WHERE id = victim.id; "
        "RETURN NEXT victim.id; END LOOP; END $$"
    )


def _postgres_statements(schema):
    return [
        *(f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
          f"FOR EACH ROW EXECUTE FUNCTION {fn}" for t, fn in (
              (SEAL_TABLE, "refuse_record_change()"),
              (REMINDERS, "followup_refuse_change('enrolment_id')"))),
        *(f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
          f"FOR EACH STATEMENT EXECUTE FUNCTION {fn}" for t, fn in (
              (SEAL_TABLE, "refuse_record_change()"), (REMINDERS, "followup_refuse_change()"))),
        # Whatever privileges a role was given by mistake, a purge record comes only from the
        # owner (inside followup_purge_ended) or a superuser.
        f"CREATE FUNCTION {PURGE_GUARD}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF current_user = (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = TG_RELID) "
        "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN RETURN NEW; "
        "END IF; RAISE EXCEPTION 'followup_purge rows are written only by the retention job' "
        "USING ERRCODE = 'insufficient_privilege'; END $$",
        f"CREATE TRIGGER followup_purge_owner_only BEFORE INSERT ON followup_purge "
        f"FOR EACH ROW EXECUTE FUNCTION {PURGE_GUARD}()",
        _purge_function(schema),
        f"REVOKE ALL ON FUNCTION {PURGE_FUNCTION}(integer) FROM PUBLIC",
    ]


def upgrade():
    from checker.audit import seal_existing_records

    op.create_table(
        SEAL_TABLE,
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.String(40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prev_mac", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.UniqueConstraint("record", "record_id", name="uq_record_seal_row"),
    )
    bind = op.get_bind()
    seal_existing_records(bind)
    if bind.dialect.name == "postgresql":
        schema = bind.execute(sa.text("SELECT current_schema()")).scalar()
        statements = _postgres_statements(schema)
    else:
        statements = _sqlite_statements()
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {PURGE_FUNCTION}(integer)")
        op.execute("DROP TRIGGER IF EXISTS followup_purge_owner_only ON followup_purge")
        op.execute(f"DROP FUNCTION IF EXISTS {PURGE_GUARD}()")
        op.execute(f"DROP TRIGGER IF EXISTS {REMINDERS}_append_only ON {REMINDERS}")
        op.execute(f"DROP TRIGGER IF EXISTS {REMINDERS}_no_truncate ON {REMINDERS}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {REMINDERS}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {REMINDERS}_no_delete")
    # Dropping the table drops its own triggers on both databases.
    op.drop_table(SEAL_TABLE)
