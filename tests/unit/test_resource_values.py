"""Links, search terms and resource numbers as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import core.catalog  # noqa: F401
from core.commands.parser import parse
from core.errors import InvalidInput
from core.resources.commands import AddResource
from core.resources.model import ResourceRef, parse_ref, parse_tags
from core.resources.query import MAX_TERMS, TERM_LIMIT, Terms, terms
from core.resources.urls import looks_like_url, normalise_url
from storage.resource_search import fts_match, pg_tsquery


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://example.org", "https://example.org/"),
    ("HTTPS://Example.ORG/Path", "https://example.org/Path"),
    ("http://example.org:80/a", "http://example.org/a"),
    ("https://example.org:443/a", "https://example.org/a"),
    ("https://example.org:8443/a", "https://example.org:8443/a"),
    ("https://example.org/a#section-2", "https://example.org/a"),
    ("https://example.org/a?utm_source=x&utm_campaign=y&id=4&fbclid=z&gclid=q", "https://example.org/a?id=4"),
    ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
    ("https://example.org/a?q=pacing%20tips", "https://example.org/a?q=pacing%20tips"),
    ("https://example.org/Energy_(physics)", "https://example.org/Energy_%28physics%29"),
    ("www.example.org/page", "https://www.example.org/page"),
    ("nhs.uk/conditions/pots", "https://nhs.uk/conditions/pots"),
    ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ("https://example.org./x", "https://example.org/x"),
    ("https://[2001:db8::1]:443/x", "https://[2001:db8::1]/x"),
])
def test_links_are_normalised(raw: str, expected: str) -> None:
    assert normalise_url(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("javascript:alert(1)", "Only http and https"),
    ("JavaScript:alert(document.cookie)", "Only http and https"),
    ("data:text/html;base64,PHNjcmlwdD4=", "Only http and https"),
    ("file:///etc/passwd", "Only http and https"),
    ("ftp://example.org/x", "Only http and https"),
    ("vbscript:msgbox", "Only http and https"),
    ("localhost:8080/x", "Only http and https"),
    ("https://user:pw@example.org/", "user name or password"),
    ("https://example.org/a b", "spaces"),
    ("https://example.org/\x00", "control characters"),
    ("https://", "no web site"),
    ("https://example.org:99999/", "not a valid web address"),
    ("https://[::1/", "not a valid web address"),
    ("https://example.org/" + "a" * 2000, "at most 2,000 characters"),
])
def test_bad_links_are_refused_with_a_reason(raw: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        normalise_url(raw)


@given(st.text(max_size=200))
def test_any_link_text_is_normalised_or_refused_cleanly(raw: str) -> None:
    try:
        url = normalise_url(raw)
    except InvalidInput as error:
        assert len(error.message) < 200
        return
    assert url.startswith(("http://", "https://"))
    assert normalise_url(url) == url  # normal forms are stable
    assert not any(c in url for c in ' "<>()`\n')


def test_what_counts_as_a_link_in_resource_add() -> None:
    assert looks_like_url("https://example.org") and looks_like_url("javascript:alert(1)")
    assert looks_like_url("www.example.org") and looks_like_url("example.org/page")
    for word in ("Note:", "I", "12:30", "Dr.Smith", "e.g.", "example.org"):
        assert not looks_like_url(word), word


def test_search_text_becomes_plain_words() -> None:
    assert terms('"energy" NEAR(envelope*) OR -sleep') == Terms(("energy", "near", "envelope", "or", "sleep"))
    assert terms("envel*") == Terms(("envel",), prefix=True)
    assert terms("envel* sleep") == Terms(("envel", "sleep"))
    assert terms("ＥＮＥＲＧＹ ²") == Terms(("energy", "2"))
    assert terms("a_b pacing pacing") == Terms(("a", "b", "pacing"))
    assert not terms("*** ((( ''' ;--")
    assert len(terms(" ".join(f"w{i}" for i in range(50))).words) == MAX_TERMS
    assert len(terms("x" * 500).words[0]) == TERM_LIMIT
    assert terms("\ud800 café") == Terms(("café",))


def test_fts5_queries_quote_every_word_and_keep_the_scope() -> None:
    assert fts_match(Terms(("near", "or")), ("xt7", "xn0")) == \
        '{title body tags citation} : ("near" "or") AND scope : (xt7 OR xn0)'
    assert fts_match(Terms(("energy", "env"), prefix=True), ("xa7", "xn0")) == \
        '{title body tags citation} : ("energy" "env"*) AND scope : (xa7 OR xn0)'
    assert fts_match(Terms(("a", "b"), any=True), ("xt1", "xn0")) == \
        '{title body tags citation} : ("a" OR "b") AND scope : (xt1 OR xn0)'
    assert fts_match(Terms(()), ("xt1", "xn0")) == "scope : (xt1 OR xn0)"


def test_postgres_queries_bind_every_word() -> None:
    query, binds = pg_tsquery(Terms(("pacing", "env"), prefix=True))
    assert "pacing" not in query and "env" not in query
    assert binds == {"w0": "pacing", "w1": "env", "prefix_suffix": ":*"}
    assert ":*" not in query and "plainto_tsquery('english', CAST(:w0 AS text))" in query
    query, binds = pg_tsquery(Terms(("a", "b"), any=True))
    assert " || " in query and binds == {"w0": "a", "w1": "b"}


def test_resource_numbers() -> None:
    assert parse_ref("12") == ResourceRef(12) and parse_ref(" #12 ") == ResourceRef(12)
    assert parse_ref("N3") == ResourceRef(3, network=True) and parse_ref("n3") == ResourceRef(3, network=True)
    for bad in ("twelve", "", "#", "N", "12a", "1" * 10, "-1"):
        with pytest.raises(InvalidInput, match="not a resource number"):
            parse_ref(bad)


def test_tags() -> None:
    assert parse_tags("Pacing, sleep;#work pacing") == ("pacing", "sleep", "work")
    assert parse_tags("") == ()
    with pytest.raises(InvalidInput, match="not a tag"):
        parse_tags("<script>")
    with pytest.raises(InvalidInput, match="at most 10 tags"):
        parse_tags(",".join(f"t{i}" for i in range(11)))


def test_an_option_value_may_be_quoted() -> None:
    cmd = parse('resource add "Energy envelope" https://example.org/e kind:tool tags:pacing,sleep '
                'source:"NICE NG206 (2021)" Plan within your envelope')
    assert cmd == AddResource(title="Energy envelope", url="https://example.org/e", text="Plan within your envelope",
                              kind="tool", tags="pacing,sleep", source="NICE NG206 (2021)")
    # In free text, a quoted word after a colon stays as typed.
    assert parse('rules add He said:"be kind" to all').text == 'He said:"be kind" to all'  # type: ignore[attr-defined]
