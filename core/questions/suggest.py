"""Autocomplete for question numbers (`solved`, `questions snooze|close`)."""

from __future__ import annotations

from collections.abc import Sequence

from core.commands.suggest import Suggestion, Typing, source
from core.ports import UnitOfWork
from core.questions.model import Status
from core.text import preview

# Enough to find any open question by what was typed; Discord shows the best 25.
CANDIDATES = 200


@source("open_questions")
async def open_questions(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    found = await uow.questions.listing(typing.community.id, [Status.OPEN, Status.ANSWERED], limit=CANDIDATES)
    return [Suggestion(preview(f"#{q.number} · {q.status.value} · {q.text}", 100), str(q.number)) for q in found]
