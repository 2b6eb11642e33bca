"""One-time codes (account links, home links): random, stored hashed, single use, short-lived."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from core.commands.context import Context
from core.errors import InvalidInput
from core.ports import CodeClaim

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def _hash(code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


async def new_code(ctx: Context, claim: CodeClaim, ttl: timedelta) -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    await ctx.uow.codes.add(_hash(raw), claim, ctx.now + ttl)
    return f"{raw[:4]}-{raw[4:]}"


async def take_code(ctx: Context, code: str, kind: str) -> CodeClaim:
    if len(code) > 20:
        raise InvalidInput("That is not a valid code.")
    claim = await ctx.uow.codes.take(_hash(code), kind, ctx.now)
    if claim is None:
        raise InvalidInput("That code is unknown, already used or expired (codes last 10 minutes).")
    return claim
