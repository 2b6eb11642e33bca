"""`python -m bench [name…]`: run the benchmarks and print their tables."""

from __future__ import annotations

import asyncio
import logging
import sys

from bench import commands, ingest, matrix_roundtrip, timers, votes

BENCHES = {"commands": commands.main, "timers": timers.main, "ingest": ingest.main, "matrix": matrix_roundtrip.main,
           "votes": votes.main}


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        asyncio.run(BENCHES[name]())


if __name__ == "__main__":
    main()
