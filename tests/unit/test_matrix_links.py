"""Links the core writes to Matrix threads, made resolvable; which messages are questions."""

from __future__ import annotations

from bots.matrix.links import event_links, relink
from bots.matrix.platform import question_text
from core.links import thread_link
from core.refs import HomeRef

ROOM = "!Abc-d_9xYz"  # a room id of version 12: no server part
EVENT = "$Ev3nt-Id_x"


def test_a_core_thread_link_is_found_and_gets_via_servers() -> None:
    link = thread_link(HomeRef("matrix", ROOM), EVENT)
    assert link == f"https://matrix.to/#/{ROOM}/{EVENT}"
    text = f"- #1 (3 h): “Pacing?” — [open]({link})\n- #2 — [open](https://matrix.to/#/%21r:x.org/%24e?via=x.org)"
    assert event_links(text) == {(ROOM, EVENT)}  # the link that already names servers is left alone
    fixed = relink(text, lambda room, event: f"L<{room}|{event}>")
    assert fixed == f"- #1 (3 h): “Pacing?” — [open](L<{ROOM}|{EVENT}>)\n" \
                    "- #2 — [open](https://matrix.to/#/%21r:x.org/%24e?via=x.org)"


def test_links_that_are_not_to_events_are_not_touched() -> None:
    text = "See https://matrix.to/#/@lena:x.org and https://matrix.to/#/%23room:x.org and https://example.org/$x"
    assert event_links(text) == set()
    assert relink(text, lambda room, event: "nope") == text


def test_only_a_message_starting_with_a_question_mark_and_some_words_is_a_question() -> None:
    assert question_text("? How do you pace yourself?") == "How do you pace yourself?"
    assert question_text("  ??Anyone tried this?  ") == "Anyone tried this?"
    assert question_text("?") == "" and question_text("?!") == "" and question_text("? ...") == ""
    assert question_text("How do you pace yourself?") == ""
