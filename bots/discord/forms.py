"""Commands whose long text is better typed in a form: the slash command opens a modal.

A modal holds at most five text fields and offers no autocomplete, so a form takes the
free-text parameters and the rest stay slash options (a kind picked from choices, tags with
autocomplete). The submitted values build the same core command as any other front end
(`CommandSpec.build`), so the core checks everything as usual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from core.commands.spec import CommandSpec
from core.errors import UserError

if TYPE_CHECKING:
    from bots.discord.bridge import Bridge

TITLE_LIMIT = 45
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
# Discord's own limits on a text field; the core applies the command's tighter ones and says so.
SHORT_LIMIT = 1000
PARAGRAPH_LIMIT = 4000
# A form left open longer than this is gone; the slash command opens a new one.
FORM_TIMEOUT = 15 * 60.0


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    paragraph: bool = False


@dataclass(frozen=True)
class Form:
    title: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


FORMS: dict[tuple[str, ...], Form] = {
    ("resource", "add"): Form("Add a resource", (
        Field("title", "Title"),
        Field("url", "Link (http or https), if there is one"),
        Field("text", "What it is and why it helps", paragraph=True),
        Field("source", "Source or citation"),
    )),
}


def form_for(spec: CommandSpec) -> Form | None:
    form = FORMS.get(spec.path)
    if form is not None and (len(form.fields) > 5 or not form.names <= {p.name for p in spec.params}):
        raise ValueError(f"the form for {spec.name!r} does not match its parameters")
    return form


class CommandForm(discord.ui.Modal):
    def __init__(self, bridge: Bridge, spec: CommandSpec, form: Form, options: Mapping[str, object]) -> None:
        super().__init__(title=form.title[:TITLE_LIMIT], timeout=FORM_TIMEOUT)
        self.bridge = bridge
        self.spec = spec
        self.options = dict(options)
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for field in form.fields:
            param = spec.param(field.name)
            assert param is not None
            text_input: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=field.label[:LABEL_LIMIT], custom_id=field.name, placeholder=param.help[:PLACEHOLDER_LIMIT],
                style=discord.TextStyle.paragraph if field.paragraph else discord.TextStyle.short,
                required=param.required, max_length=PARAGRAPH_LIMIT if field.paragraph else SHORT_LIMIT)
            self.inputs[field.name] = text_input
            self.add_item(text_input)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        values = {**self.options, **{name: field.value.strip() for name, field in self.inputs.items()
                                     if field.value and field.value.strip()}}
        try:
            cmd = self.spec.build(values)
        except UserError as error:
            await interaction.response.send_message(error.message, ephemeral=True,
                                                    allowed_mentions=discord.AllowedMentions.none())
            return
        await self.bridge.run(interaction, cmd)
