"""Threads an adapter opened for a reply (`OpenThread`) are reported back by key.

A key is `<feature>:<id>`; the feature registers how to record the thread for its id.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.ports import UnitOfWork

Attacher = Callable[[UnitOfWork, str, str], Awaitable[None]]
ATTACHERS: dict[str, Attacher] = {}


def thread_attacher(feature: str) -> Callable[[Attacher], Attacher]:
    def register(attacher: Attacher) -> Attacher:
        ATTACHERS[feature] = attacher
        return attacher

    return register
