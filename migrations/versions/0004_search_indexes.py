"""A trigram index for searching a million saved calls by name.

A name search looks for each word anywhere in the name (`%word%`), which no B-tree index can
serve. SQLite gets an FTS5 table with the trigram tokenizer, kept by an insert trigger (records
are never changed or deleted, see 0003); PostgreSQL gets a pg_trgm GIN index. Neither is in the
models: `checker.nurse.search.outside_models` keeps autogenerate and the schema test off them.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_encounter_name_trgm ON encounter "
            "USING gin (patient_name gin_trgm_ops)"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE encounter_name USING fts5("
        "patient_name, content='encounter', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER encounter_name_insert AFTER INSERT ON encounter BEGIN "
        "INSERT INTO encounter_name(rowid, patient_name) VALUES (new.id, new.patient_name); END"
    )
    op.execute("INSERT INTO encounter_name(encounter_name) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_encounter_name_trgm")
    else:
        op.execute("DROP TRIGGER encounter_name_insert")
        op.execute("DROP TABLE encounter_name")
