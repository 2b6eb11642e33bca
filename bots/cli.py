"""The `carpool` command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from enum import StrEnum
from pathlib import Path

import typer
from pydantic import ValidationError

from bots.bootstrap import bootstrap
from bots.runtime import StartupError, db_upgrade, open_database, run
from config.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Carpool CoP: communities of practice in chat.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(db_app, name="db")
resources_app = typer.Typer(no_args_is_help=True, help="The trusted resource index: import and export.")
app.add_typer(resources_app, name="resources")
discord_app = typer.Typer(no_args_is_help=True, help="Discord adapter maintenance.")
app.add_typer(discord_app, name="discord")


class PlatformChoice(StrEnum):
    console = "console"
    discord = "discord"
    matrix = "matrix"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"CARPOOL_{'__'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        fail(f"configuration error: {problems}")
        raise  # unreachable


def fail(message: str) -> None:
    typer.echo(f"carpool: {message}", err=True)
    raise typer.Exit(2)


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Statement logs could contain message text: keep SQLAlchemy quiet.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    # Routine start-up chatter would interleave with the console chat.
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


@app.command("run")
def run_command(
    platform: list[PlatformChoice] = typer.Option(
        None, "--platform", "-p", help="Platform(s) to run; default: all with credentials, else console."),
) -> None:
    """Start the bot."""
    settings = load_settings()
    setup_logging(settings.log_level)
    names = [p.value for p in platform] if platform else settings.platforms()
    try:
        asyncio.run(run(settings, names))
    except StartupError as error:
        fail(str(error))
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass  # stopped by Ctrl-C or SIGTERM, after a clean shutdown


@db_app.command("upgrade")
def db_upgrade_command() -> None:
    """Apply database migrations."""
    settings = load_settings()
    setup_logging(settings.log_level)
    try:
        asyncio.run(db_upgrade(settings))
    except StartupError as error:
        fail(str(error))
    typer.echo("database is up to date")


class FileFormat(StrEnum):
    csv = "csv"
    json = "json"


@resources_app.command("import")
def resources_import_command(
    file: Path = typer.Argument(..., help="A .csv (with a header row) or .json file of resources."),
    community: str = typer.Option(..., "--community", "-c", help="The community that receives them."),
    file_format: FileFormat | None = typer.Option(None, "--format", help="csv or json; default: from the name."),
) -> None:
    """Import resources; rows whose link is already there update it. Prints what was added,
    updated and rejected (with reasons)."""
    from bots.resources_io import TransferError, run_import

    settings = load_settings()
    setup_logging(settings.log_level)
    try:
        asyncio.run(run_import(settings, community, file, file_format.value if file_format else None))
    except (StartupError, TransferError) as error:
        fail(str(error))


@resources_app.command("export")
def resources_export_command(
    community: str | None = typer.Option(None, "--community", "-c", help="Only this community's resources."),
    file_format: FileFormat = typer.Option(FileFormat.csv, "--format", help="csv or json."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write here instead of standard output."),
) -> None:
    """Export resources with their status, review dates and provenance."""
    from bots.resources_io import TransferError, run_export

    settings = load_settings()
    setup_logging(settings.log_level)
    try:
        asyncio.run(run_export(settings, community, file_format.value, output))
    except (StartupError, TransferError) as error:
        fail(str(error))


@discord_app.command("sync")
def discord_sync_command(
    guild: int | None = typer.Option(None, "--guild", help="Sync to one server only (instant; for testing)."),
) -> None:
    """Register the slash commands with Discord (start-up does it too when they changed)."""
    from bots.discord.factory import sync_commands

    settings = load_settings()
    setup_logging(settings.log_level)

    async def go() -> None:
        engine = await open_database(settings)
        try:
            await sync_commands(bootstrap(settings, engine=engine), guild)
        finally:
            await engine.dispose()

    try:
        asyncio.run(go())
    except StartupError as error:
        fail(str(error))
    typer.echo("slash commands synced" + (f" to server {guild}" if guild else " globally"))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
