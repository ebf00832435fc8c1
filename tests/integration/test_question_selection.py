"""Which questions a channel gets over many rounds, as stored in the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.core.errors import UserError
from bot.core.models import ChannelKey, GuildKey, Round, RoundKind
from bot.core.scheduler import QuizScheduler
from bot.core.service import QuizService
from tests.conftest import PLATFORM, RecordingPlatform, ServiceFactory

pytestmark = pytest.mark.backends("sqlite", "postgresql")


async def ask_many(service: QuizService, key: ChannelKey, count: int, category: str | None = None) -> list[Round]:
    channel = await service.ensure_channel(key)
    asked = []
    for _ in range(count):
        round_ = await service.open_round(channel, RoundKind.ON_DEMAND, category=category)
        assert round_ is not None
        asked.append(round_)
    return asked


async def test_a_channel_hears_every_question_once_before_any_repeats(
    service: QuizService, channel_key: ChannelKey
) -> None:
    rounds = await ask_many(service, channel_key, 71)
    first_cycle = [r.question_id for r in rounds[:70]]
    assert len(set(first_cycle)) == 70
    assert rounds[70].question_id != rounds[69].question_id
    assert await service.storage.rounds.channel_cycle(rounds[0].channel_ref) == 1


async def test_the_second_cycle_again_avoids_repeats(service: QuizService, channel_key: ChannelKey) -> None:
    rounds = await ask_many(service, channel_key, 140)
    assert len({r.question_id for r in rounds[70:]}) == 70


async def test_channels_keep_separate_cycles(service: QuizService, channel_key: ChannelKey) -> None:
    await ask_many(service, channel_key, 70)
    other = await ask_many(service, ChannelKey(PLATFORM, "guild-1", "channel-2"), 1)
    assert await service.storage.rounds.channel_cycle(other[0].channel_ref) == 0


async def test_a_category_request_asks_from_that_category_without_repeats(
    service: QuizService, channel_key: ChannelKey
) -> None:
    rounds = await ask_many(service, channel_key, 5, category="detection")
    assert {service.catalog.question(r.deck_id, r.question_id).category for r in rounds} == {"detection"}
    assert len({r.question_id for r in rounds}) == 5


async def test_an_exhausted_category_repeats_its_oldest_question_without_a_new_cycle(
    service: QuizService, channel_key: ChannelKey
) -> None:
    rounds = await ask_many(service, channel_key, 6, category="detection")
    assert rounds[5].question_id == rounds[0].question_id
    assert await service.storage.rounds.channel_cycle(rounds[0].channel_ref) == 0


async def test_questions_asked_by_category_count_in_the_channels_cycle(
    service: QuizService, channel_key: ChannelKey
) -> None:
    by_category = await ask_many(service, channel_key, 5, category="detection")
    rest = await ask_many(service, channel_key, 65)
    assert {r.question_id for r in by_category}.isdisjoint(r.question_id for r in rest)


async def test_a_skipped_question_can_come_back_in_the_same_cycle(
    service: QuizService, scheduler: QuizScheduler, platform: RecordingPlatform, channel_key: ChannelKey
) -> None:
    skipped = await scheduler.ask(platform, channel_key)
    await scheduler.skip(channel_key)
    rounds = await ask_many(service, channel_key, 70)
    assert skipped.question_id in {r.question_id for r in rounds}
    assert len({r.question_id for r in rounds}) == 70


async def test_the_same_seed_asks_the_same_questions(make_service: ServiceFactory) -> None:
    first = await ask_many(await make_service(seed=7), ChannelKey(PLATFORM, "g", "a"), 10)
    second = await ask_many(await make_service(seed=7), ChannelKey(PLATFORM, "g", "b"), 10)
    assert [r.question_id for r in first] == [r.question_id for r in second]


async def test_an_unknown_category_is_refused(service: QuizService, channel_key: ChannelKey) -> None:
    channel = await service.ensure_channel(channel_key)
    with pytest.raises(UserError) as refused:
        await service.open_round(channel, RoundKind.ON_DEMAND, category="cooking")
    assert (refused.value.key, refused.value.values) == ("error.unknown-category", {"category": "cooking"})


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown-timezone"),
        ({"weekdays": frozenset()}, "bad-weekdays"),
        ({"weekdays": frozenset({7})}, "bad-weekdays"),
        ({"decks": ("no-such-deck",)}, "unknown-deck"),
        ({"daily_reveal_delay": dt.timedelta(seconds=30)}, "bad-delay"),
        ({"on_demand_reveal_delay": dt.timedelta(days=8)}, "bad-delay"),
    ],
)
async def test_bad_channel_settings_are_refused_before_anything_is_stored(
    service: QuizService, channel_key: ChannelKey, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(UserError) as refused:
        await service.configure_channel(channel_key, **change)
    assert refused.value.key == f"error.{code}"
    assert await service.channel(channel_key) is None


async def test_channel_settings_are_stored_and_read_back(service: QuizService, channel_key: ChannelKey) -> None:
    saved = await service.configure_channel(
        channel_key,
        post_time=dt.time(0, 0),
        weekdays=frozenset({0, 4}),
        timezone="Europe/Berlin",
        daily_reveal_delay=dt.timedelta(hours=2),
        decks=("dl-interview-ko",),
        enabled=True,
    )
    assert await service.channel(channel_key) == saved
    assert saved.schedule.post_time == dt.time(0, 0)
    assert saved.schedule.weekdays == frozenset({0, 4})
    assert await service.guild_timezone(GuildKey(channel_key.platform, channel_key.guild_id)) == "Europe/Berlin"
    changed = await service.configure_channel(channel_key, paused=True)
    assert (changed.ref, changed.paused, changed.schedule) == (saved.ref, True, saved.schedule)
