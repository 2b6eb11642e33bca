from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    LEADER = "leader"
    MODERATOR = "moderator"
    EXPERT = "expert"  # a verified clinician
    GUEST = "guest"  # a time-bound expert guest


# Roles a leader may grant or revoke with `role grant/revoke`; membership itself comes from join.
GRANTABLE = (Role.LEADER, Role.MODERATOR, Role.EXPERT, Role.GUEST)
