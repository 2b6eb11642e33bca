"""Rendering the core's text markup (Markdown plus mention tokens) for each platform."""

from __future__ import annotations

import re
from collections.abc import Callable

from core.refs import AccountRef

MENTION = re.compile(r"<@(console|discord|matrix):([^|>]+)\|([^>]*)>")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
CODE = re.compile(r"`([^`]+)`")


def replace_mentions(text: str, render: Callable[[AccountRef, str], str]) -> str:
    return MENTION.sub(lambda m: render(AccountRef(m[1], m[2]), m[3]), text)  # type: ignore[arg-type]


def mentioned(text: str) -> list[AccountRef]:
    return [AccountRef(m[1], m[2]) for m in MENTION.finditer(text)]  # type: ignore[arg-type]


def plain(text: str) -> str:
    """For terminals and plain-text bodies: no Markdown markers, links as `label (url)`."""
    text = replace_mentions(text, lambda _ref, name: f"@{name}")
    text = LINK.sub(lambda m: f"{m[1]} ({m[2]})", text)
    return BOLD.sub(r"\1", text)


def with_prefix(text: str, prefix: str) -> str:
    """Commands quoted in core text (`join accept`) get the platform's prefix (`!cop join accept`)."""
    from core.commands.spec import REGISTRY

    roots = {path[0] for path in REGISTRY}

    def fix(match: re.Match[str]) -> str:
        body = match[1]
        first = body.split(" ", 1)[0].lower()
        return f"`{prefix}{body}`" if first in roots else match[0]

    return CODE.sub(fix, text)
