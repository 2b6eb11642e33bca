"""A real Synapse homeserver for the Matrix tests and the Matrix benchmark.

Synapse (AGPL) is installed from PyPI into its own virtual environment OUTSIDE the repository
(`$XDG_CACHE_HOME/carpool-cop/synapse-<version>`), pinned with `synapse-constraints.txt`, and
reused by every later run and every clone on the machine. It is a separate test-only process,
never imported by the app.

`Synapse.start()` generates a config in a temporary folder, listens on a free loopback port
with only the client API, raises every client rate limit, and waits for `/health`. Users are
registered through the shared-secret admin API, which hands back an access token at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = "1.163.2"
CONSTRAINTS = Path(__file__).with_name("synapse-constraints.txt")
SERVER_NAME = "localhost"
SHARED_SECRET = "carpool-test-registration-secret"
# Any Python 3.11 will do; by default the one running the tests (a venv python makes a venv too).
PYTHON = os.environ.get("CARPOOL_SYNAPSE_PYTHON") or sys.executable

LIMIT = {"per_second": 10_000, "burst_count": 100_000}
OVERRIDES: dict[str, Any] = {
    "trusted_key_servers": [],
    "suppress_key_server_warning": True,
    "enable_registration": False,
    "registration_shared_secret": SHARED_SECRET,
    "report_stats": False,
    "presence": {"enabled": False},
    "url_preview_enabled": False,
    "enable_metrics": False,
    "rc_message": LIMIT,
    "rc_registration": LIMIT,
    "rc_login": {"address": LIMIT, "account": LIMIT, "failed_attempts": LIMIT},
    "rc_joins": {"local": LIMIT, "remote": LIMIT},
    "rc_joins_per_room": LIMIT,
    "rc_invites": {"per_room": LIMIT, "per_user": LIMIT, "per_issuer": LIMIT},
    "rc_room_creation": LIMIT,
    "rc_presence": {"per_user": LIMIT},
    "rc_profile": LIMIT,
    "rc_key_requests": LIMIT,
    "rc_admin_redaction": LIMIT,
    "rc_media_create": LIMIT,
    "rc_delayed_event_mgmt": LIMIT,
    "rc_user_directory": LIMIT,
}


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carpool-cop"


def venv_path() -> Path:
    return Path(os.environ.get("CARPOOL_SYNAPSE_VENV") or cache_root() / f"synapse-{VERSION}")


def ensure_installed() -> Path:
    """The Synapse venv's python, installing it once (under a lock: runs may start together)."""
    venv = venv_path()
    python = venv / "bin" / "python"
    stamp = venv / ".carpool-installed"
    wanted = hashlib.sha256(CONSTRAINTS.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and python.exists():
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and stamp.read_text() == wanted and python.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([PYTHON, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "-c", str(CONSTRAINTS), f"matrix-synapse=={VERSION}"], check=True)
        stamp.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Registered:
    user_id: str
    access_token: str
    device_id: str
    password: str


class Synapse:
    def __init__(self, folder: Path, *, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.python: Path | None = None
        self._admin: Registered | None = None
        self._counter = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def configure(self) -> None:
        self.python = ensure_installed()
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "homeserver.yaml"
        if not config.exists():
            subprocess.run([str(self.python), "-m", "synapse.app.homeserver", "--server-name", SERVER_NAME,
                            "--config-path", str(config), "--generate-config", "--report-stats=no",
                            "--data-directory", str(self.folder / "data")],
                           check=True, cwd=self.folder, capture_output=True)
        overrides = dict(OVERRIDES)
        overrides["listeners"] = [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http",
                                   "tls": False, "x_forwarded": False,
                                   "resources": [{"names": ["client"], "compress": False}]}]
        overrides["log_config"] = str(self._log_config())
        # JSON is YAML: no YAML library needed on our side.
        (self.folder / "overrides.yaml").write_text(json.dumps(overrides, indent=1))

    def _log_config(self) -> Path:
        path = self.folder / "log.yaml"
        path.write_text(json.dumps({
            "version": 1,
            "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
            "handlers": {"file": {"class": "logging.FileHandler", "formatter": "plain",
                                  "filename": str(self.folder / "homeserver.log")}},
            "root": {"level": "WARNING", "handlers": ["file"]},
            "disable_existing_loggers": False,
        }))
        return path

    def start(self, timeout: float = 60.0) -> None:
        if self.python is None:
            self.configure()
        assert self.python is not None
        log = open(self.folder / "stdout.log", "ab")  # noqa: SIM115  (kept open for the process)
        self.process = subprocess.Popen(
            [str(self.python), "-m", "synapse.app.homeserver", "-c", str(self.folder / "homeserver.yaml"),
             "-c", str(self.folder / "overrides.yaml")],
            cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited with {self.process.returncode}; see {self.folder}/stdout.log")
            with contextlib.suppress(OSError, urllib.error.URLError), \
                    urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                if response.status == 200:
                    return
            time.sleep(0.05)  # polling a starting process, not waiting for things to settle
        self.stop()
        raise RuntimeError(f"Synapse did not answer /health within {timeout:.0f}s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- HTTP ---------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise RuntimeError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None

    def register(self, localpart: str | None = None, *, admin: bool = False,
                 password: str | None = None) -> Registered:
        """A new user through the shared-secret admin API (no login, no rate limit)."""
        self._counter += 1
        localpart = localpart or f"user{self._counter}"
        localpart = f"{localpart}-{secrets.token_hex(3)}"
        password = password or secrets.token_urlsafe(12)
        nonce = self.request("GET", "/_synapse/admin/v1/register")["nonce"]
        message = "\x00".join((nonce, localpart, password, "admin" if admin else "notadmin"))
        mac = hmac.new(SHARED_SECRET.encode(), message.encode(), digestmod=hashlib.sha1)
        result = self.request("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac.hexdigest(),
        })
        return Registered(result["user_id"], result["access_token"], result["device_id"], password)

    @property
    def admin(self) -> Registered:
        if self._admin is None:
            self._admin = self.register("admin", admin=True)
        return self._admin

    def limit_messages(self, user_id: str, per_second: float, burst: int) -> None:
        """A strict per-user message rate limit (for testing 429 handling)."""
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit"
        self.request("POST", path, {"messages_per_second": per_second, "burst_count": burst},
                     token=self.admin.access_token)

    def login_as(self, user_id: str) -> str:
        """Another access token (another device) for `user_id`, through the admin API."""
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/login"
        return str(self.request("POST", path, {}, token=self.admin.access_token)["access_token"])

    def send_raw(self, token: str, room_id: str, content: dict[str, Any]) -> str:
        """Send a message without any client library (as another bot or another device would)."""
        self._counter += 1
        path = (f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/send/m.room.message/"
                f"raw{self._counter}-{secrets.token_hex(4)}")
        return str(self.request("PUT", path, content, token=token)["event_id"])

    def devices(self, user_id: str) -> list[dict[str, Any]]:
        path = f"/_synapse/admin/v2/users/{urllib.parse.quote(user_id)}/devices"
        return list(self.request("GET", path, token=self.admin.access_token)["devices"])


def main() -> None:
    """`python -m tests.matrix.synapse install` installs (or finds) the cached Synapse."""
    if sys.argv[1:] == ["install"]:
        print(ensure_installed())
    else:
        print(__doc__)


if __name__ == "__main__":
    main()
