"""`python -m bench [name…]`: run the benchmarks and print their tables."""

from __future__ import annotations

import asyncio
import logging
import sys

from bench import commands, discord_roundtrip

BENCHES = {"commands": commands.main, "discord": discord_roundtrip.main}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        asyncio.run(BENCHES[name]())


if __name__ == "__main__":
    main()
