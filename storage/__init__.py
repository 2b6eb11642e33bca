"""SQLAlchemy 2 async storage: tables, repositories, the unit of work and migrations.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the scale-out engine; the
same tests run on both.
"""
