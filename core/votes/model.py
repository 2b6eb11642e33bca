"""Votes on leadership: a recall (petition, then a ballot) or an election (nominations, then
a ballot).

A vote freezes what decides it when it starts: the community's vote settings and the rules
version members must have accepted. The voter roll is frozen when the ballot opens. Changing
settings or rules later changes only later votes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.community.settings import Settings


class Kind(StrEnum):
    RECALL = "recall"
    ELECTION = "election"


class State(StrEnum):
    PETITION = "petition"  # a recall collecting co-signers
    NOMINATION = "nomination"  # an election collecting candidates
    BALLOT = "ballot"  # secret ballot open
    CLOSED = "closed"  # counted and published
    LAPSED = "lapsed"  # a petition without enough co-signers, an election without candidates
    CANCELLED = "cancelled"


ACTIVE = (State.PETITION, State.NOMINATION, State.BALLOT)

# What a recall ballot offers: "Should <leader> continue as leader?"
KEEP = "keep"
RECALL = "recall"
# A ballot cast without any choice (an election ballot approving or ranking nobody).
BLANK = "-"


@dataclass(frozen=True, slots=True)
class Vote:
    id: int
    community_id: int
    number: int  # short, per community: `vote cast 3 …`
    kind: Kind
    state: State
    created_at: datetime
    # The community's vote settings when the vote started (see core.votes.settings).
    settings: Settings
    # Members must have accepted at least this rules version to sign, nominate or vote.
    rules_version: int
    network_rules_version: int
    subject_person_id: int | None = None  # a recall's leader
    started_by: int | None = None  # None when the bot started it (an election after a recall)
    reason: str = ""
    seats: int = 1
    needed: int = 0  # co-signers a petition needs
    deadline_at: datetime | None = None  # end of the petition or of nominations
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    roll_size: int = 0
    method: str = ""  # approval|ranked for elections, frozen when the ballot opens
    # Tie lottery: sha256 of the seed is published when the ballot opens, the seed at close.
    seed_hash: str = ""
    seed: str = ""
    outcome: Mapping[str, Any] = field(default_factory=dict)
    closed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def label(self) -> str:
        return f"{'recall' if self.kind is Kind.RECALL else 'election'} #{self.number}"


@dataclass(frozen=True, slots=True)
class Candidate:
    vote_id: int
    person_id: int
    number: int  # order of nomination; the number on the ballot
    nominated_by: int
    accepted: bool


def subject(vote_id: int) -> str:
    return f"vote:{vote_id}"


def vote_id_of(subject: str) -> int:
    return int(subject.removeprefix("vote:"))
