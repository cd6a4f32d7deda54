"""Nurse accounts, encounters, addenda and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:34:30.806162

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed by hand: works on SQLite and PostgreSQL.
    op.create_table('nurse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('encounter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submit_token', sa.String(length=64), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('patient_name', sa.String(length=200), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('record_number', sa.String(length=64), nullable=False),
    sa.Column('callback_number', sa.String(length=40), nullable=False),
    sa.Column('caller', sa.String(length=40), nullable=False),
    sa.Column('procedure_type', sa.String(length=40), nullable=False),
    sa.Column('procedure_date', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('assessment', sa.JSON(), nullable=False),
    sa.Column('protocol_id', sa.String(length=100), nullable=False),
    sa.Column('protocol_version', sa.String(length=40), nullable=False),
    sa.Column('protocol_sha256', sa.String(length=64), nullable=False),
    sa.Column('engine_disposition', sa.String(length=40), nullable=False),
    sa.Column('final_disposition', sa.String(length=40), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=False),
    sa.Column('advice_given', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurse.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('submit_token')
    )
    with op.batch_alter_table('encounter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_encounter_nurse_id'), ['nurse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounter_patient_name'), ['patient_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounter_record_number'), ['record_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_encounter_started_at'), ['started_at'], unique=False)

    op.create_table('addendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounter.id'], ),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurse.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addendum_encounter_id'), ['encounter_id'], unique=False)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nurse_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('encounter_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['encounter_id'], ['encounter.id'], ),
    sa.ForeignKeyConstraint(['nurse_id'], ['nurse.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_encounter_id'), ['encounter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_nurse_id'), ['nurse_id'], unique=False)



def downgrade():
    # Reviewed by hand: works on SQLite and PostgreSQL.
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_nurse_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_encounter_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addendum_encounter_id'))

    op.drop_table('addendum')
    with op.batch_alter_table('encounter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_encounter_started_at'))
        batch_op.drop_index(batch_op.f('ix_encounter_record_number'))
        batch_op.drop_index(batch_op.f('ix_encounter_patient_name'))
        batch_op.drop_index(batch_op.f('ix_encounter_nurse_id'))

    op.drop_table('encounter')
    op.drop_table('nurse')
