"""A terminal chat: you speak as chat accounts in one local community home.

Lines starting with the prefix (`!cop`) are commands, exactly as on Matrix. `/as NAME`
switches who is speaking, `/as NAME --admin` also makes that account an admin of the console
space, `/thread N` enters question N's thread (plain lines there are replies), `/quit`
leaves. It reads standard input, so it can be driven through a pipe.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Literal, TextIO, assert_never

from bots.markup import plain, with_prefix
from core.clock import Clock, SystemClock
from core.commands.bus import CommandBus
from core.effects import Action, DirectMessage, HomePost, OutboundEffect, Reply, RoleChange, ThreadUpdate
from core.questions.activity import ThreadMessage
from core.refs import AccountRef, Actor, Where

# Only the person at the terminal sees what is typed there.
CONSOLE_WHERE = Where("console", room_id="main", space_id="console", room_kind="console", private=True)
HELP = """Console commands:
  !cop <command>      run a bot command (try !cop help)
  /as NAME [--admin]  speak as NAME (--admin: an admin of this console space)
  /thread N           enter question N's thread: plain lines are replies there; /thread alone leaves
  /whoami             who is speaking
  /quit               leave (everything is kept in the database)"""

Ingest = Callable[[ThreadMessage], object]


def thread_id(number: int | str) -> str:
    return f"{CONSOLE_WHERE.room_id}:q{number}"


class ConsolePlatform:
    name: Literal["console"] = "console"

    def __init__(self, bus: CommandBus, *, user: str = "you", prefix: str = "!cop",
                 stdin: TextIO | None = None, stdout: TextIO | None = None, ingest: Ingest | None = None,
                 clock: Clock | None = None) -> None:
        self.bus = bus
        self.prefix = prefix
        self.user = user
        self.admins: set[str] = set()
        self.thread: str | None = None
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.ingest = ingest
        self.clock = clock or SystemClock()
        self.on_idle: Callable[[], object] | None = None

    # -- delivering outbound effects ------------------------------------------------------
    async def deliver(self, effect: OutboundEffect, key: str) -> None:
        match effect:
            case DirectMessage():
                self._print(f"[DM to {effect.to.user_id}] {render(effect.text, self.prefix)}", effect.actions)
            case HomePost():
                where = f"#{effect.home.room_id}" + (f" thread {effect.thread_id}" if effect.thread_id else "")
                self._print(f"[{where}] {render(effect.text, self.prefix)}", effect.actions)
            case ThreadUpdate():
                self._print(f"[thread {effect.thread_id}] marked {effect.status}")
            case RoleChange():
                verb = "now" if effect.granted else "no longer"
                self._print(f"[roles] {effect.account.user_id} is {verb} {effect.role.value} "
                            f"of {effect.community_name}")
            case _:
                assert_never(effect)

    # -- the chat loop --------------------------------------------------------------------
    def actor(self) -> Actor:
        return Actor(AccountRef("console", self.user), self.user, is_space_admin=self.user in self.admins)

    def where(self) -> Where:
        return replace(CONSOLE_WHERE, thread_id=self.thread)

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; returns False when the user quits."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return self._meta(line)
        if line == self.prefix or line.startswith(self.prefix + " "):
            reply = await self.bus.run_text(line[len(self.prefix):].strip(), self.actor(), self.where())
            self.show_reply(reply)
            if reply.thread is not None and reply.thread.number is not None:
                # The console has no threads of its own: a question's thread is named by its number.
                await self.bus.attach_thread(reply.thread.key, thread_id(reply.thread.number))
                self._print(f"   (its thread: /thread {reply.thread.number})")
        elif self.thread is not None and self.ingest is not None:
            result = self.ingest(ThreadMessage("console", self.thread, self.actor(), self.clock.now()))
            if asyncio.iscoroutine(result):
                await result
        return True

    def _meta(self, line: str) -> bool:
        words = line.split()
        if words[0] == "/quit":
            return False
        if words[0] == "/as" and len(words) >= 2 and words[1] != "--admin":
            self.user = words[1][:64]
            if "--admin" in words[2:]:
                self.admins.add(self.user)
            role = " (admin)" if self.user in self.admins else ""
            self._print(f"You are now {self.user}{role}.")
        elif words[0] == "/thread":
            number = words[1].lstrip("#") if len(words) > 1 else ""
            self.thread = thread_id(number) if number.isdigit() else None
            self._print(f"In the thread of question #{number}; plain lines are replies." if self.thread
                        else "Back in the main room.")
        elif words[0] == "/whoami":
            self._print(f"You are {self.user}" + (" (admin)." if self.user in self.admins else "."))
        else:
            self._print(HELP)
        return True

    def show_reply(self, reply: Reply) -> None:
        marker = "(only you see this) " if reply.private else ""
        self._print(f"bot> {marker}{render(reply.text, self.prefix)}", reply.actions)

    def _print(self, text: str, actions: tuple[Action, ...] = ()) -> None:
        lines = [text] + [f"   → {a.label}: type `{self.prefix} {a.command}`" for a in actions if not a.url]
        lines += [f"   → {a.label}: {a.url}" for a in actions if a.url]
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()

    async def run(self) -> None:
        interactive = self.stdin.isatty()
        if interactive:
            self._print(f"Carpool CoP console. You are {self.user}. Type /help or {self.prefix} help.")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                where = f" in #{self.thread.split(':q')[-1]}" if self.thread else ""
                self.stdout.write(f"{self.user}{where}> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            if not await self.handle_line(line):
                break
            if self.on_idle is not None:
                result = self.on_idle()
                if asyncio.iscoroutine(result):
                    await result


def render(text: str, prefix: str = "!cop") -> str:
    return with_prefix(plain(text), prefix + " ")
