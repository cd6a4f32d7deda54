"""The retention purge in batches, its cost linear in the enrolments it removes.

PostgreSQL only (SQLite's triggers look the purge record up by its unique index each time):
- The follow-up tables' row trigger (`followup_refuse_change`, migration 0005) looks up, for each
  deleted row, the purge record naming its enrolment. Its query plan was made once, while
  `followup_purge` was empty, and kept: a scan of every purge record for every deleted row, so
  a purge of n enrolments cost n² reads. The function now plans that lookup each time, with the
  table as it is, which is its unique index. What it refuses is unchanged.
- `followup_purge_ended(days)` keeps its name, its rights (SECURITY DEFINER, owner only,
  EXECUTE granted to the purge role) and its one transaction, and removes the follow-ups over
  for longer than `days` PURGE_BATCH enrolments at a time: their purge records first, then
  their rows table by table, a handful of statements per batch.

Revision ID: 0009
Revises: 0008
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROW_FUNCTION = "followup_refuse_change"  # migration 0005
PURGE_FUNCTION = "followup_purge_ended"
# Children first, so no foreign key is left pointing at a removed row (followup_code goes
# with its enrolment: its foreign key cascades).
CHILDREN = ("followup_call", "followup_review", "followup_checkin", "followup_reminder",
            "followup_end")
OVER_MARGIN_DAYS = 2  # as in migration 0007 and checker/followup/retention.py
PURGE_BATCH = 1000


def _purge_function(schema, batch):
    q = lambda table: f'"{schema}".{table}'  # noqa: E731
    deletes = " ".join(f"DELETE FROM {q(t)} WHERE enrolment_id = ANY(victims);"
                       for t in CHILDREN)
    return (
        f"CREATE OR REPLACE FUNCTION {q(PURGE_FUNCTION)}(keep_days integer) "
        "RETURNS SETOF integer LANGUAGE plpgsql SECURITY DEFINER "
        f"SET search_path = pg_catalog, \"{schema}\", pg_temp AS $$ "
        "DECLARE victims integer[]; cutoff timestamptz; BEGIN "
        "IF keep_days IS NULL OR keep_days < 1 THEN RAISE EXCEPTION "
        "'the retention period must be 1 day or more' USING ERRCODE = 'invalid_parameter_value'; "
        "END IF; cutoff := now() - make_interval(days => keep_days); LOOP "
        f"SELECT array_agg(id ORDER BY id) INTO victims FROM (SELECT e.id FROM "
        f"{q('followup_enrolment')} e LEFT JOIN {q('followup_end')} x ON x.enrolment_id = e.id "
        "WHERE GREATEST(e.created_at, LEAST(COALESCE(x.at, 'infinity'::timestamptz), "
        f"(e.procedure_date + e.follow_days + {OVER_MARGIN_DAYS})::timestamp AT TIME ZONE 'UTC'"
        f")) < cutoff ORDER BY e.id LIMIT {batch}) chosen; "
        "EXIT WHEN victims IS NULL; "
        f"INSERT INTO {q('followup_purge')} (enrolment_id, enrolled_at, purged_at, "
        f"retention_days) SELECT id, created_at, now(), keep_days FROM {q('followup_enrolment')} "
        "WHERE id = ANY(victims) ORDER BY id; "
        f"{deletes} DELETE FROM {q('followup_enrolment')} WHERE id = ANY(victims); "
        "RETURN QUERY SELECT unnest(victims); END LOOP; END $$"
    )


def _old_purge_function(schema):
    """Migration 0007's function, one enrolment at a time."""
    path = Path(__file__).with_name("0007_keyed_chain_and_purge_path.py")
    spec = importlib.util.spec_from_file_location("keyed_chain_0007", path)
    keyed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(keyed)
    return keyed._purge_function(schema).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION",
                                                 1)


def _postgres_schema():
    """The schema being migrated on PostgreSQL; None on SQLite, where nothing changes."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    return bind.exec_driver_sql("SELECT current_schema()").scalar()


def upgrade():
    schema = _postgres_schema()
    if schema is None:
        return
    # A plan made for each lookup, with the purge table as it is now, not once while it was
    # empty: the lookup by the unique index stays an index lookup as the purge goes on.
    op.execute(f"ALTER FUNCTION {ROW_FUNCTION}() SET plan_cache_mode = force_custom_plan")
    op.execute(_purge_function(schema, PURGE_BATCH))


def downgrade():
    schema = _postgres_schema()
    if schema is None:
        return
    op.execute(f"ALTER FUNCTION {ROW_FUNCTION}() RESET plan_cache_mode")
    op.execute(_old_purge_function(schema))
