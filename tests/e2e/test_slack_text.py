"""Slack text both ways and ``/quiz`` parsing, without a server: the pieces the end-to-end tests rely on."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.commands import Ask, Setup, ShowHelp, ShowLeaderboard
from bot.core.errors import UserError
from bot.core.models import Period
from bot.core.quiz import ScheduleChange
from bot.platforms.slack.commands import parse_command
from bot.platforms.slack.mrkdwn import escape, mrkdwn, plain_text


@pytest.mark.parametrize(
    ("slack", "plain"),
    [
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        ("<!channel> and <!here|here>", "@channel and @here"),
        ("ask <@U0BOB0001> or <@U0ALICE01|alice>", "ask @U0BOB0001 or @alice"),
        ("see <#C0STUDY01|dl-study>", "see #dl-study"),
        ("<https://arxiv.org/abs/1706.03762|the paper> and <https://example.com>", "the paper and https://example.com"),
        ("<!subteam^S0QUIZADM|@quiz-admins> ping", "@quiz-admins ping"),
    ],
)
def test_slack_markup_becomes_the_plain_text_the_member_sees(slack: str, plain: str) -> None:
    assert plain_text(slack) == plain


def test_escaping_a_literal_mention_makes_it_inert_text() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_render_bold_becomes_slack_bold_after_escaping() -> None:
    assert mrkdwn("**<Kim>**: 3 < 4") == "*&lt;Kim&gt;*: 3 &lt; 4"


def test_empty_command_asks_for_help() -> None:
    assert parse_command("  ") == ShowHelp()


def test_ask_takes_an_optional_category() -> None:
    assert (parse_command("ask"), parse_command("ask Optimization")) == (Ask(None), Ask("optimization"))


def test_leaderboard_defaults_to_this_week() -> None:
    assert parse_command("leaderboard") == ShowLeaderboard(Period.WEEK)


def test_setup_reads_every_option_with_the_config_parsers() -> None:
    command = parse_command("setup time=07:30 tz=Europe/Berlin days=mon-fri delay=1h30m ondemand=5m decks=a,b")

    assert command == Setup(
        ScheduleChange(
            post_time=dt.time(7, 30),
            timezone="Europe/Berlin",
            weekdays=frozenset(range(5)),
            daily_reveal_delay=dt.timedelta(hours=1, minutes=30),
            on_demand_reveal_delay=dt.timedelta(minutes=5),
            decks=("a", "b"),
        )
    )


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("setup time=9am", "error.bad-time"),
        ("setup days=someday", "error.bad-weekdays"),
        ("setup delay=soon", "error.bad-delay"),
        ("setup colour=blue", "slack.error.bad-option"),
        ("setup time", "slack.error.bad-option"),
        ("leaderboard year", "slack.error.bad-period"),
        ("pause now", "slack.error.bad-arguments"),
        ("dance", "slack.error.unknown-command"),
    ],
)
def test_bad_commands_name_the_message_that_explains_them(command: str, key: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_command(command)

    assert raised.value.key == key
