"""Everything the command bus needs to know about who and where, in one round trip.

A command used to cost five lookups (account, home, community, membership, network rules
version) before its handler ran; on SQLite through aiosqlite every statement is several
thread hand-offs, and together they dominated command latency. One outer-joined SELECT from
the single network row answers them all. The statement is built once: constructing it per
call cost more than running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, Table, and_, bindparam, select

from core.community.model import Community, Home
from core.community.settings import Settings
from core.membership.model import Account, Membership
from core.ports import Snapshot
from core.refs import AccountRef, Platform
from storage.community import CommunityRow, HomeRow
from storage.db import Db
from storage.membership import AccountRow, MembershipRow, from_bits
from storage.rules import NetworkRow

_network: Table = NetworkRow.__table__  # type: ignore[assignment]
_accounts: Table = AccountRow.__table__  # type: ignore[assignment]
_homes: Table = HomeRow.__table__  # type: ignore[assignment]
_communities: Table = CommunityRow.__table__  # type: ignore[assignment]
_memberships: Table = MembershipRow.__table__  # type: ignore[assignment]

_LOAD = (
    select(_network.c.rules_version, _accounts, _homes, _communities, _memberships)
    .select_from(_network)
    .outerjoin(_accounts, and_(_accounts.c.platform == bindparam("account_platform"),
                               _accounts.c.user_id == bindparam("user_id")))
    .outerjoin(_homes, and_(_homes.c.platform == bindparam("home_platform"),
                            _homes.c.room_id.in_(bindparam("rooms", expanding=True))))
    .outerjoin(_communities, _communities.c.id == _homes.c.community_id)
    .outerjoin(_memberships, and_(_memberships.c.community_id == _homes.c.community_id,
                                  _memberships.c.person_id == _accounts.c.person_id))
    .where(_network.c.id == 1)
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)


class SqlContextRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def load(self, account: AccountRef, platform: Platform | None, room_ids: Sequence[str]) -> Snapshot:
        params = {"account_platform": account.platform, "user_id": account.user_id,
                  "home_platform": platform or "", "rooms": list(room_ids) or [""]}
        rows = [r._mapping for r in (await self.db.execute(_LOAD, params)).all()]
        if not rows:
            return Snapshot(1)
        # The most specific home wins: the room itself before the space it sits in.
        by_room = {r["homes_room_id"]: r for r in rows if r["homes_id"] is not None}
        best = next((by_room[room] for room in room_ids if room in by_room), rows[0])
        return Snapshot(
            network_rules_version=best["network_rules_version"],
            account=_account(best),
            home=_home(best),
            community=_community(best),
            membership=_membership(best),
        )


def _account(row: Any) -> Account | None:
    if row["accounts_id"] is None:
        return None
    return Account(row["accounts_id"], row["accounts_person_id"],
                   AccountRef(row["accounts_platform"], row["accounts_user_id"]),
                   row["accounts_display_name"], bool(row["accounts_is_bot"]))


def _home(row: Any) -> Home | None:
    if row["homes_id"] is None:
        return None
    return Home(row["homes_id"], row["homes_community_id"], row["homes_platform"], row["homes_room_id"],
                row["homes_space_id"], row["homes_kind"])


def _community(row: Any) -> Community | None:
    if row["communities_id"] is None:
        return None
    return Community(row["communities_id"], row["communities_name"], row["communities_domain"],
                     row["communities_charter"], row["communities_created_at"], row["communities_rules_version"],
                     Settings(dict(row["communities_settings"] or {})))


def _membership(row: Any) -> Membership | None:
    if row["memberships_person_id"] is None:
        return None
    return Membership(row["memberships_community_id"], row["memberships_person_id"], bool(row["memberships_active"]),
                      row["memberships_joined_at"], row["memberships_accepted_rules_version"],
                      row["memberships_accepted_network_rules_version"], from_bits(row["memberships_roles"]),
                      row["memberships_away_until"], row["memberships_expert_label"])
