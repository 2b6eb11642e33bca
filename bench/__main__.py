"""`python -m bench [name…]`: run the benchmarks and print their tables."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bench import commands, discord_roundtrip, ingest, matrix_roundtrip, resources, timers, votes

BENCHES: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {
    "commands": commands.main, "timers": timers.main, "ingest": ingest.main, "matrix": matrix_roundtrip.main,
    "resources": resources.main, "votes": votes.main, "discord": discord_roundtrip.main,
}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        asyncio.run(BENCHES[name]())


if __name__ == "__main__":
    main()
