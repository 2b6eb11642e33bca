"""Start-up and the main loop: check the database, migrate, start the platforms, the outbox
dispatcher and the scheduler; stop them all cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.bootstrap import App, bootstrap
from bots.housekeeping import housekeeping
from config.settings import Settings
from core.clock import Clock
from core.ports import ChatPlatform
from storage.engine import make_engine, parse_url
from storage.migrate import upgrade

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Start-up cannot continue; the message is one clear line for the operator."""


def describe_url(settings: Settings) -> str:
    return parse_url(settings.database_url.get_secret_value()).render_as_string(hide_password=True)


async def open_database(settings: Settings) -> AsyncEngine:
    """Connect (with a time limit) and migrate, or fail with one clear line."""
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        async with asyncio.timeout(15):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as error:
        await engine.dispose()
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise StartupError(f"cannot reach the database {describe_url(settings)}: {reason}") from None
    await upgrade(engine)
    return engine


PlatformFactory = Callable[[App], ChatPlatform]
# How long stopping waits for an outbox round in progress before cutting it short.
STOP_WAIT = 10.0


def platform_factories() -> dict[str, PlatformFactory]:
    from bots.console.factory import make_console
    from bots.matrix.factory import make_matrix

    return {"console": make_console, "discord": _discord, "matrix": make_matrix}


def _discord(app: App) -> ChatPlatform:
    # Imported only when Discord runs: discord.py takes a while to import.
    from bots.discord.factory import make_discord

    return make_discord(app)


async def run(settings: Settings, platform_names: list[str], *, clock: Clock | None = None) -> None:
    factories = platform_factories()
    unknown = [name for name in platform_names if name not in factories]
    if unknown:
        raise StartupError(f"unknown or unavailable platform: {', '.join(unknown)}")
    engine = await open_database(settings)
    app = bootstrap(settings, clock=clock, engine=engine)
    platforms = [factories[name](app) for name in platform_names]
    dispatcher = app.attach(platforms)
    scheduler = AsyncIOScheduler()
    scheduler.add_job(housekeeping, "interval", args=[app], hours=1, id="housekeeping",
                      max_instances=1, coalesce=True)
    sweeps = schedule_sweeps(app, scheduler)
    scheduler.start()
    background = [asyncio.create_task(dispatcher.run_forever(), name="outbox")]
    # A Procfile platform is stopped with SIGTERM: treat it like Ctrl-C, so the clean-up
    # below (the last outbox delivery among it) still runs.
    main_task = asyncio.current_task()
    if main_task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    try:
        runs: list[Awaitable[None]] = [p.run() for p in platforms]  # type: ignore[attr-defined]
        await asyncio.gather(*runs)
    finally:
        # Stop without cancelling anything mid-transaction: no new sweeps, let running ones
        # and the dispatcher's round finish (within STOP_WAIT; cancelled only past that).
        scheduler.pause()
        dispatcher.stop()
        waiting = [*background, *sweeps]
        if waiting:
            _, unfinished = await asyncio.wait(waiting, timeout=STOP_WAIT)
            for task in unfinished:
                task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
        scheduler.shutdown(wait=False)
        # What the last commands wrote to the outbox still goes out before we stop.
        try:
            await dispatcher.run_once()
        finally:
            await engine.dispose()


def schedule_sweeps(app: App, scheduler: AsyncIOScheduler) -> set[asyncio.Task[None]]:
    """Timers are swept every CARPOOL_SWEEP_SECONDS by an interval job, and also at the next
    due time when that comes sooner (a timer armed for 3 s must not wait 15)."""
    interval = timedelta(seconds=app.settings.sweep_seconds)

    running: set[asyncio.Task[None]] = set()

    async def sweep() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            await app.sweeper.run_once()
            upcoming = await app.sweeper.next_due()
        except Exception:
            log.exception("timer sweep failed; the next one retries")
            return
        finally:
            if task is not None:
                running.discard(task)
        if upcoming is not None:
            sweep_at(upcoming)

    early: list[datetime] = []

    def sweep_at(when: datetime) -> None:
        now = datetime.now(UTC)
        if when - now >= interval:
            return  # the interval job comes first
        if early and now < early[0] <= when:
            return  # an earlier wake-up is already set; it will schedule the next one
        early[:] = [max(when, now)]
        scheduler.add_job(sweep, "date", run_date=max(when, now) + timedelta(milliseconds=5), id="sweep-early",
                          replace_existing=True, misfire_grace_time=None)

    scheduler.add_job(sweep, "interval", seconds=app.settings.sweep_seconds, id="sweep", max_instances=1,
                      coalesce=True, next_run_time=datetime.now(UTC))
    app.sweep_at = sweep_at
    return running


async def db_upgrade(settings: Settings) -> None:
    engine = await open_database(settings)
    await engine.dispose()


