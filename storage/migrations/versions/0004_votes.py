"""Votes on leadership: petitions, candidates, the frozen voter roll, secret ballots; and a
daily responsiveness check for every community that existed before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 21:00:08.925142
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('rules_version', sa.Integer(), nullable=False),
    sa.Column('network_rules_version', sa.Integer(), nullable=False),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('needed', sa.Integer(), nullable=False),
    sa.Column('deadline_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opens_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('roll_size', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('seed_hash', sa.String(length=64), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=False),
    sa.Column('closed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_votes_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by'], ['persons.id'], name=op.f('fk_votes_started_by_persons')),
    sa.ForeignKeyConstraint(['subject_person_id'], ['persons.id'], name=op.f('fk_votes_subject_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('community_id', 'number', name=op.f('uq_votes_community_id_number'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_community_state', ['community_id', 'state'], unique=False)

    op.create_table('ballots',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('receipt', sa.String(length=16), nullable=False),
    sa.Column('choice', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_ballots_vote_id_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'receipt', name=op.f('pk_ballots')),
    postgresql_with={'fillfactor': 50},
    sqlite_with_rowid=False
    )
    op.create_table('vote_candidates',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('nominated_by', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['nominated_by'], ['persons.id'], name=op.f('fk_vote_candidates_nominated_by_persons')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vote_candidates_person_id_persons')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_candidates_vote_id_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'person_id', name=op.f('pk_vote_candidates')),
    sa.UniqueConstraint('vote_id', 'number', name=op.f('uq_vote_candidates_vote_id_number'))
    )
    op.create_table('vote_pending',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vote_pending_person_id_persons')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_pending_vote_id_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'person_id', name=op.f('pk_vote_pending'))
    )
    op.create_table('vote_roll',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vote_roll_person_id_persons')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_roll_vote_id_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'person_id', name=op.f('pk_vote_roll'))
    )
    with op.batch_alter_table('vote_roll', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_roll_person_id'), ['person_id'], unique=False)

    op.create_table('vote_signatures',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_vote_signatures_person_id_persons')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_signatures_vote_id_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'person_id', name=op.f('pk_vote_signatures'))
    )
    # Communities set up before votes existed get their daily responsiveness check too
    # (new ones arm it at `community setup`).
    sqlite = op.get_bind().dialect.name == "sqlite"
    now, empty = ("CURRENT_TIMESTAMP", "'{}'") if sqlite else ("now()", "CAST('{}' AS JSON)")
    op.execute(sa.text(
        "INSERT INTO timers (kind, subject, due_at, state, attempts, data) "
        f"SELECT 'vote.check', 'community:' || id, {now}, 'pending', 0, {empty} FROM communities"))

def downgrade() -> None:
    op.drop_table('vote_signatures')
    with op.batch_alter_table('vote_roll', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_roll_person_id'))

    op.drop_table('vote_roll')
    op.drop_table('vote_pending')
    op.drop_table('vote_candidates')
    op.drop_table('ballots')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_community_state')

    op.drop_table('votes')
    op.execute(sa.text("DELETE FROM timers WHERE kind = 'vote.check'"))
