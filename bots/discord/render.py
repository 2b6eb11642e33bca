"""Core text (Markdown plus mention tokens) as Discord messages.

Discord renders Markdown natively. Mention tokens of Discord accounts become `<@id>`;
others become a plain `@name`. Raw mentions inside user-written text (a rule saying
`@everyone`) are defused, and only people an effect names explicitly are pinged.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bots.discord.paths import slash_hints
from bots.markup import replace_mentions
from core.effects import Action, Choose
from core.refs import AccountRef

MESSAGE_LIMIT = 2000
MAX_PARTS = 10
CUT = "\n… (the rest was too long for Discord)"


def discord_text(text: str) -> str:
    text = discord.utils.escape_mentions(text)
    text = replace_mentions(text, _mention)
    return slash_hints(text) or "…"


def _mention(ref: AccountRef, name: str) -> str:
    if ref.platform == "discord" and ref.user_id.isdigit():
        return f"<@{ref.user_id}>"
    return "@" + discord.utils.escape_mentions(discord.utils.escape_markdown(name))


def allowed_mentions(refs: Sequence[AccountRef] = ()) -> discord.AllowedMentions:
    """Only the people an effect names in its structure are pinged, never ids found in text:
    text may quote what users wrote, and a written mention must not notify anyone."""
    ids = {int(r.user_id) for r in refs if r.platform == "discord" and r.user_id.isdigit()}
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(i) for i in sorted(ids)])


def hint_lines(actions: Sequence[Action]) -> str:
    """Actions that cannot be buttons, as lines telling what to type."""
    return "".join(f"\n→ {a.label}: `{a.command}`" for a in actions)


def split(text: str, limit: int = MESSAGE_LIMIT, max_parts: int = MAX_PARTS) -> list[str]:
    """Messages of at most `limit` characters, cut at line ends where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current or "…")
    if len(parts) > max_parts:
        parts = parts[:max_parts]
        parts[-1] = parts[-1][: limit - len(CUT)] + CUT
    return parts


def render(text: str, actions: Sequence[Action] = (), choose: Choose | None = None
           ) -> tuple[list[str], discord.ui.View | None]:
    """Message parts and a view for the last part."""
    from bots.discord.buttons import view_for

    view, left = view_for(actions, choose)
    return split(discord_text(text + hint_lines(left))), view
