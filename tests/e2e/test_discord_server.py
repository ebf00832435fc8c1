"""The fake Discord server behaves like Discord for the real discord.py client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.webhook.async_ import async_context, interaction_response_params

from .discord_server import (
    DiscordServer,
    ManualClock,
    MessageFlag,
    RateLimitConfig,
    ServerConfig,
    running_client,
)

pytestmark = pytest.mark.slow


class RecordingClient(discord.Client):
    """A minimal bot that records what the gateway delivers."""

    def __init__(self, *, message_content: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = message_content
        # discord.py waits this long after the last GUILD_CREATE before on_ready (2 s by default).
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.received: list[discord.Message] = []
        self.threads_created: list[discord.Thread] = []
        self.reactions_added: list[discord.RawReactionActionEvent] = []
        self.resumes = 0

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.threads_created.append(thread)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.reactions_added.append(payload)

    async def on_resumed(self) -> None:
        self.resumes += 1

    def received_with_id(self, message_id: int) -> discord.Message | None:
        return next((m for m in self.received if m.id == message_id), None)

    def text_channel(self, channel_id: int) -> discord.TextChannel:
        channel = self.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        return channel


@pytest_asyncio.fixture
async def client(discord_server: DiscordServer) -> AsyncIterator[RecordingClient]:
    async with running_client(RecordingClient(), discord_server) as running:
        yield running


def add_quiz_group(client: RecordingClient, server: DiscordServer, *, defer: bool = False) -> list[str]:
    """Register ``/quiz ask category:<str>`` for the default guild; returns the locales it was invoked with."""
    locales: list[str] = []
    quiz = app_commands.Group(name="quiz", description="Daily deep-learning quiz")

    @quiz.command(name="ask", description="Post a question now")
    @app_commands.describe(category="Question category")
    async def ask(interaction: discord.Interaction, category: str) -> None:
        locales.append(str(interaction.locale))
        if defer:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content=f"Deferred question from {category}")
        else:
            await interaction.response.send_message(f"Question from {category}", ephemeral=True)

    client.tree.add_command(quiz, guild=discord.Object(server.guild.id))
    return locales


async def test_client_becomes_ready_with_the_guild_and_its_channels(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    guild = client.get_guild(discord_server.guild.id)

    assert client.user is not None and client.user.id == discord_server.bot.id
    assert guild is not None and guild.name == discord_server.guild.name
    assert client.text_channel(discord_server.channel.id).name == "daily-quiz"
    assert [e.name for e in discord_server.events()][:2] == ["READY", "GUILD_CREATE"]
    assert discord_server.gateway.identify_count == 1


async def test_sent_message_is_stored_and_echoed_by_message_create(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    channel = client.text_channel(discord_server.channel.id)

    sent = await channel.send("Question of the day", allowed_mentions=discord.AllowedMentions.none())
    echoed = await discord_server.wait_for(lambda: client.received_with_id(sent.id))

    stored = discord_server.state.messages[sent.id]
    assert stored.content == "Question of the day"
    assert stored.allowed_mentions is not None and stored.allowed_mentions["parse"] == []
    assert echoed.author == client.user
    assert discord_server.events("MESSAGE_CREATE")[-1].data["guild_id"] == str(discord_server.guild.id)


async def test_thread_on_a_message_takes_its_id_and_is_announced(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    sent = await client.text_channel(discord_server.channel.id).send("Question")

    thread = await sent.create_thread(name="Answers")
    announced = await discord_server.wait_for(lambda: [t for t in client.threads_created if t.id == sent.id])

    assert thread.id == sent.id
    assert announced[0].parent_id == discord_server.channel.id
    assert discord_server.thread(sent.id).name == "Answers"


async def test_member_message_in_a_thread_arrives_with_content(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    sent = await client.text_channel(discord_server.channel.id).send("Question")
    thread = await sent.create_thread(name="Answers")

    said = discord_server.user_says(thread.id, discord_server.world.alice, "Attention weighs values by similarity")
    received = await discord_server.wait_for(lambda: client.received_with_id(said.id))

    assert received.content == "Attention weighs values by similarity"
    assert isinstance(received.channel, discord.Thread) and received.channel.id == thread.id
    assert received.author.id == discord_server.world.alice.id


async def test_member_message_content_is_empty_without_the_message_content_intent(
    discord_server: DiscordServer,
) -> None:
    async with running_client(RecordingClient(message_content=False), discord_server) as client:
        said = discord_server.user_says(discord_server.channel, discord_server.world.alice, "my answer")
        received = await discord_server.wait_for(lambda: client.received_with_id(said.id))

    assert received.content == ""


async def test_message_mentioning_the_bot_keeps_content_without_the_intent(discord_server: DiscordServer) -> None:
    async with running_client(RecordingClient(message_content=False), discord_server) as client:
        text = f"<@{discord_server.bot.id}> what is dropout?"
        said = discord_server.user_says(discord_server.channel, discord_server.world.alice, text)
        received = await discord_server.wait_for(lambda: client.received_with_id(said.id))

    assert received.content == text


async def test_member_reaction_reaches_the_client(discord_server: DiscordServer, client: RecordingClient) -> None:
    sent = await client.text_channel(discord_server.channel.id).send("React if you know")

    discord_server.user_reacts(sent.id, discord_server.world.bob, "👍")
    reaction = await discord_server.wait_for(lambda: [r for r in client.reactions_added if r.message_id == sent.id])

    assert str(reaction[0].emoji) == "👍"
    assert reaction[0].user_id == discord_server.world.bob.id
    assert reaction[0].guild_id == discord_server.guild.id


async def test_bot_reaction_is_stored_and_announced(discord_server: DiscordServer, client: RecordingClient) -> None:
    sent = await client.text_channel(discord_server.channel.id).send("Graded")

    await sent.add_reaction("✅")

    stored = discord_server.state.messages[sent.id].reaction("✅")
    assert stored is not None and stored.user_ids == [discord_server.bot.id]
    assert discord_server.events("MESSAGE_REACTION_ADD")[-1].data["user_id"] == str(discord_server.bot.id)


async def test_command_tree_sync_registers_the_quiz_group_for_the_guild(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    add_quiz_group(client, discord_server)

    synced = await client.tree.sync(guild=discord.Object(discord_server.guild.id))

    registered = discord_server.commands(discord_server.guild)
    assert [c.name for c in synced] == ["quiz"]
    assert [c.name for c in registered] == ["quiz"] and registered[0].id == synced[0].id
    category = registered[0].option("ask", "category")
    assert category is not None and category["type"] == 3 and category["required"] is True
    assert discord_server.commands(None) == []


async def test_invoked_command_is_answered_with_an_ephemeral_message(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    locales = add_quiz_group(client, discord_server)
    await client.tree.sync(guild=discord.Object(discord_server.guild.id))
    alice = discord_server.world.alice

    handle = discord_server.invoke_command(
        discord_server.guild,
        discord_server.channel,
        alice,
        "quiz",
        subcommand="ask",
        options={"category": "basics"},
        locale="ko",
    )
    message = await handle.message()

    assert message.content == "Question from basics"
    assert message.flags & MessageFlag.EPHEMERAL and message.ephemeral_to == alice.id
    assert message not in discord_server.visible_messages(discord_server.channel, discord_server.world.bob)
    assert locales == ["ko"]


async def test_deferred_command_is_completed_by_editing_the_original_response(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    add_quiz_group(client, discord_server, defer=True)
    await client.tree.sync(guild=discord.Object(discord_server.guild.id))

    handle = discord_server.invoke_command(
        None, discord_server.channel, discord_server.world.alice, "quiz", subcommand="ask", options={"category": "cnn"}
    )
    message = await handle.message()

    assert handle.callback is not None and handle.callback.type == 5
    assert message.content == "Deferred question from cnn"
    assert discord_server.events("MESSAGE_UPDATE")[-1].data["id"] == str(message.id)


async def test_answering_an_interaction_twice_fails_with_40060(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    add_quiz_group(client, discord_server)
    await client.tree.sync(guild=discord.Object(discord_server.guild.id))
    handle = discord_server.invoke_command(
        None, discord_server.channel, discord_server.world.alice, "quiz", subcommand="ask", options={"category": "rnn"}
    )
    await handle.response()

    second = interaction_response_params(4, {"content": "again"})
    async with aiohttp.ClientSession() as session:
        with pytest.raises(discord.HTTPException) as failure:
            await async_context.get().create_interaction_response(
                handle.id, handle.token, session=session, params=second
            )

    assert failure.value.status == 400 and failure.value.code == 40060
    assert handle.record.rejected_callbacks == [(400, 40060)]


async def test_button_click_opens_a_modal_whose_submission_reaches_the_bot(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    submitted: list[str] = []

    class AnswerModal(discord.ui.Modal, title="Your answer"):
        answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(label="Answer", custom_id="answer_text")

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.append(self.answer.value)
            await interaction.response.send_message("Recorded", ephemeral=True)

    class AnswerView(discord.ui.View):
        @discord.ui.button(label="Answer", custom_id="quiz:answer")
        async def answer(self, interaction: discord.Interaction, button: discord.ui.Button[AnswerView]) -> None:
            await interaction.response.send_modal(AnswerModal(custom_id="quiz:answer-modal"))

    sent = await client.text_channel(discord_server.channel.id).send("Question", view=AnswerView())
    click = discord_server.click_button(sent.id, "quiz:answer", discord_server.world.alice)
    await click.modal()
    submission = discord_server.submit_modal(click, "quiz:answer-modal", {"answer_text": "Residual connections"})
    reply = await submission.message()

    assert submitted == ["Residual connections"]
    assert reply.content == "Recorded" and reply.ephemeral_to == discord_server.world.alice.id


async def test_injected_429_on_send_is_retried_and_the_message_is_sent(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    route = "/channels/{channel_id}/messages"
    fault = discord_server.faults.rate_limit("POST", route, count=1, retry_after=0.2)
    before = discord_server.requests.count("POST", route)

    sent = await client.text_channel(discord_server.channel.id).send("Sent after a rate limit")

    assert fault.hits == 1
    assert discord_server.requests.rate_limited == 1
    assert discord_server.requests.count("POST", route) == before + 2
    assert discord_server.state.messages[sent.id].content == "Sent after a rate limit"


async def test_forced_disconnect_is_resumed_and_missed_events_are_replayed(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    gateway = discord_server.gateway
    gateway.hold_connections()
    await gateway.disconnect(4000)
    await discord_server.wait_for(lambda: gateway.pending_connections == 1)

    missed = discord_server.user_says(discord_server.channel, discord_server.world.alice, "said while away")
    gateway.release_connections()
    await discord_server.wait_for(lambda: client.resumes == 1)
    await discord_server.wait_for(lambda: client.received_with_id(missed.id))

    assert gateway.resume_count == 1
    assert gateway.identify_count == 1


async def test_dropped_tcp_connection_is_resumed(discord_server: DiscordServer, client: RecordingClient) -> None:
    gateway = discord_server.gateway

    gateway.drop_connections()
    await discord_server.wait_for(lambda: client.resumes == 1)

    assert gateway.resume_count == 1
    assert gateway.identify_count == 1


async def test_sending_without_send_messages_is_forbidden_with_50013(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    channel = client.text_channel(discord_server.world.read_only_channel.id)

    with pytest.raises(discord.Forbidden) as failure:
        await channel.send("Not allowed here")

    assert failure.value.code == 50013
    assert discord_server.messages_in(channel.id) == []


async def test_starting_a_thread_without_create_public_threads_is_forbidden(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    sent = await client.text_channel(discord_server.world.no_threads_channel.id).send("Question")

    with pytest.raises(discord.Forbidden) as failure:
        await sent.create_thread(name="Answers")

    assert failure.value.code == 50013
    assert sent.id not in discord_server.state.channels


async def test_content_over_2000_characters_is_rejected_with_50035(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    with pytest.raises(discord.HTTPException) as failure:
        await client.text_channel(discord_server.channel.id).send("x" * 2001)

    assert failure.value.status == 400 and failure.value.code == 50035
    assert discord_server.bot_messages(discord_server.channel) == []


async def test_embed_description_over_4096_characters_is_rejected_with_50035(
    discord_server: DiscordServer, client: RecordingClient
) -> None:
    embed = discord.Embed(title="Reference answer", description="y" * 4097)

    with pytest.raises(discord.HTTPException) as failure:
        await client.text_channel(discord_server.channel.id).send(embed=embed)

    assert failure.value.code == 50035
    assert "4096" in failure.value.text


async def test_requests_without_the_bot_token_get_401_as_json(discord_server: DiscordServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{discord_server.api_url}/users/@me") as response:
        body = await response.json()
        content_type = response.headers["Content-Type"]

    assert response.status == 401
    assert content_type == "application/json"
    assert body == {"message": "401: Unauthorized", "code": 0}


async def test_global_limit_answers_429_with_discord_headers() -> None:
    config = ServerConfig(rate_limits=RateLimitConfig(global_per_second=3))
    async with DiscordServer(config) as server, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {server.token}"}
        statuses = []
        for _ in range(4):
            async with session.get(f"{server.api_url}/users/@me", headers=headers) as response:
                statuses.append(response.status)
                body = await response.json()
                limited_headers = response.headers

    assert statuses == [200, 200, 200, 429]
    assert body["global"] is True and body["message"] == "You are being rate limited." and body["retry_after"] > 0
    assert limited_headers["Via"] == "1.1 google"
    assert limited_headers["X-RateLimit-Global"] == "true" and limited_headers["X-RateLimit-Scope"] == "global"
    assert int(limited_headers["Retry-After"]) >= 1
    assert server.requests.rate_limited == 1


async def test_interaction_answered_after_three_seconds_is_unknown() -> None:
    clock = ManualClock()
    async with DiscordServer(ServerConfig(clock=clock)) as server, aiohttp.ClientSession() as session:
        headers = {"Authorization": f"Bot {server.token}"}
        command = [{"name": "quiz", "description": "Daily quiz", "type": 1}]
        url = f"{server.api_url}/applications/{server.application_id}/guilds/{server.guild.id}/commands"
        async with session.put(url, json=command, headers=headers) as response:
            assert response.status == 200
        handle = server.invoke_command(server.guild, server.channel, server.world.alice, "quiz")
        clock.advance(3.1)
        callback = f"{server.api_url}/interactions/{handle.id}/{handle.token}/callback"
        async with session.post(callback, json={"type": 4, "data": {"content": "late"}}) as response:
            status, body = response.status, await response.json()

    assert status == 404 and body["code"] == 10062
    assert handle.callback is None
