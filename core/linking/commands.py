"""`link`: one person, several accounts (Discord and Matrix), so one person has one vote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.commands.context import Context
from core.commands.spec import Access, arg, command
from core.effects import Reply
from core.errors import Conflict
from core.linking.codes import new_code, take_code
from core.ports import CodeClaim


@dataclass(frozen=True, kw_only=True)
class LinkAccount:
    code: str = arg("The code you got from `link` on your other account", required=False)


@command("link", LinkAccount, access=Access.ANYWHERE,
         summary="Link your accounts on Discord and Matrix (run it on one, then use the code on the other)",
         private=True)
async def link(cmd: LinkAccount, ctx: Context) -> Reply:
    me = await ctx.me()
    if not cmd.code:
        code = await new_code(ctx, CodeClaim("account", str(me.person_id)), timedelta(minutes=10))
        return Reply(
            f"On your other account, send `link {code}` to me within 10 minutes. The code works once.",
            private=True, secret=True,
        )
    claim = await take_code(ctx, cmd.code, "account")
    keep = int(claim.subject)
    if keep == me.person_id:
        raise Conflict("These accounts are already linked.")
    accounts = (await ctx.uow.accounts.for_persons([keep])).get(keep, [])
    if any(a.ref.platform == me.ref.platform for a in accounts):
        raise Conflict(
            f"That code belongs to someone who already has a {me.ref.platform} account linked."
        )
    await ctx.uow.accounts.merge_persons(keep=keep, drop=me.person_id)
    platforms = sorted({a.ref.platform for a in accounts} | {me.ref.platform})
    return Reply(f"Linked: your {' and '.join(platforms)} accounts are now one person.", private=True)
