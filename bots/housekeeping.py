"""Hourly clean-up: delivered outbox rows and used codes are not kept longer than needed
(they may hold health-related text)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_

from storage.codes import LinkCodeRow

if TYPE_CHECKING:
    from bots.bootstrap import App

KEEP_DELIVERED = timedelta(days=7)


async def housekeeping(app: App) -> None:
    now = app.clock.now()
    async with app.uow() as uow:
        await uow.outbox.purge_delivered(now - KEEP_DELIVERED)
        await uow.timers.purge_fired(now - KEEP_DELIVERED)
        await uow.db.execute(delete(LinkCodeRow).where(
            or_(LinkCodeRow.expires_at < now, LinkCodeRow.used_at.is_not(None))))
        await uow.commit()
