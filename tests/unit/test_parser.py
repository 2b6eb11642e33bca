from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import core.catalog  # noqa: F401
from core.commands.parser import parse, tokenize
from core.community.commands import ConfigureCommunity, SetupCommunity
from core.errors import UsageError, UserError
from core.help import Help
from core.membership.commands import GrantRole, Join, JoinAccept
from core.rules.commands import AddRule, EditRule


def test_quotes_group_words_and_the_rest_of_the_line_needs_none() -> None:
    cmd = parse('community setup "Pacing Circle" living with ME/CFS')
    assert cmd == SetupCommunity(name="Pacing Circle", domain="living with ME/CFS")


def test_a_quote_inside_a_word_is_just_a_character() -> None:
    assert parse("rules add What's said here stays here") == AddRule(text="What's said here stays here")


def test_curly_quotes_group_too() -> None:
    assert parse("community setup “Long COVID Circle”").name == "Long COVID Circle"  # type: ignore[attr-defined]


def test_longest_command_path_wins() -> None:
    assert parse("join") == Join()
    assert parse("join accept") == JoinAccept()
    assert parse("JOIN Accept") == JoinAccept()


def test_flags_and_typed_arguments() -> None:
    assert parse("rules edit 2 Be kind --network") == EditRule(number=2, text="Be kind", network=True)
    assert parse("rules edit #3 Cite sources").number == 3  # type: ignore[attr-defined]


def test_options_only_for_known_keys_so_urls_stay_intact() -> None:
    cmd = parse("community config charter See https://example.org/charter now")
    assert cmd == ConfigureCommunity(key="charter", value="See https://example.org/charter now")


def test_rest_text_keeps_its_spacing_and_punctuation() -> None:
    assert parse("rules add  Be   kind:  really!").text == "Be   kind:  really!"  # type: ignore[attr-defined]


def test_choices_are_checked() -> None:
    assert parse("role grant @lena:example.org expert RN, pain clinic") == GrantRole(
        member="@lena:example.org", role="expert", label="RN, pain clinic")
    with pytest.raises(UsageError, match="must be one of"):
        parse("role grant lena wizard")


@pytest.mark.parametrize(("line", "message"), [
    ("rules edit two Be kind", "must be a number"),
    ("rules edit", "Missing number"),
    ("rules add", "Missing text"),
    ("join now please", "didn't expect"),
    ("community", "needs a subcommand"),
    ("comunity info", "Did you mean"),
    ("", "help"),
])
def test_malformed_commands_say_how_to_use_them(line: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse(line)


def test_usage_is_shown_for_missing_arguments() -> None:
    with pytest.raises(UsageError) as caught:
        parse("community setup")
    assert "Usage: `community setup <name> [domain…] [--space]`" in caught.value.message


def test_an_optional_number_may_be_left_out_before_free_text() -> None:
    from core.questions.commands import Solved

    assert parse("solved the pacing tip worked") == Solved(number=None, answer="the pacing tip worked")
    assert parse("solved 4 the pacing tip worked") == Solved(number=4, answer="the pacing tip worked")
    assert parse("solved #4") == Solved(number=4)


def test_help_topic_is_free_text() -> None:
    assert parse("help rules add") == Help(topic="rules add")


def test_tokens_record_positions() -> None:
    tokens = tokenize('a "b c" d')
    assert [(t.value, t.quoted) for t in tokens] == [("a", False), ("b c", True), ("d", False)]


def test_oversized_lines_are_refused_before_parsing() -> None:
    with pytest.raises(UsageError, match="too long"):
        parse("rules add " + "x" * 100_000)


@given(st.text(max_size=300))
def test_any_text_parses_or_gives_a_user_error(line: str) -> None:
    try:
        parse(line)
    except UserError as error:
        assert error.message


def test_duration_arguments_are_parsed() -> None:
    from core.commands.spec import Param

    assert Param("x", "arg", "", "duration").convert("1h30m") == timedelta(minutes=90)
