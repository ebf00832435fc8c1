"""The PostgreSQL answers path's group commit: first answers arriving together share one transaction, and what
one of them does wrong stays its own. Needs the test server (``QUIZBOT_TEST_POSTGRES``): skipped without one,
failed under CI.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.core.models import AnswerReceipt, ChannelKey, Member
from bot.storage.postgres.store import PostgresStorage
from tests.postgres import Schema
from tests.storage.test_contract import GUILD, T0, answer, channel, open_round


@pytest.fixture
async def store() -> AsyncIterator[PostgresStorage]:
    schema = await Schema().create()
    opened = await PostgresStorage(schema.url).open()
    try:
        yield opened
    finally:
        await opened.close()
        await schema.drop()


async def test_first_answers_arriving_together_share_one_commit(store: PostgresStorage) -> None:
    round_ = await open_round(store, await channel(store))
    members = [f"m{i:02d}" for i in range(40)]
    receipts = await asyncio.gather(*(answer(store, round_, m, f"answer of {m}") for m in members))
    assert [r.status for r in receipts if r] == ["recorded"] * len(members)
    assert {a.member.member_id for a in await store.answers.for_round(round_.id)} == set(members)
    # Rows one transaction wrote carry its id (xmin): one for all 40 answers, where one each would give 40.
    writers = await store.db.fetchval("SELECT COUNT(DISTINCT xmin::text) FROM answers WHERE round_id = $1", round_.id)
    assert writers == 1


async def test_an_answer_the_server_refuses_fails_alone(store: PostgresStorage) -> None:
    round_ = await open_round(store, await channel(store))
    texts = {"alice": "fine", "bob": "a NUL \x00 byte PostgreSQL text cannot hold", "carol": "also fine"}
    results = await asyncio.gather(*(answer(store, round_, m, t) for m, t in texts.items()), return_exceptions=True)
    alice, bob, carol = results
    assert isinstance(alice, AnswerReceipt) and isinstance(carol, AnswerReceipt)
    assert (alice.status, carol.status) == ("recorded", "recorded")
    assert isinstance(bob, asyncpg.PostgresError)
    assert {a.member.member_id for a in await store.answers.for_round(round_.id)} == {"alice", "carol"}


async def test_a_members_name_follows_their_latest_answer_in_a_batch(store: PostgresStorage) -> None:
    first = await open_round(store, await channel(store))
    second = await open_round(store, await channel(store, ChannelKey("fake", "guild-1", "channel-2")))
    names = ((first, "Alice"), (second, "Alice B."))
    await asyncio.gather(
        *(
            store.answers.record(
                round_id=round_.id,
                platform=round_.channel.platform,
                guild_id=round_.channel.guild_id,
                member=Member("alice", name),
                message_id=f"a{round_.id}",
                text="my answer",
                private=False,
                now=T0,
            )
            for round_, name in names
        )
    )
    assert await store.results.member_name(GUILD, "alice") == "Alice B."
