"""Autocomplete for vote numbers (`vote cosign|ballot|cast|…`): the community's open votes."""

from __future__ import annotations

from collections.abc import Sequence

from core.commands.suggest import Suggestion, Typing, source
from core.ports import UnitOfWork

STAGES = {"petition": "petition, needs co-signers", "nomination": "taking nominations", "ballot": "ballot open"}


@source("votes")
async def open_votes(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    return [Suggestion(f"{vote.label.capitalize()} — {STAGES.get(vote.state.value, vote.state.value)}",
                       str(vote.number)) for vote in await uow.votes.active(typing.community.id)]
