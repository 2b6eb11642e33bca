"""The bot as an operator runs it: `carpool …` in a process of its own, with its settings in
the environment (the real runtime: scheduler, sweeper, outbox dispatcher)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.matrix.synapse import Registered, Synapse

ROOT = Path(__file__).resolve().parents[2]


def bot_environment(synapse: Synapse, account: Registered, folder: Path) -> dict[str, str]:
    """The environment of a Matrix bot process: its own database and store under `folder`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARPOOL_")}
    clean.update({
        "PYTHONPATH": str(ROOT),
        "CARPOOL_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'carpool.db'}",
        "CARPOOL_MATRIX__HOMESERVER": synapse.url,
        "CARPOOL_MATRIX__USER_ID": account.user_id,
        "CARPOOL_MATRIX__PASSWORD": account.password,
        "CARPOOL_MATRIX__STORE_PATH": str(folder / "matrix-store"),
        "CARPOOL_MATRIX__SYNC_TIMEOUT_MS": "5000",
    })
    return clean


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = log.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bots.cli", *args], env=env, cwd=ROOT,
                                        stdin=subprocess.DEVNULL, stdout=self.handle, stderr=subprocess.STDOUT)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()
        return self.process.returncode
