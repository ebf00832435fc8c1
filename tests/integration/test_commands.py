"""The one command layer every platform runs its parsed commands through."""

from __future__ import annotations

import pytest

from bot.core.commands import (
    ADMIN_COMMANDS,
    AnswerReply,
    Ask,
    BoardReply,
    Caller,
    CategoriesReply,
    Command,
    DecideDispute,
    DisputableReply,
    Export,
    GiveAnswer,
    HelpReply,
    ListDisputable,
    Notice,
    OpenDispute,
    Pause,
    Posted,
    Resume,
    RevealNow,
    Setup,
    SetupReply,
    ShowCategories,
    ShowHelp,
    ShowLeaderboard,
    ShowStats,
    Skip,
    Vote,
    VoteReply,
    WithdrawAnswer,
    run,
)
from bot.core.errors import UserError
from bot.core.models import ChannelKey, Member, Period
from bot.core.quiz import Quiz, ScheduleChange
from bot.render import reply_blocks
from tests.conftest import RecordingPlatform
from tests.integration.quiz_steps import member

ADMIN = Caller(Member("admin", "Admin"), admin=True)
ALICE = Caller(member("Alice"))
BOB = Caller(member("Bob"))


@pytest.mark.parametrize(
    "command", [Setup(), Pause(), Resume(), RevealNow(), Skip(), DecideDispute(1, accept=True)], ids=repr
)
async def test_admin_commands_are_refused_to_members_and_change_nothing(
    quiz: Quiz, channel_key: ChannelKey, command: Command
) -> None:
    with pytest.raises(UserError) as refused:
        await run(quiz, command, channel_key, ALICE)

    assert refused.value.key == "error.not-admin"
    assert await quiz.channel(channel_key) is None


def test_every_admin_command_is_listed() -> None:
    assert set(ADMIN_COMMANDS) == {Setup, Pause, Resume, RevealNow, Skip, DecideDispute, Export}


async def test_ask_posts_and_replies_with_the_round(
    quiz: Quiz, channel_key: ChannelKey, platform: RecordingPlatform
) -> None:
    reply = await run(quiz, Ask(), channel_key, ALICE)

    assert isinstance(reply, Posted)
    assert platform.questions[-1][1].round.id == reply.round.id


async def test_an_answer_a_vote_and_a_withdrawal_go_to_the_open_round(quiz: Quiz, channel_key: ChannelKey) -> None:
    await run(quiz, Ask(), channel_key, ADMIN)

    answered = await run(quiz, GiveAnswer("드롭아웃은 뉴런을 끕니다", "bob-1"), channel_key, BOB)
    voted = await run(quiz, Vote("bob-1"), channel_key, ALICE)
    withdrawn = await run(quiz, WithdrawAnswer("bob-1"), channel_key, BOB)

    assert isinstance(answered, AnswerReply) and answered.receipt.status == "recorded"
    assert isinstance(voted, VoteReply) and voted.result.counted
    assert isinstance(withdrawn, AnswerReply) and withdrawn.receipt.status == "withdrawn"


async def test_answering_with_no_open_round_says_so(quiz: Quiz, channel_key: ChannelKey) -> None:
    with pytest.raises(UserError) as refused:
        await run(quiz, GiveAnswer("답", "m1"), channel_key, ALICE)

    assert refused.value.key == "error.no-open-round"


async def test_withdrawing_an_answer_never_given_is_explained(quiz: Quiz, channel_key: ChannelKey) -> None:
    await run(quiz, Ask(), channel_key, ADMIN)

    with pytest.raises(UserError) as refused:
        await run(quiz, WithdrawAnswer("nobody"), channel_key, ALICE)

    assert refused.value.key == "answer.nothing-to-withdraw"


async def test_an_empty_answer_is_refused(quiz: Quiz, channel_key: ChannelKey) -> None:
    await run(quiz, Ask(), channel_key, ADMIN)

    with pytest.raises(UserError) as refused:
        await run(quiz, GiveAnswer("   ", "m1"), channel_key, ALICE)

    assert refused.value.key == "answer.empty"


async def test_setup_replies_with_the_stored_settings(quiz: Quiz, channel_key: ChannelKey) -> None:
    reply = await run(quiz, Setup(ScheduleChange(timezone="UTC")), channel_key, ADMIN)

    assert isinstance(reply, SetupReply)
    assert reply.settings.schedule.timezone == "UTC" and reply.settings.enabled


async def test_skip_and_reveal_with_nothing_open_say_so(quiz: Quiz, channel_key: ChannelKey) -> None:
    assert await run(quiz, Skip(), channel_key, ADMIN) == Notice.of("error.no-open-round")
    assert await run(quiz, RevealNow(), channel_key, ADMIN) == Notice.of("error.no-open-round")


async def test_member_views_reply_with_typed_values(quiz: Quiz, channel_key: ChannelKey) -> None:
    board = await run(quiz, ShowLeaderboard(Period.MONTH), channel_key, ALICE)
    stats = await run(quiz, ShowStats(), channel_key, ALICE)
    categories = await run(quiz, ShowCategories(), channel_key, ALICE)
    help_ = await run(quiz, ShowHelp(), channel_key, ALICE)

    assert isinstance(board, BoardReply) and board.board.period is Period.MONTH
    # Nothing is stored for Alice yet: the stats carry the name the platform gave.
    assert stats.stats.member.display_name == "Alice"  # type: ignore[union-attr]
    assert isinstance(categories, CategoriesReply) and categories.entries
    assert isinstance(help_, HelpReply)


async def test_disputing_before_any_reveal_is_explained(quiz: Quiz, channel_key: ChannelKey) -> None:
    with pytest.raises(UserError) as refused:
        await run(quiz, OpenDispute(1), channel_key, ALICE)

    assert refused.value.key == "error.dispute-not-revealed"


async def test_a_dispute_number_out_of_range_is_explained(quiz: Quiz, channel_key: ChannelKey) -> None:
    await run(quiz, Ask(), channel_key, ADMIN)
    await run(quiz, GiveAnswer("모르겠습니다", "alice-1"), channel_key, ALICE)
    await run(quiz, RevealNow(), channel_key, ADMIN)
    listed = await run(quiz, ListDisputable(), channel_key, ALICE)
    assert isinstance(listed, DisputableReply) and listed.concepts

    with pytest.raises(UserError) as refused:
        await run(quiz, OpenDispute(99), channel_key, ALICE)

    assert refused.value.key == "error.dispute-bad-number"


@pytest.mark.parametrize("language", ["ko", "en"])
async def test_every_reply_renders_in_both_languages(quiz: Quiz, channel_key: ChannelKey, language: str) -> None:
    commands: list[tuple[Command, Caller]] = [
        (Ask(), ADMIN),
        (GiveAnswer("답", "alice-1"), ALICE),
        (Vote("alice-1"), BOB),
        (ShowLeaderboard(), ALICE),
        (ShowStats(), ALICE),
        (ShowCategories(), ALICE),
        (ShowHelp(), ALICE),
        (Setup(), ADMIN),
        (Pause(), ADMIN),
        (Resume(), ADMIN),
        (RevealNow(), ADMIN),
    ]
    for command, caller in commands:
        reply = await run(quiz, command, channel_key, caller)
        blocks = reply_blocks(reply, language)  # type: ignore[arg-type]
        assert isinstance(reply, Posted) or (blocks and all(blocks)), (command, blocks)
