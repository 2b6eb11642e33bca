"""Many members at once, written straight into storage: the 10,000-voter test and bench need a
crowd, not the time it takes 20,000 `join` commands to make one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from core.roles import Role
from storage.membership import ROLE_BITS, AccountRow, MembershipRow, PersonRow
from tests.world import World


async def add_members(world: World, community_id: int, count: int, joined_at: datetime, *,
                      prefix: str = "voter", rules_version: int = 1) -> list[str]:
    """`count` console accounts (`voter0`, `voter1`, …) who joined at `joined_at`; their names."""
    names = [f"{prefix}{i}" for i in range(count)]
    async with world.app.engine.begin() as connection:
        first = int((await connection.execute(select(func.coalesce(func.max(PersonRow.id), 0)))).scalar_one()) + 1
        ids = list(range(first, first + count))
        await connection.execute(insert(PersonRow), [{"id": i, "created_at": joined_at} for i in ids])
        await connection.execute(insert(AccountRow), [
            {"person_id": i, "platform": "console", "user_id": n, "display_name": n, "is_bot": False,
             "created_at": joined_at} for i, n in zip(ids, names, strict=True)])
        await connection.execute(insert(MembershipRow), [
            {"community_id": community_id, "person_id": i, "active": True, "joined_at": joined_at,
             "accepted_rules_version": rules_version, "accepted_network_rules_version": 1,
             "roles": ROLE_BITS[Role.MEMBER], "away_until": None, "expert_label": ""} for i in ids])
        if connection.dialect.name == "postgresql":
            # Explicit ids leave the sequence behind; the next `join` must not collide.
            await connection.exec_driver_sql("SELECT setval('persons_id_seq', (SELECT max(id) FROM persons))")
    return names
