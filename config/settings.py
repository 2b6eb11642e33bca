"""Deployment settings from the environment (`CARPOOL_…`, nested with `__`) and `.env`.

Secrets are SecretStr: they print as `**********` and are never logged.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.refs import AccountRef, HomeRef
from storage.engine import DatabaseUrlError, parse_url


class DiscordSettings(BaseModel):
    token: SecretStr | None = None
    application_id: str | None = None
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    # For tests and self-hosted gateways; the real Discord otherwise.
    api_base: str | None = None
    gateway: str | None = None


class MatrixSettings(BaseModel):
    homeserver: str | None = None
    user_id: str | None = None
    password: SecretStr | None = None
    access_token: SecretStr | None = None
    device_id: str | None = None
    store_path: Path = Path("./matrix-store")
    # Servers whose users may invite the bot into rooms; empty means the bot's own server.
    allowed_servers: list[str] = Field(default_factory=list)
    prefix: str = "!cop"
    # Other bots (user ids, `*` wildcards allowed, e.g. `@*bot:example.org`): their messages are
    # ignored, like the bot's own and every m.notice, so two bots never answer each other.
    bot_users: list[str] = Field(default_factory=list)
    # Long-poll time of one sync request.
    sync_timeout_ms: int = Field(default=30_000, ge=0, le=120_000)

    @property
    def configured(self) -> bool:
        return bool(self.homeserver and self.user_id and (self.password or self.access_token))


class NetworkSettings(BaseModel):
    # Accounts of network staff, as platform:user_id (e.g. matrix:@ana:carpool.health).
    staff: list[str] = Field(default_factory=list)
    # Hub rooms for staff, as platform:room_id.
    hubs: list[str] = Field(default_factory=list)

    @field_validator("staff")
    @classmethod
    def _staff(cls, values: list[str]) -> list[str]:
        for value in values:
            AccountRef.parse(value)
        return values

    @field_validator("hubs")
    @classmethod
    def _hubs(cls, values: list[str]) -> list[str]:
        for value in values:
            AccountRef.parse(value)  # same shape: platform:id
        return values

    def staff_refs(self) -> frozenset[AccountRef]:
        return frozenset(AccountRef.parse(v) for v in self.staff)

    def hub_refs(self) -> tuple[HomeRef, ...]:
        refs = []
        for value in self.hubs:
            account = AccountRef.parse(value)
            refs.append(HomeRef(account.platform, account.user_id))
        return tuple(refs)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CARPOOL_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database_url: SecretStr = SecretStr("sqlite+aiosqlite:///./carpool.db")
    sweep_seconds: float = Field(default=15.0, gt=0, le=3600)
    log_level: str = "INFO"
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    # Who the console platform speaks as at start.
    console_user: str = "you"

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        try:
            parse_url(value.get_secret_value())
        except DatabaseUrlError as error:
            raise ValueError(str(error)) from None
        return value

    def platforms(self) -> list[str]:
        """Platforms with credentials; none means the console."""
        found = []
        if self.discord.token is not None:
            found.append("discord")
        if self.matrix.configured:
            found.append("matrix")
        return found or ["console"]
