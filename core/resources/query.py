"""Search text as typed, turned into plain terms that no search engine can misread.

Full-text engines have query languages: FTS5 reads `"`, `*`, `AND`, `NEAR(…)`, `col:` and
parentheses, PostgreSQL's `to_tsquery` reads `&|!():*`. Letting a user's text reach either
as syntax means errors (an unbalanced parenthesis) or surprises (a column filter). So the
text is cut into words (letters and digits only) and each storage engine quotes every word
as a plain term. A trailing `*` on a word, as people type it, asks for a prefix match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_TERMS = 12
TERM_LIMIT = 40
_WORD = re.compile(r"[^\W_]+(\*)?")


@dataclass(frozen=True, slots=True)
class Terms:
    words: tuple[str, ...]
    # Whether the last word is a prefix (autocomplete, or `envel*` typed in a search).
    prefix: bool = False
    # Any word matches (a fallback when all of them together found nothing).
    any: bool = False

    def __bool__(self) -> bool:
        return bool(self.words)


def terms(text: str, *, prefix: bool = False) -> Terms:
    """The words of `text`, lower-cased, at most MAX_TERMS; `prefix` makes the last one a prefix."""
    normal = unicodedata.normalize("NFKC", text.encode("utf-8", "replace").decode("utf-8")).lower()
    words: list[str] = []
    starred = False
    for match in _WORD.finditer(normal):
        word = match[0].rstrip("*")[:TERM_LIMIT]
        if word and word not in words:
            words.append(word)
            starred = match[1] is not None
        if len(words) == MAX_TERMS:
            break
    return Terms(tuple(words), prefix=bool(words) and (prefix or starred))
