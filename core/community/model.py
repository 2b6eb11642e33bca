from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.community.settings import Settings
from core.refs import HomeRef, Platform


@dataclass(frozen=True, slots=True)
class Community:
    id: int
    name: str
    domain: str
    charter: str
    created_at: datetime
    rules_version: int
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True, slots=True)
class Home:
    id: int
    community_id: int
    platform: Platform
    room_id: str
    space_id: str | None
    kind: str

    @property
    def ref(self) -> HomeRef:
        return HomeRef(self.platform, self.room_id, self.space_id)
