"""A pick among options (core `Choose`, e.g. an election ballot) as a select menu.

Picking runs nothing: it shows what was picked and a button that runs the command with the
picks (`vote cast 4 2,1 in:1`), so a slip of the mouse is not a cast ballot. When order
matters (a ranked ballot), picks are made one at a time and the ranking so far rides in the
select's custom_id. Nothing is kept in memory: a select sent before a restart still works.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bots.discord.buttons import CUSTOM_ID_LIMIT, LABEL_LIMIT, ActionButton, fits
from core.effects import Action, Choose

PREFIX = "cs:"
MAX_OPTIONS = 25
SLOT = "{}"
_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")
MESSAGE_LIMIT = 2000
MARK = "\n\n➜ "


def usable(choose: Choose) -> bool:
    """Whether Discord can show `choose` as a select (else the reply's text and buttons stand)."""
    return (SLOT in choose.command and 0 < len(choose.options) <= MAX_OPTIONS
            and all(_VALUE.match(value) for _, value in choose.options)
            and len(custom_id(choose.command, choose.ordered, [v for _, v in choose.options])) <= CUSTOM_ID_LIMIT)


def covered(choose: Choose, action: Action) -> bool:
    """An action the select replaces (a button per single choice)."""
    return action.command.startswith(choose.command.split(SLOT, 1)[0])


def custom_id(command: str, ordered: bool, picked: Sequence[str] = ()) -> str:
    return f"{PREFIX}{'r' if ordered else 'a'}:{','.join(picked)}|{command}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def select_for(choose: Choose) -> discord.ui.Item[Any]:
    options = [discord.SelectOption(label=label[:LABEL_LIMIT] or value, value=value) for label, value in choose.options]
    return PickSelect(choose.command, choose.ordered, [], options, choose.placeholder,
                      1 if choose.ordered else max(1, min(choose.max_picks, len(options))))


class PickSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                 template=r"cs:(?P<mode>[ar]):(?P<picked>[A-Za-z0-9_,-]*)\|(?P<command>[^\n]+)"):
    def __init__(self, command: str, ordered: bool, picked: Sequence[str], options: list[discord.SelectOption],
                 placeholder: str = "", max_values: int = 1) -> None:
        super().__init__(discord.ui.Select(custom_id=custom_id(command, ordered, picked), options=options,
                                           placeholder=placeholder[:150] or None, min_values=1,
                                           max_values=max_values))
        self.command = command
        self.ordered = ordered
        self.picked = list(picked)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str]) -> PickSelect:
        options = list(item.options) if isinstance(item, discord.ui.Select) else []
        max_values = item.max_values if isinstance(item, discord.ui.Select) else 1
        placeholder = item.placeholder if isinstance(item, discord.ui.Select) else None
        picked = [p for p in match["picked"].split(",") if p]
        return cls(match["command"], match["mode"] == "r", picked, options, placeholder or "", max_values)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        labels = {o.value: o.label for o in self.item.options}
        chosen = [v for v in self.item.values if v in labels]
        if self.ordered:
            picks = self.picked + [v for v in chosen if v not in self.picked]
            shown = ", ".join(f"{n}. {labels.get(v, v)}" for n, v in enumerate(picks, 1))
            left = len(labels) - len(picks)
            follow = (f"Pick your {ordinal(len(picks) + 1)} choice, or cast this ranking." if left else
                      "Every candidate is ranked: cast it when it is right.")
            status = f"Your ranking so far: **{discord.utils.escape_markdown(shown)}**. {follow}"
            placeholder = f"Your {ordinal(len(picks) + 1)} choice (optional)" if left else "Every candidate is ranked"
            select = PickSelect(self.command, True, picks, list(self.item.options), placeholder, 1)
            select.item.disabled = not left
        else:
            picks = chosen
            shown = ", ".join(labels.get(v, v) for v in picks)
            status = f"You picked **{discord.utils.escape_markdown(shown)}**. Cast it, or pick again."
            options = [discord.SelectOption(label=o.label, value=o.value, default=o.value in picks)
                       for o in self.item.options]
            select = PickSelect(self.command, False, [], options, self.item.placeholder or "", self.item.max_values)
        view = discord.ui.View(timeout=None)
        view.add_item(select)
        action = Action("Cast it", self.command.replace(SLOT, ",".join(picks)), style="success")
        if fits(action):
            view.add_item(ActionButton(action.command, action.label, discord.ButtonStyle.success))
        await interaction.response.edit_message(content=with_status(interaction, status), view=view)


def with_status(interaction: discord.Interaction[Any], status: str) -> str:
    """The message's text with `status` in place of the previous one."""
    text = interaction.message.content if interaction.message is not None else ""
    text = text.split(MARK, 1)[0]
    combined = f"{text}{MARK}{status}" if text else status
    return combined if len(combined) <= MESSAGE_LIMIT else status[:MESSAGE_LIMIT]
