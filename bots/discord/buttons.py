"""Reply actions as persistent buttons.

A button's custom_id carries the text command it runs (`cp:join accept`), so a click needs
no state kept anywhere: `ActionButton` is a `DynamicItem` registered at start-up, and the
buttons of any message the bot ever sent keep working after a restart. A click runs the
command as the person who clicked, through the same checks as if they had typed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from core.effects import Action, Choose

if TYPE_CHECKING:
    from bots.discord.bridge import Bridge

PREFIX = "cp:"
CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
MAX_ITEMS = 25
ROW = 5
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
    "link": discord.ButtonStyle.link,
}


def fits(action: Action) -> bool:
    return len(PREFIX + action.command) <= CUSTOM_ID_LIMIT and "\n" not in action.command


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"cp:(?P<command>[^\n]+)"):
    def __init__(self, command: str, label: str = "", style: discord.ButtonStyle = discord.ButtonStyle.secondary
                 ) -> None:
        super().__init__(discord.ui.Button(label=(label or command)[:LABEL_LIMIT], style=style,
                                           custom_id=PREFIX + command))
        self.command = command

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: Any) -> ActionButton:
        return cls(match["command"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bridge: Bridge = interaction.client.bridge
        await bridge.action(interaction, self.command)


def view_for(actions: Sequence[Action], choose: Choose | None = None
             ) -> tuple[discord.ui.View | None, list[Action]]:
    """A persistent view with a button per action (and a select menu for `choose`), and the
    actions that could not be buttons."""
    from bots.discord import choose as picking

    items: list[discord.ui.Item[Any]] = []
    left: list[Action] = []
    room = MAX_ITEMS  # five rows of five buttons; a select fills a row
    if choose is not None and picking.usable(choose):
        items.append(picking.select_for(choose))
        room -= ROW
        actions = [a for a in actions if not picking.covered(choose, a)]
    for action in actions:
        if room <= 0:
            left.append(action)
        elif action.url:
            items.append(discord.ui.Button(label=action.label[:LABEL_LIMIT], url=action.url))
            room -= 1
        elif fits(action):
            items.append(ActionButton(action.command, action.label, STYLES.get(action.style, STYLES["secondary"])))
            room -= 1
        else:
            left.append(action)
    if not items:
        return None, left
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view, left
