from __future__ import annotations

from bots.bootstrap import App
from bots.console.platform import ConsolePlatform


def make_console(app: App) -> ConsolePlatform:
    console = ConsolePlatform(app.bus, user=app.settings.console_user, prefix=app.settings.matrix.prefix,
                              ingest=app.ingest.submit, clock=app.clock)

    async def settle() -> None:
        # Show what a line caused right after it, in order: timers now due (a reply that
        # stopped a clock, a nudge), then the outbox (DMs, posts).
        await app.sweeper.run_once()
        if app.dispatcher is not None:
            await app.dispatcher.run_once()

    console.on_idle = settle
    return console
