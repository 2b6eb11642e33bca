"""The trusted resource index: resources, and full-text search over them on each engine.

SQLite: FTS5 tables (all text; titles and tags) over an external-content view, with triggers
for updates and deletes.
PostgreSQL: generated tsvector columns with GIN indexes. See storage/resource_search.py; the
statements are copied here as they were at this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 21:02:48.847935
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Frozen copies of storage/resource_search.py's statements at this revision.
SEARCH_UP = {
    "sqlite": (
        "CREATE VIEW resources_fts_content AS SELECT id, title, body, tags, citation, 'xa' || community_id || ' x' || substr(status, 1, 1) || community_id || CASE WHEN network_number IS NOT NULL AND status = 'trusted' THEN ' xn0' ELSE '' END AS scope FROM resources",
        "CREATE VIRTUAL TABLE resources_fts USING fts5(title, body, tags, citation, scope, content='resources_fts_content', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')",
        "CREATE VIRTUAL TABLE resources_title_fts USING fts5(title, tags, scope, content='resources_fts_content', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2', prefix='1 2 3 4 5 6')",
        "CREATE TRIGGER resources_fts_update AFTER UPDATE ON resources WHEN old.title IS NOT new.title OR old.body IS NOT new.body OR old.tags IS NOT new.tags OR old.citation IS NOT new.citation OR old.status IS NOT new.status OR old.community_id IS NOT new.community_id OR old.network_number IS NOT new.network_number BEGIN INSERT INTO resources_fts(resources_fts, rowid, title, body, tags, citation, scope) VALUES ('delete', old.id, old.title, old.body, old.tags, old.citation, 'xa' || old.community_id || ' x' || substr(old.status, 1, 1) || old.community_id || CASE WHEN old.network_number IS NOT NULL AND old.status = 'trusted' THEN ' xn0' ELSE '' END); INSERT INTO resources_title_fts(resources_title_fts, rowid, title, tags, scope) VALUES ('delete', old.id, old.title, old.tags, 'xa' || old.community_id || ' x' || substr(old.status, 1, 1) || old.community_id || CASE WHEN old.network_number IS NOT NULL AND old.status = 'trusted' THEN ' xn0' ELSE '' END); INSERT INTO resources_fts(rowid, title, body, tags, citation, scope) VALUES (new.id, new.title, new.body, new.tags, new.citation, 'xa' || new.community_id || ' x' || substr(new.status, 1, 1) || new.community_id || CASE WHEN new.network_number IS NOT NULL AND new.status = 'trusted' THEN ' xn0' ELSE '' END); INSERT INTO resources_title_fts(rowid, title, tags, scope) VALUES (new.id, new.title, new.tags, 'xa' || new.community_id || ' x' || substr(new.status, 1, 1) || new.community_id || CASE WHEN new.network_number IS NOT NULL AND new.status = 'trusted' THEN ' xn0' ELSE '' END); END",
        "CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN INSERT INTO resources_fts(resources_fts, rowid, title, body, tags, citation, scope) VALUES ('delete', old.id, old.title, old.body, old.tags, old.citation, 'xa' || old.community_id || ' x' || substr(old.status, 1, 1) || old.community_id || CASE WHEN old.network_number IS NOT NULL AND old.status = 'trusted' THEN ' xn0' ELSE '' END); INSERT INTO resources_title_fts(resources_title_fts, rowid, title, tags, scope) VALUES ('delete', old.id, old.title, old.tags, 'xa' || old.community_id || ' x' || substr(old.status, 1, 1) || old.community_id || CASE WHEN old.network_number IS NOT NULL AND old.status = 'trusted' THEN ' xn0' ELSE '' END); END",
    ),
    "postgresql": (
        "ALTER TABLE resources ADD COLUMN search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B') || setweight(to_tsvector('english', citation), 'C') || setweight(to_tsvector('english', body), 'D')) STORED",
        "ALTER TABLE resources ADD COLUMN title_search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B')) STORED",
        'CREATE INDEX ix_resources_search ON resources USING gin (search)',
        'CREATE INDEX ix_resources_title_search ON resources USING gin (title_search)',
    ),
}
SEARCH_DOWN = {
    "sqlite": (
        'DROP TRIGGER IF EXISTS resources_fts_delete',
        'DROP TRIGGER IF EXISTS resources_fts_update',
        'DROP TABLE IF EXISTS resources_title_fts',
        'DROP TABLE IF EXISTS resources_fts',
        'DROP VIEW IF EXISTS resources_fts_content',
    ),
    "postgresql": (
        'DROP INDEX IF EXISTS ix_resources_title_search',
        'DROP INDEX IF EXISTS ix_resources_search',
        'ALTER TABLE resources DROP COLUMN IF EXISTS title_search',
        'ALTER TABLE resources DROP COLUMN IF EXISTS search',
    ),
}


def upgrade() -> None:
    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('tags', sa.String(length=400), nullable=False),
    sa.Column('citation', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('vetted_by', sa.Integer(), nullable=True),
    sa.Column('vetter_label', sa.String(length=60), nullable=False),
    sa.Column('vetted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_due', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_by', sa.Integer(), nullable=True),
    sa.Column('retired_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('retired_reason', sa.String(length=300), nullable=False),
    sa.Column('network_number', sa.Integer(), nullable=True),
    sa.Column('shared_by', sa.Integer(), nullable=True),
    sa.Column('shared_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('proposed_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_resources_community_id_communities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by'], ['persons.id'], name=op.f('fk_resources_submitted_by_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('community_id', 'number', name=op.f('uq_resources_community_id_number')),
    sa.UniqueConstraint('community_id', 'url', name=op.f('uq_resources_community_id_url')),
    sa.UniqueConstraint('network_number', name=op.f('uq_resources_network_number'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_review', ['community_id', 'status', 'review_due'], unique=False)
    for statement in SEARCH_UP[op.get_bind().dialect.name]:
        op.execute(statement)



def downgrade() -> None:
    for statement in SEARCH_DOWN[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_review')

    op.drop_table('resources')
