"""Links as stored: http(s) only, in one canonical spelling so the same page is found once.

Two links to the same page often differ only in case, a default port, a fragment or
tracking parameters from a newsletter; they are normalised before storing and comparing:
lower-case scheme and host (IDNA for non-ASCII hosts), no default port, no fragment, no
tracking parameters, the remaining query parameters sorted. Anything but http and https is
refused: a `javascript:` or `data:` link in a trusted list would be a trap.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from core.errors import InvalidInput

URL_LIMIT = 2000
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):\S")
# A link typed without its scheme: `www.example.org…` or `example.org/page`.
_BARE = re.compile(r"^(www\.\S+|[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}/\S*)$")
_TRACKING_PREFIXES = ("utm_",)
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
                       "igshid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id", "oly_enc_id",
                       "vero_id", "spm"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters kept as they are in paths and queries; everything else is percent-encoded, so a
# stored link never contains spaces, quotes, angle brackets or parentheses (which would
# break the Markdown it is shown in).
_PATH_SAFE = "/%:@!$&'*+,;=-._~"
_QUERY_SAFE = "/:@!$'*,;-._~?"


def looks_like_url(text: str) -> bool:
    """Whether a word someone typed is meant as a link (it has a scheme, or starts with www.)."""
    value = text.strip()
    return bool(_SCHEME.match(value) or _BARE.match(value))


def normalise_url(raw: str) -> str:
    text = raw.strip()
    if len(text) > URL_LIMIT:
        raise InvalidInput(f"A link can be at most {URL_LIMIT:,} characters (yours has {len(text):,}).")
    if not text:
        raise InvalidInput("The link is empty.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidInput("A link can't contain spaces or control characters.")
    if _BARE.match(text) and not _SCHEME.match(text):
        text = "https://" + text
    scheme_match = _SCHEME.match(text)
    scheme = scheme_match[1].lower() if scheme_match else ""
    if scheme not in _DEFAULT_PORTS:
        shown = f"“{scheme[:20]}:” " if scheme else ""
        raise InvalidInput(f"Only http and https links can be added; {shown}links are not allowed.")
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        raise InvalidInput("That link is not a valid web address.") from None
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("Links with a user name or password in them are not allowed.")
    host = host.rstrip(".")
    if not host:
        raise InvalidInput("That link has no web site in it (like https://example.org/page).")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInput("That link's web site name is not valid.") from None
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = _clean_query(parts.query)
    url = str(urlunsplit((scheme, netloc, path, query, "")))
    if len(url) > URL_LIMIT:
        raise InvalidInput(f"A link can be at most {URL_LIMIT:,} characters.")
    return url


def _clean_query(query: str) -> str:
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
             if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING]
    pairs.sort()
    return urlencode(pairs, quote_via=quote, safe=_QUERY_SAFE)
