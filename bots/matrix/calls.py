"""Calling the homeserver: nio returns ErrorResponse objects instead of raising, so every call
goes through `call()`, which waits out rate limits a bounded number of times and turns any
other error into a MatrixCallError the caller handles.

nio's own retry loops are switched off (see `session.client_config`): nio would wait out any
`retry_after_ms` forever and retry connection errors without end, which hides an outage
from the outbox that should back off and retry later.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import ClientError
from nio import ErrorResponse

from core.errors import DeliveryError

log = logging.getLogger(__name__)

R = TypeVar("R")

RATE_LIMITED = "M_LIMIT_EXCEEDED"
RATE_LIMIT_RETRIES = 3
# Longer waits are not spent inside one call: the outbox reschedules the delivery instead.
MAX_RATE_LIMIT_WAIT = 10.0
# Errors that another attempt cannot fix.
PERMANENT = frozenset({"M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_BAD_JSON", "M_NOT_JSON",
                       "M_INVALID_PARAM", "M_USER_DEACTIVATED", "M_UNKNOWN_ROOM_VERSION",
                       "M_BAD_STATE", "M_INVALID_ROOM_STATE"})
# Network-level failures: the homeserver is down or unreachable.
CONNECTION_ERRORS = (ClientError, TimeoutError, OSError)


class MatrixCallError(Exception):
    def __init__(self, what: str, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{what}: {code} {message}".strip())
        self.what = what
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        return self.code in PERMANENT

    @property
    def forbidden(self) -> bool:
        return self.code == "M_FORBIDDEN"


def error_code(response: ErrorResponse) -> str:
    return str(response.status_code or "M_UNKNOWN")


async def call(make: Callable[[], Awaitable[R]], what: str, *, retries: int = RATE_LIMIT_RETRIES,
               max_wait: float = MAX_RATE_LIMIT_WAIT) -> R:
    """Run one nio request; wait out rate limits (bounded); raise MatrixCallError on errors.

    Connection errors (aiohttp.ClientError, TimeoutError, OSError) propagate unchanged.
    """
    attempt = 0
    while True:
        response: Any = await make()
        if not isinstance(response, ErrorResponse):
            return response  # type: ignore[no-any-return]
        code = error_code(response)
        if code in (RATE_LIMITED, "429"):
            wait = (response.retry_after_ms or 1000) / 1000
            if attempt < retries and wait <= max_wait:
                attempt += 1
                log.info("%s rate limited; waiting %.2fs (retry %d of %d)", what, wait, attempt, retries)
                await asyncio.sleep(wait)
                continue
            raise MatrixCallError(what, RATE_LIMITED, "rate limited", retry_after=wait)
        raise MatrixCallError(what, code, str(response.message or "")[:200])


def txn_id(*parts: str) -> str:
    """A transaction id from stable parts, so a resend of the same thing is deduplicated."""
    joined = "|".join(parts)
    return joined if len(joined) <= 64 and joined.isascii() else hashlib.sha256(joined.encode()).hexdigest()[:40]


def delivery_error(error: BaseException) -> DeliveryError:
    """How the outbox should treat a failed delivery."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, MatrixCallError):
        return DeliveryError(str(error), permanent=error.permanent, retry_after=error.retry_after)
    if isinstance(error, CONNECTION_ERRORS):
        return DeliveryError(f"homeserver unreachable ({type(error).__name__})")
    return DeliveryError(f"{type(error).__name__}: {error}"[:300])
