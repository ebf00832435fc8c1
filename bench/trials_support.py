"""What the fault trials see and judge: members answering in the answer threads through the test server's gateway,
the phases of the bot's work in the server's request log, and the audit of the server's state against the
database once a trial is over.

The audit counts only what a member could see or what the bot promised: questions and reveals visible on the
server, answers acknowledged with the bot's reaction, and the rows the database holds for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import asyncpg

from bot.messages import Language, text
from tests.e2e.discord_server import DiscordServer, Message, User
from tests.e2e.discord_server.ratelimit import RequestRecord

MESSAGES_ROUTE = "/channels/{channel_id}/messages"
ACKNOWLEDGEMENTS = ("✅", "🕓")
_ROUND_BUTTON = re.compile(r"^quiz:answer:(\d+)$")
LIVE_STATES = ("open", "revealing", "revealed")


def reveal_title(language: Language = "ko") -> str:
    """How the first part of a reveal begins."""
    return f"**{text('reveal.title', language)}**"


def question_round(message: Message) -> int | None:
    """The round a question message belongs to, by the id its answer button carries."""
    for row in message.components:
        for child in row.get("components", ()):
            match = _ROUND_BUTTON.match(str(child.get("custom_id", "")))
            if match:
                return int(match[1])
    return None


def questions_in(server: DiscordServer, channel_id: int) -> list[Message]:
    """The bot's question messages visible in a quiz channel."""
    return [m for m in server.bot_messages(channel_id) if m.embeds and question_round(m) is not None]


def reveals_in(server: DiscordServer, thread_id: int, title: str) -> list[Message]:
    return [m for m in server.bot_messages(thread_id) if m.content.startswith(title)]


def acknowledged(server: DiscordServer, message: Message) -> bool:
    """True once the bot reacted to ``message`` with one of its acknowledgements."""
    for emoji in ACKNOWLEDGEMENTS:
        reaction = message.reaction(emoji)
        if reaction is not None and server.bot.id in reaction.user_ids:
            return True
    return False


# -- the request log --------------------------------------------------------------------------------------------


def channel_of(record: RequestRecord) -> int | None:
    parts = record.path.split("/")
    return int(parts[2]) if len(parts) > 2 and parts[1] == "channels" and parts[2].isdigit() else None


def is_question_post(record: RequestRecord, channels: frozenset[int]) -> bool:
    return record.method == "POST" and record.route == MESSAGES_ROUTE and channel_of(record) in channels


def is_reveal_post(server: DiscordServer, record: RequestRecord, channels: frozenset[int]) -> bool:
    """A message posted in an answer thread: only reveals are, in a trial (members' answers do not go through
    REST)."""
    if record.method != "POST" or record.route != MESSAGES_ROUTE:
        return False
    channel = server.state.channels.get(channel_of(record) or 0)
    return channel is not None and channel.is_thread and channel.parent_id in channels


# -- members answering --------------------------------------------------------------------------------------------


@dataclass
class Members:
    """Members of each guild who answer, one message each per round, in the threads of visible questions whose
    reveal is not visible yet (as a member would: they answer what is still open to their eyes)."""

    server: DiscordServer
    channels: dict[int, int]  # quiz channel -> its guild
    members: dict[int, list[User]]  # guild -> the members who answer
    rng: random.Random
    title: str
    per_second: float = 4.0
    written: list[Message] = field(default_factory=list)
    _answered: set[tuple[int, int]] = field(default_factory=set)  # (thread, member)

    def open_threads(self) -> list[tuple[int, int]]:
        """(thread, guild) of every visible question whose thread shows no reveal yet."""
        found = []
        for channel_id, guild_id in self.channels.items():
            for question in questions_in(self.server, channel_id):
                thread = question.thread_id
                if thread is not None and not reveals_in(self.server, thread, self.title):
                    found.append((thread, guild_id))
        return found

    def answer_once(self) -> Message | None:
        """One member writes one answer in one open thread, if any member still has one to write."""
        choices = [
            (thread, user)
            for thread, guild in self.open_threads()
            for user in self.members[guild]
            if (thread, user.id) not in self._answered
        ]
        if not choices:
            return None
        thread, user = self.rng.choice(choices)
        self._answered.add((thread, user.id))
        number = len(self.written) + 1
        message = self.server.user_says(thread, user, f"기울기 소실이 줄어들어 학습이 안정됩니다 (답 {number})")
        self.written.append(message)
        return message

    async def keep_answering(self, stop: asyncio.Event) -> None:
        """Answer at about ``per_second`` until ``stop`` is set (the pace of the members, not a wait for state)."""
        while not stop.is_set():
            self.answer_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.rng.expovariate(self.per_second))


# -- the database ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRound:
    id: int
    channel_id: int
    state: str
    message_id: int | None
    thread_id: int | None


@dataclass(frozen=True)
class StoredAnswer:
    round_id: int
    message_id: int
    text: str
    withdrawn: bool


@dataclass(frozen=True)
class Stored:
    rounds: dict[int, StoredRound]
    answers: dict[tuple[int, int], StoredAnswer]  # (round, message) -> answer

    def round_of_thread(self, thread_id: int) -> StoredRound | None:
        return next((r for r in self.rounds.values() if r.thread_id == thread_id), None)


async def read_database(url: str) -> Stored:
    """The rounds and the message answers the database holds."""
    conn = await asyncpg.connect(url)
    try:
        round_rows = await conn.fetch(
            "SELECT r.id, r.state, r.message_id, r.thread_id, c.channel_id FROM rounds r "
            "JOIN channels c ON c.id = r.channel_ref"
        )
        answer_rows = await conn.fetch(
            "SELECT round_id, message_id, text, withdrawn FROM answers WHERE message_id IS NOT NULL"
        )
    finally:
        await conn.close()
    rounds = {
        int(r["id"]): StoredRound(
            int(r["id"]),
            int(r["channel_id"]),
            str(r["state"]),
            None if r["message_id"] is None else int(r["message_id"]),
            None if r["thread_id"] is None else int(r["thread_id"]),
        )
        for r in round_rows
    }
    answers = {
        (int(a["round_id"]), int(a["message_id"])): StoredAnswer(
            int(a["round_id"]), int(a["message_id"]), str(a["text"]), bool(a["withdrawn"])
        )
        for a in answer_rows
    }
    return Stored(rounds, answers)


# -- completion and audit ---------------------------------------------------------------------------------------------


def settled(server: DiscordServer, channels: Iterable[int], written: Sequence[Message], title: str) -> bool:
    """What a finished trial shows: every channel its question with a thread and a reveal in it, and every answer
    written acknowledged. (The audit then checks the rest against the database.)"""
    for channel_id in channels:
        questions = questions_in(server, channel_id)
        if not questions:
            return False
        for question in questions:
            if question.thread_id is None or not reveals_in(server, question.thread_id, title):
                return False
    return all(acknowledged(server, message) for message in written)


@dataclass
class Audit:
    """Violations by kind, each with what was seen."""

    doubled_posts: list[str] = field(default_factory=list)
    doubled_reveals: list[str] = field(default_factory=list)
    lost_answers: list[str] = field(default_factory=list)
    stuck_rounds: list[str] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return len(self.doubled_posts) + len(self.doubled_reveals) + len(self.lost_answers) + len(self.stuck_rounds)

    def lines(self) -> list[str]:
        kinds = (
            ("doubled post", self.doubled_posts),
            ("doubled reveal", self.doubled_reveals),
            ("lost answer", self.lost_answers),
            ("stuck round", self.stuck_rounds),
        )
        return [f"{kind}: {what}" for kind, found in kinds for what in found]


def audit(
    server: DiscordServer, channels: Iterable[int], stored: Stored, written: Sequence[Message], title: str
) -> Audit:
    """Judge a finished trial (see the module's docstring)."""
    found = Audit()
    quiz_channels = list(channels)
    for channel_id in quiz_channels:
        _audit_channel(server, channel_id, stored, title, found)
    _audit_answers(server, stored, written, found)
    for round_ in stored.rounds.values():
        if round_.state != "revealed" and round_.state != "cancelled":
            found.stuck_rounds.append(f"round {round_.id} in channel {round_.channel_id} is still {round_.state}")
    return found


def _audit_channel(server: DiscordServer, channel_id: int, stored: Stored, title: str, found: Audit) -> None:
    questions = questions_in(server, channel_id)
    shown = Counter(question_round(q) for q in questions)
    for round_id, count in shown.items():
        if count > 1:
            found.doubled_posts.append(f"round {round_id} shown {count} times in channel {channel_id}")
    if len(shown) > 1:
        found.doubled_posts.append(f"channel {channel_id} shows {len(shown)} questions of one daily slot")
    live = [r for r in stored.rounds.values() if r.channel_id == channel_id and r.state in LIVE_STATES]
    if not live:
        found.stuck_rounds.append(f"channel {channel_id} has no round posted for its slot")
    for question in questions:
        round_id = question_round(question)
        round_ = stored.rounds.get(round_id or 0)
        if round_ is None or round_.state not in LIVE_STATES:
            state = "no round" if round_ is None else f"a {round_.state} round"
            found.doubled_posts.append(f"question {question.id} in channel {channel_id} belongs to {state}")
            continue
        if round_.message_id != question.id:
            found.doubled_posts.append(
                f"question {question.id} shows round {round_.id}, which recorded message {round_.message_id}"
            )
        if question.thread_id is None:
            found.stuck_rounds.append(f"question {question.id} of round {round_.id} has no answer thread")
            continue
        reveals = reveals_in(server, question.thread_id, title)
        if len(reveals) > 1:
            found.doubled_reveals.append(f"round {round_.id} revealed {len(reveals)} times in {question.thread_id}")
        elif not reveals:
            found.stuck_rounds.append(f"round {round_.id} ({round_.state}) shows no reveal")
        repeated = [c for c, n in Counter(m.content for m in server.bot_messages(question.thread_id)).items() if n > 1]
        if repeated and len(reveals) <= 1:
            found.doubled_reveals.append(f"round {round_.id}: {len(repeated)} parts of its reveal posted twice")


def _audit_answers(server: DiscordServer, stored: Stored, written: Sequence[Message], found: Audit) -> None:
    for message in written:
        round_ = stored.round_of_thread(message.channel_id)
        answer = None if round_ is None else stored.answers.get((round_.id, message.id))
        is_acknowledged = acknowledged(server, message)
        if answer is None or answer.withdrawn or answer.text != message.content.strip():
            where = "no round" if round_ is None else f"round {round_.id}"
            state = "acknowledged" if is_acknowledged else "never acknowledged"
            found.lost_answers.append(
                f"message {message.id} in thread {message.channel_id} ({where}), {state}, is not stored"
            )
        elif not is_acknowledged:
            found.lost_answers.append(
                f"message {message.id} of round {round_.id if round_ else '?'} is stored but never acknowledged"
            )
