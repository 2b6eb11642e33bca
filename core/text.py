"""Cleaning what people type before it is stored or shown.

Chat text arrives with control characters, lone surrogates (which PostgreSQL cannot store)
and sizes far beyond what a rule or a name should be. Everything stored goes through here.
"""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

_KEEP_IN_MULTILINE = {"\n", "\t"}


def clean(text: str, *, field: str, limit: int, multiline: bool = False, required: bool = True) -> str:
    """Normalise `text`, strip control characters, and enforce a length limit.

    Raises InvalidInput with a message naming `field` when the text is empty (and required)
    or longer than `limit` characters.
    """
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        if char in _KEEP_IN_MULTILINE and multiline:
            kept.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") and char != "\u200d":
            kept.append(" " if char in ("\n", "\t", "\r") else "")
        else:
            kept.append(char)
    result = "".join(kept)
    result = "\n".join(line.rstrip() for line in result.strip().splitlines()) if multiline else " ".join(result.split())
    if required and not result:
        raise InvalidInput(f"The {field} can't be empty.")
    if len(result) > limit:
        raise InvalidInput(
            f"The {field} can be at most {limit:,} characters (yours has {len(result):,})."
        )
    return result


def preview(text: str, limit: int = 80) -> str:
    """A one-line excerpt for lists and notifications."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
