"""Core text (Markdown plus mention tokens) as Matrix message content: a plain `body`, an HTML
`formatted_body`, pills for mentions and `m.mentions` naming who is mentioned.

Raw HTML in the text is escaped, never passed through: the text may quote what users typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from markdown_it import MarkdownIt

from bots.markup import mentioned, plain, replace_mentions, with_prefix
from bots.matrix.links import user_link
from core.effects import Action
from core.refs import AccountRef

# Synapse refuses events over 64 KiB; the body and its HTML both count, so stay well below.
MAX_TEXT = 16_000
CUT_NOTE = "\n\n… (cut: too long for one message)"

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _markdown_mention(ref: AccountRef, name: str) -> str:
    label = _MD_SPECIAL.sub(r"\\\1", name) or ref.user_id
    if ref.platform != "matrix":
        return label
    return f"[{label}]({user_link(ref.user_id)})"


def action_lines(actions: Iterable[Action], prefix: str) -> list[str]:
    lines = []
    for action in actions:
        if action.url:
            lines.append(f"→ [{action.label}]({action.url})")
        else:
            lines.append(f"→ {action.label}: `{prefix} {action.command}`")
    return lines


def message_content(text: str, *, prefix: str = "!cop", actions: Iterable[Action] = (),
                    msgtype: str = "m.text", extra_mentions: Iterable[AccountRef] = ()) -> dict[str, Any]:
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + CUT_NOTE
    lines = action_lines(actions, prefix)
    if lines:
        text = text + "\n\n" + "\n".join(lines)
    text = with_prefix(text, prefix + " ")
    users = [r.user_id for r in [*mentioned(text), *extra_mentions] if r.platform == "matrix"]
    html = _md.render(replace_mentions(text, _markdown_mention)).strip()
    content: dict[str, Any] = {
        "msgtype": msgtype,
        "body": plain(text),
        "format": "org.matrix.custom.html",
        "formatted_body": html,
        "m.mentions": {"user_ids": list(dict.fromkeys(users))} if users else {},
    }
    return content


def in_thread(content: dict[str, Any], root: str, reply_to: str | None = None) -> dict[str, Any]:
    """Put `content` in the thread under `root`; clients without threads see a reply to `reply_to`."""
    content["m.relates_to"] = {
        "rel_type": "m.thread",
        "event_id": root,
        "is_falling_back": True,
        "m.in_reply_to": {"event_id": reply_to or root},
    }
    return content


def strip_reply_fallback(body: str) -> str:
    """Older clients quote the message replied to (`> <@a:b> text`) before the reply itself."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).lstrip("\n")


def command_line(body: str, prefix: str) -> str | None:
    """The command after the prefix (`!cop join accept` → `join accept`), or None."""
    text = body.strip()
    if text == prefix:
        return ""
    if text.startswith(prefix) and text[len(prefix)].isspace():
        return text[len(prefix):].strip()
    return None
