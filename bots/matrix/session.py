"""Logging in once and staying logged in.

A password login creates a device; its id and access token are written to
`<store_path>/session.json` (mode 0600) and reused by every later start, so a restart keeps
the same device and with it the E2EE keys in nio's store (also under `store_path`). With an
access token configured instead, the device id comes from the settings or from `whoami`.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse

from bots.matrix.calls import CONNECTION_ERRORS, MatrixCallError, call
from bots.runtime import StartupError
from config.settings import MatrixSettings

log = logging.getLogger(__name__)

SESSION_FILE = "session.json"
DEVICE_NAME = "Carpool CoP bot"


class MatrixLoginError(StartupError):
    """The bot cannot log in; the message is one clear line for the operator."""


@dataclass(frozen=True)
class Session:
    homeserver: str
    user_id: str
    device_id: str
    access_token: str


def client_config() -> AsyncClientConfig:
    # Rate limits and outages are handled by bots.matrix.calls and the outbox, not inside nio.
    return AsyncClientConfig(max_limit_exceeded=0, max_timeouts=0, encryption_enabled=True,
                             store_sync_tokens=False, request_timeout=30)


def read_session(store: Path, homeserver: str, user_id: str) -> Session | None:
    path = store / SESSION_FILE
    try:
        data = json.loads(path.read_text())
        session = Session(data["homeserver"], data["user_id"], data["device_id"], data["access_token"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if session.homeserver != homeserver or session.user_id != user_id:
        return None  # another account or server: log in afresh
    return session


def write_session(store: Path, session: Session) -> None:
    path = store / SESSION_FILE
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(session.__dict__, handle)
    temporary.replace(path)


def forget_session(store: Path) -> None:
    (store / SESSION_FILE).unlink(missing_ok=True)


async def open_client(settings: MatrixSettings) -> AsyncClient:
    """A logged-in client with its E2EE store loaded and its device keys uploaded."""
    if not settings.homeserver or not settings.user_id:
        raise MatrixLoginError("CARPOOL_MATRIX__HOMESERVER and CARPOOL_MATRIX__USER_ID are required")
    store = settings.store_path
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    client = AsyncClient(settings.homeserver, settings.user_id, store_path=str(store), config=client_config())
    try:
        await _log_in(client, settings, store)
        if client.should_upload_keys:
            await call(client.keys_upload, "upload device keys")
    except CONNECTION_ERRORS as error:
        await client.close()
        raise MatrixLoginError(f"cannot reach the Matrix homeserver {settings.homeserver} "
                               f"({type(error).__name__})") from None
    except BaseException:
        await client.close()
        raise
    return client


async def _log_in(client: AsyncClient, settings: MatrixSettings, store: Path) -> None:
    assert settings.homeserver is not None and settings.user_id is not None
    if settings.access_token is not None:
        token = settings.access_token.get_secret_value()
        device_id = settings.device_id
        if device_id is None:
            client.access_token = token
            try:
                whoami = await call(client.whoami, "whoami")
            except MatrixCallError as error:
                raise MatrixLoginError(f"the Matrix access token was refused ({error.code})") from None
            assert isinstance(whoami, WhoamiResponse)
            device_id = whoami.device_id
            if not device_id:
                raise MatrixLoginError("the access token has no device; set CARPOOL_MATRIX__DEVICE_ID")
        client.restore_login(settings.user_id, device_id, token)
        return
    session = read_session(store, settings.homeserver, settings.user_id)
    if session is not None:
        client.restore_login(session.user_id, session.device_id, session.access_token)
        return
    if settings.password is None:
        raise MatrixLoginError("set CARPOOL_MATRIX__PASSWORD or CARPOOL_MATRIX__ACCESS_TOKEN")
    try:
        response = await call(lambda: client.login(settings.password.get_secret_value(),  # type: ignore[union-attr]
                                                   device_name=DEVICE_NAME), "login")
    except MatrixCallError as error:
        raise MatrixLoginError(f"Matrix login as {settings.user_id} failed ({error.code})") from None
    assert isinstance(response, LoginResponse)
    write_session(store, Session(settings.homeserver, response.user_id, response.device_id,
                                 response.access_token))
    log.info("logged in to Matrix as %s, device %s", response.user_id, response.device_id)
