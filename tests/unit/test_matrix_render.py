"""Core text as Matrix content: plain body, safe HTML, pills and m.mentions, threads, prefixes."""

from __future__ import annotations

from bots.matrix.links import event_link, room_link, server_of, user_link
from bots.matrix.render import (
    MAX_TEXT,
    command_line,
    in_thread,
    message_content,
    strip_reply_fallback,
)
from core.effects import Action
from core.refs import AccountRef, mention


def test_markdown_becomes_html_and_the_body_stays_readable() -> None:
    content = message_content("**Pacing Circle** — set up.\nNext: `rules add <text>`\n- one\n- two")
    assert content["body"] == "Pacing Circle — set up.\nNext: `!cop rules add <text>`\n- one\n- two"
    html = content["formatted_body"]
    assert "<strong>Pacing Circle</strong>" in html and "<br />" in html and "<li>two</li>" in html
    assert "<code>!cop rules add &lt;text&gt;</code>" in html
    assert content["format"] == "org.matrix.custom.html" and content["msgtype"] == "m.text"
    assert content["m.mentions"] == {}


def test_mentions_become_pills_and_are_listed_in_m_mentions() -> None:
    lena = AccountRef("matrix", "@lena:x.org")
    text = f"{mention(lena, 'Lena [RN]')} and {mention(AccountRef('discord', '123'), 'sam')} are leaders"
    content = message_content(text)
    assert content["body"] == "@Lena [RN] and @sam are leaders"
    assert '<a href="https://matrix.to/#/@lena:x.org">Lena [RN]</a>' in content["formatted_body"]
    assert content["m.mentions"] == {"user_ids": ["@lena:x.org"]}


def test_html_typed_by_users_is_escaped_not_rendered() -> None:
    html = message_content('Charter: <img src=x onerror="alert(1)"> <script>x</script>')["formatted_body"]
    assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html


def test_actions_become_hint_lines_with_the_prefix() -> None:
    content = message_content("Welcome.", prefix="!cc", actions=(
        Action("Accept the rules and join", "join accept"), Action("Read more", "", url="https://example.org/r")))
    assert content["body"].endswith("→ Accept the rules and join: `!cc join accept`\n→ Read more (https://example.org/r)")


def test_very_long_text_is_cut_to_fit_in_one_event() -> None:
    content = message_content("x" * (MAX_TEXT * 3))
    assert len(content["body"]) < MAX_TEXT + 100 and content["body"].endswith("(cut: too long for one message)")


def test_thread_relation_points_at_the_root_and_falls_back_to_a_reply() -> None:
    content = in_thread({"body": "hi"}, "$root", "$cmd")
    assert content["m.relates_to"] == {"rel_type": "m.thread", "event_id": "$root", "is_falling_back": True,
                                       "m.in_reply_to": {"event_id": "$cmd"}}


def test_command_lines_need_the_prefix_as_a_word() -> None:
    assert command_line("!cop join accept", "!cop") == "join accept"
    assert command_line("  !cop\thelp  ", "!cop") == "help"
    assert command_line("!cop", "!cop") == ""
    assert command_line("!copy that", "!cop") is None
    assert command_line("please !cop help", "!cop") is None


def test_reply_fallbacks_are_stripped() -> None:
    assert strip_reply_fallback("> <@a:x.org> question?\n> more\n\n!cop solved") == "!cop solved"
    assert strip_reply_fallback("!cop help") == "!cop help"


def test_permalinks() -> None:
    assert user_link("@lena:x.org") == "https://matrix.to/#/@lena:x.org"
    assert room_link("!abc:x.org") == "https://matrix.to/#/%21abc%3Ax.org"
    assert event_link("!abc", "$ev/1", via=["x.org", "y.org", "x.org"]) == \
        "https://matrix.to/#/%21abc/%24ev%2F1?via=x.org&via=y.org"
    assert server_of("@lena:x.org:8448") == "x.org:8448" and server_of("!v12roomid") is None
