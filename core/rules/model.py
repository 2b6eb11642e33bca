from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    """One numbered rule; `community_id` None means a network rule that applies everywhere."""

    id: int
    community_id: int | None
    position: int
    text: str
