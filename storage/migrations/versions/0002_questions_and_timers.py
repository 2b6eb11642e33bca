"""Questions and ideas, and durable timers (response ladders, follow-ups, digests).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:42:49.856246
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('timers',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('fired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timers')),
    sa.UniqueConstraint('subject', 'kind', name=op.f('uq_timers_subject_kind'))
    )
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.create_index('ix_timers_pending_due', ['due_at'], unique=False, sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    op.create_table('questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('asker_person_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('room_id', sa.String(length=255), nullable=False),
    sa.Column('space_id', sa.String(length=255), nullable=True),
    sa.Column('thread_id', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('waiting_since', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_response_by', sa.Integer(), nullable=True),
    sa.Column('first_leader_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_leader_by', sa.Integer(), nullable=True),
    sa.Column('follow_up_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['asker_person_id'], ['persons.id'], name=op.f('fk_questions_asker_person_id_persons')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_questions_community_id_communities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questions')),
    sa.UniqueConstraint('community_id', 'number', name=op.f('uq_questions_community_id_number')),
    sa.UniqueConstraint('platform', 'thread_id', name=op.f('uq_questions_platform_thread_id'))
    )
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questions_asker_person_id'), ['asker_person_id'], unique=False)
        batch_op.create_index('ix_questions_community_status', ['community_id', 'status', 'waiting_since'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index('ix_questions_community_status')
        batch_op.drop_index(batch_op.f('ix_questions_asker_person_id'))

    op.drop_table('questions')
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_index('ix_timers_pending_due', sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))

    op.drop_table('timers')
