"""Discord adapter state: the hash of the last synced slash-command set, per scope.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:00:00

Self-contained on purpose: it only adds a table, so it can be re-chained after any revision.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('discord_state',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_discord_state'))
    )


def downgrade() -> None:
    op.drop_table('discord_state')
