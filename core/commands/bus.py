"""Runs one command in one unit of work: resolve who and where, check access, call the handler,
commit. A UserError rolls everything back and becomes a friendly reply; a lost race is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.clock import Clock
from core.commands.context import Context
from core.commands.parser import parse_scoped
from core.commands.spec import Access, CommandSpec, spec_for
from core.commands.threads import ATTACHERS
from core.effects import Reply
from core.errors import ConcurrentUpdate, PermissionDenied, UserError
from core.network import NetworkPolicy
from core.ports import UnitOfWork, UnitOfWorkFactory
from core.refs import Actor, Where
from core.roles import Role

log = logging.getLogger(__name__)

NOT_A_HOME = (
    "This room isn't a community home yet. A space admin can start one here with "
    "`community setup <name> [domain]`."
)
SORRY = "Sorry, something went wrong on my side and nothing was changed. Please try again later."


class CommandBus:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, network: NetworkPolicy) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.network = network
        # Called after every commit with the unit of work, e.g. to wake the outbox dispatcher
        # or the timer sweeper.
        self.on_commit: Callable[[UnitOfWork], None] | None = None

    async def run_text(self, line: str, actor: Actor, where: Where | None) -> Reply:
        try:
            cmd, scope = parse_scoped(line)
        except UserError as error:
            return Reply(error.message, private=True, error=True)
        return await self.run(cmd, actor, where, community_id=scope)

    async def attach_thread(self, key: str, thread_id: str) -> None:
        """An adapter opened the thread a reply asked for (`Reply.thread`); record it."""
        feature, _, ident = key.partition(":")
        async with self.uow_factory() as uow:
            await ATTACHERS[feature](uow, ident, thread_id)
            await uow.commit()
        if self.on_commit is not None:
            self.on_commit(uow)

    async def run(self, cmd: object, actor: Actor, where: Where | None, *, community_id: int | None = None) -> Reply:
        spec = spec_for(cmd)
        if actor.is_bot:
            return Reply("Bots can't use community commands.", private=True, error=True)
        for attempt in range(3):
            try:
                return await self._run_once(spec, cmd, actor, where, community_id)
            except UserError as error:
                return Reply(error.message, private=True, error=True)
            except ConcurrentUpdate:
                log.info("command %s lost a race (attempt %d); retrying", spec.name, attempt + 1)
            except Exception:
                log.exception("command %s failed", spec.name)
                return Reply(SORRY, private=True, error=True)
        return Reply("That clashed with another change. Please try again.", private=True, error=True)

    async def _run_once(self, spec: CommandSpec, cmd: object, actor: Actor, where: Where | None,
                        community_id: int | None) -> Reply:
        async with self.uow_factory(readonly=spec.readonly) as uow:
            now = self.clock.now()
            in_home = where is not None and not where.direct
            snapshot = await uow.context.load(
                actor.account, where.platform if where is not None and in_home else None,
                where.home_candidates() if where is not None and in_home else ())
            account = snapshot.account
            if account is not None and not spec.readonly:
                account = await uow.accounts.update_profile(account, actor)
            ctx = Context(uow, actor, where, now, account, self.network, snapshot.home, snapshot.community,
                          snapshot.membership, snapshot.network_rules_version)
            if community_id is not None and ctx.community_or_none is None:
                # A command from a direct conversation (a nudge's button) names its community.
                ctx.community_or_none = await uow.communities.get(community_id)
                if ctx.community_or_none is not None and account is not None:
                    ctx.membership = await uow.members.get(community_id, account.person_id)
            check_access(spec, ctx)
            reply = await spec.handler(cmd, ctx)
            if not spec.readonly:
                await uow.commit()
        if self.on_commit is not None and not spec.readonly:
            self.on_commit(uow)
        return reply


def check_access(spec: CommandSpec, ctx: Context) -> None:
    access = spec.access
    if access is Access.ANYWHERE:
        return
    if access is Access.ADMIN:
        if not ctx.actor.is_space_admin and not ctx.is_staff:
            raise PermissionDenied("Only an admin of this server or space can do that.")
        return
    if access is Access.STAFF:
        if not ctx.is_staff:
            raise PermissionDenied("Only network staff can do that.")
        return
    if ctx.community_or_none is None:
        raise UserError(NOT_A_HOME)
    if access is Access.PUBLIC or ctx.is_staff:
        return
    member = ctx.membership
    if member is None or not member.active:
        raise PermissionDenied(f"You need to join {ctx.community.name} first: type `join`.")
    if access is Access.LEADER and not member.has(Role.LEADER):
        raise PermissionDenied("Only a leader of this community can do that.")
    if access is Access.EXPERT and not (member.has(Role.LEADER) or member.has(Role.EXPERT)):
        raise PermissionDenied("Only a leader or an expert of this community can do that.")
