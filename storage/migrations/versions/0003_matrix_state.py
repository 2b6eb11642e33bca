"""Matrix adapter state: sync token and direct rooms per bot account, handled event ids.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 21:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('matrix_state',
    sa.Column('account', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('account', 'key', name=op.f('pk_matrix_state'))
    )
    op.create_table('matrix_events',
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('handled_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_matrix_events'))
    )
    with op.batch_alter_table('matrix_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matrix_events_handled_at'), ['handled_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('matrix_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matrix_events_handled_at'))

    op.drop_table('matrix_events')
    op.drop_table('matrix_state')
