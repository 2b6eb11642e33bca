from __future__ import annotations

from bots.bootstrap import App
from bots.console.platform import ConsolePlatform


def make_console(app: App) -> ConsolePlatform:
    console = ConsolePlatform(app.bus, user=app.settings.console_user, prefix=app.settings.matrix.prefix)

    async def drain() -> None:
        # Show what a command caused (DMs, posts) right after its reply, in order.
        if app.dispatcher is not None:
            await app.dispatcher.run_once()

    console.on_idle = drain
    return console
