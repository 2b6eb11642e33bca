"""Runs what Discord users do through the core: slash commands, button clicks, autocomplete.

Every command is acknowledged (`defer`) before any database work, so Discord's three-second
deadline is never missed; the deferred answer starts private when the command says its
answers are personal. An answer of the other visibility (an error after a public start,
say) completes the placeholder, goes out as a follow-up of the right visibility, and the
placeholder is deleted: Discord fixes the first answer's visibility at the `defer`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import discord
from discord import app_commands

from bots.discord.edge import actor_of, where_of
from bots.discord.render import render
from core.commands.bus import CommandBus
from core.commands.parser import parse
from core.commands.spec import CommandSpec, Param, spec_for
from core.commands.suggest import suggest
from core.effects import Reply
from core.errors import UserError
from core.ports import UnitOfWork

log = logging.getLogger(__name__)

CHOICE_LIMIT = 25
HANDOFF = "…"
NO_PINGS = discord.AllowedMentions.none()


class Bridge:
    def __init__(self, bus: CommandBus, uow_factory: Callable[..., UnitOfWork]) -> None:
        self.bus = bus
        self.uow_factory = uow_factory

    async def slash(self, interaction: discord.Interaction[Any], spec: CommandSpec,
                    values: Mapping[str, object]) -> None:
        try:
            cmd = spec.build(values)
        except UserError as error:
            # Nothing was looked up yet: answer at once, privately.
            await interaction.response.send_message(error.message, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self._run(interaction, cmd, spec.private)

    async def action(self, interaction: discord.Interaction[Any], command: str) -> None:
        try:
            cmd = parse(command)
        except UserError as error:
            await interaction.response.send_message(error.message, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self._run(interaction, cmd, spec_for(cmd).private)

    async def _run(self, interaction: discord.Interaction[Any], cmd: object, private: bool) -> None:
        try:
            await interaction.response.defer(ephemeral=private, thinking=True)
        except discord.NotFound:
            # Expired before we saw it (a long pause): the user got Discord's failure notice,
            # so doing the command now would surprise them.
            log.info("an interaction expired before it could be acknowledged; not run")
            return
        reply = await self.bus.run(cmd, actor_of(interaction.user), where_of(interaction))
        await answer(interaction, reply, deferred_private=private)

    async def choices(self, interaction: discord.Interaction[Any], param: Param,
                      current: str | int) -> list[app_commands.Choice[Any]]:
        if param.suggest is None:
            return []
        filled = {name: value for name, value in interaction.namespace if name != param.name}
        try:
            async with self.uow_factory(readonly=True) as uow:
                found = await suggest(uow, param.suggest, where_of(interaction), str(current or ""), filled,
                                      limit=CHOICE_LIMIT)
        except Exception:
            log.exception("suggestions from %s failed", param.suggest)
            return []
        if param.type == "int":
            return [app_commands.Choice(name=s.label, value=int(s.value)) for s in found if s.value.isdigit()]
        return [app_commands.Choice(name=s.label, value=s.value) for s in found if s.value]


async def answer(interaction: discord.Interaction[Any], reply: Reply, *, deferred_private: bool) -> None:
    """Complete a deferred interaction with `reply`, split over several messages if long."""
    parts, view = render(reply.text, reply.actions)
    followups = parts
    if reply.private == deferred_private:
        first, followups = parts[0], parts[1:]
        await interaction.edit_original_response(content=first, view=None if followups else view,
                                                 allowed_mentions=NO_PINGS)
    else:
        await interaction.edit_original_response(content=HANDOFF)
    for index, part in enumerate(followups):
        last = index == len(followups) - 1
        if last and view is not None:
            await interaction.followup.send(part, ephemeral=reply.private, view=view, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(part, ephemeral=reply.private, allowed_mentions=NO_PINGS)
    if reply.private != deferred_private:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.info("could not delete a placeholder answer")
