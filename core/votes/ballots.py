"""What a ballot holds and how people write it; receipt codes.

A recall ballot is `keep` or `recall`. An election ballot names candidates by their number on
the ballot (or a one-word name): approval ballots approve any set (stored sorted), ranked
ballots list preferences in order (stored in that order). `none` is a blank ballot.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from core.errors import InvalidInput
from core.votes.model import BLANK, KEEP, RECALL, Kind, Vote

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
RECEIPT_LENGTH = 10  # 50 random bits: unguessable, and unique within a vote (checked)
_KEEP_WORDS = {"keep", "yes", "continue", "stay"}
_RECALL_WORDS = {"recall", "no", "remove"}
_BLANK_WORDS = {"none", "blank", "-"}
_SEPARATORS = re.compile(r"[\s,;>]+")


def new_receipts(count: int) -> list[str]:
    found: set[str] = set()
    while len(found) < count:
        found.add("".join(secrets.choice(_ALPHABET) for _ in range(RECEIPT_LENGTH)))
    return list(found)


def show_receipt(receipt: str) -> str:
    half = len(receipt) // 2
    return f"{receipt[:half]}-{receipt[half:]}"


def normalise_receipt(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())[:RECEIPT_LENGTH]


def random_start() -> str:
    """A random point among receipts: casting fills the first free blank from here."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(RECEIPT_LENGTH))


def parse_choice(vote: Vote, text: str, candidates: dict[int, str]) -> str:
    """The canonical stored choice for what the voter wrote; InvalidInput explains a mistake.

    `candidates` maps ballot numbers to names (elections)."""
    words = [w for w in _SEPARATORS.split(text.strip().lower()) if w]
    if vote.kind is Kind.RECALL:
        if len(words) == 1 and words[0] in _KEEP_WORDS:
            return KEEP
        if len(words) == 1 and words[0] in _RECALL_WORDS:
            return RECALL
        raise InvalidInput("On a recall ballot, choose `keep` or `recall`.")
    if not words:
        raise InvalidInput("Name the candidates by their number on the ballot, or `none` for a blank ballot.")
    if len(words) == 1 and words[0] in _BLANK_WORDS:
        return BLANK
    by_name: dict[str, list[int]] = {}
    for number, name in candidates.items():
        by_name.setdefault(name.lower(), []).append(number)
    chosen: list[int] = []
    for word in words:
        digits = word.lstrip("#")
        if digits.isdigit() and len(digits) < 6:
            number = int(digits)
        else:
            matches = by_name.get(word.lstrip("@"), [])
            if len(matches) != 1:
                raise InvalidInput(f"“{word[:30]}” is not a candidate here; use the numbers on the ballot.")
            number = matches[0]
        if number not in candidates:
            raise InvalidInput(f"There is no candidate {number} on this ballot.")
        if number in chosen:
            raise InvalidInput("Name each candidate once.")
        chosen.append(number)
    if vote.method == "approval":
        chosen.sort()
    return ",".join(str(n) for n in chosen)


def numbers(choice: str) -> list[int]:
    return [] if choice == BLANK else [int(n) for n in choice.split(",")]


def describe_choice(vote: Vote, choice: str, candidates: dict[int, str]) -> str:
    """How a stored choice reads in a receipt list or a confirmation."""
    if vote.kind is Kind.RECALL:
        return "keep" if choice == KEEP else "recall"
    if choice == BLANK:
        return "blank"
    names = [candidates.get(n, f"#{n}") for n in numbers(choice)]
    if vote.method == "ranked":
        return " > ".join(names)
    return ", ".join(names)


def describe_receipts(vote: Vote, rows: Sequence[tuple[str, str]], candidates: dict[int, str]) -> list[str]:
    return [f"- `{show_receipt(r)}` {describe_choice(vote, c, candidates)}" for r, c in rows]
