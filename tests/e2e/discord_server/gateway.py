"""The gateway: websocket connections, sessions with sequence numbers, resume and replay."""

from __future__ import annotations

import asyncio
import importlib
import json
import math
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import Any

from aiohttp import WSMsgType, web

from .state import JSON, DiscordState
from .waiting import ChangeFeed


class Op(IntEnum):
    """Gateway opcodes."""

    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11
    REQUEST_SOUNDBOARD_SOUNDS = 31


class CloseCode(IntEnum):
    """Gateway close codes."""

    UNKNOWN_ERROR = 4000
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    INVALID_SEQ = 4007
    RATE_LIMITED = 4008
    INVALID_SHARD = 4010
    SHARDING_REQUIRED = 4011
    INVALID_API_VERSION = 4012
    INVALID_INTENTS = 4013
    DISALLOWED_INTENTS = 4014


class Intent(IntFlag):
    """Gateway intents the server filters events by."""

    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    GUILD_MESSAGE_REACTIONS = 1 << 10
    GUILD_MESSAGE_TYPING = 1 << 11
    DIRECT_MESSAGES = 1 << 12
    DIRECT_MESSAGE_REACTIONS = 1 << 13
    DIRECT_MESSAGE_TYPING = 1 << 14
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED_INTENTS = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT
VALID_INTENTS = (1 << 26) - 1
SUPPORTED_VERSIONS = frozenset({"9", "10"})
# Discord closes a connection that sends more than 120 payloads in 60 seconds.
SEND_LIMIT = 120
SEND_WINDOW = 60.0
# Discord's most guilds on one shard; a session over it is closed with 4011.
GUILDS_PER_SHARD = 2500
# Session starts a token has per day, and when that count resets (milliseconds).
SESSION_STARTS = 1000
SESSION_RESET_AFTER_MS = 14_400_000

_GUILDS_EVENTS = frozenset(
    {
        "GUILD_CREATE",
        "GUILD_UPDATE",
        "GUILD_DELETE",
        "GUILD_ROLE_CREATE",
        "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "THREAD_CREATE",
        "THREAD_UPDATE",
        "THREAD_DELETE",
        "THREAD_LIST_SYNC",
        "THREAD_MEMBER_UPDATE",
        "THREAD_MEMBERS_UPDATE",
    }
)
_MEMBER_EVENTS = frozenset({"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"})
_MESSAGE_EVENTS = frozenset({"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"})
_REACTION_EVENTS = frozenset(
    {
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL",
        "MESSAGE_REACTION_REMOVE_EMOJI",
    }
)
_NEVER_REPLAYED = frozenset({"READY", "RESUMED"})


def required_intent(name: str, data: JSON) -> int | None:
    """Return the intent a session needs to receive an event, None when every session gets it."""
    in_guild = data.get("guild_id") is not None
    if name in _MESSAGE_EVENTS:
        return Intent.GUILD_MESSAGES if in_guild else Intent.DIRECT_MESSAGES
    if name in _REACTION_EVENTS:
        return Intent.GUILD_MESSAGE_REACTIONS if in_guild else Intent.DIRECT_MESSAGE_REACTIONS
    if name == "TYPING_START":
        return Intent.GUILD_MESSAGE_TYPING if in_guild else Intent.DIRECT_MESSAGE_TYPING
    if name == "CHANNEL_PINS_UPDATE":
        return Intent.GUILDS if in_guild else Intent.DIRECT_MESSAGES
    if name in _GUILDS_EVENTS:
        return Intent.GUILDS
    if name in _MEMBER_EVENTS:
        return Intent.GUILD_MEMBERS
    return None


def gate_message_content(name: str, data: JSON, *, intents: int, bot_id: int) -> JSON:
    """Blank content, embeds, attachments, components and polls like Discord without MESSAGE_CONTENT.

    Exempt are DMs, the bot's own messages and messages that mention the bot.
    """
    if name not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & Intent.MESSAGE_CONTENT:
        return data
    return _strip_content(data, bot_id)


def _strip_content(data: JSON, bot_id: int) -> JSON:
    if data.get("guild_id") is None:
        return data
    if (data.get("author") or {}).get("id") == str(bot_id):
        return data
    if any(m.get("id") == str(bot_id) for m in data.get("mentions") or []):
        return data
    stripped = dict(data)
    stripped["content"] = ""
    stripped["embeds"] = []
    stripped["attachments"] = []
    stripped["components"] = []
    stripped.pop("poll", None)
    referenced = stripped.get("referenced_message")
    if isinstance(referenced, dict):
        stripped["referenced_message"] = _strip_content({**referenced, "guild_id": data["guild_id"]}, bot_id)
    return stripped


def application_flags(privileged_intents: int) -> int:
    """Return the application flags Discord reports for the privileged intents switched on."""
    flags = 1 << 23  # APPLICATION_COMMAND_BADGE
    if privileged_intents & Intent.GUILD_PRESENCES:
        flags |= 1 << 13
    if privileged_intents & Intent.GUILD_MEMBERS:
        flags |= 1 << 15
    if privileged_intents & Intent.MESSAGE_CONTENT:
        flags |= 1 << 19
    return flags


class _Encoder:
    """Plain JSON text frames."""

    binary = False

    def encode(self, raw: bytes) -> bytes:
        return raw


class _ZlibStream(_Encoder):
    """``compress=zlib-stream``: one deflate stream per connection, each payload ends with Z_SYNC_FLUSH."""

    binary = True

    def __init__(self) -> None:
        self._compressor = zlib.compressobj()

    def encode(self, raw: bytes) -> bytes:
        return self._compressor.compress(raw) + self._compressor.flush(zlib.Z_SYNC_FLUSH)


class _ZstdStream(_Encoder):
    """``compress=zstd-stream``: one zstd stream per connection, each payload flushed as a block."""

    binary = True

    def __init__(self) -> None:
        self._module: Any
        try:
            self._module = importlib.import_module("zstandard")
            self._stdlib = False
            self._compressor: Any = self._module.ZstdCompressor().compressobj()
        except ImportError:
            self._module = importlib.import_module("compression.zstd")
            self._stdlib = True
            self._compressor = self._module.ZstdCompressor()

    def encode(self, raw: bytes) -> bytes:
        if self._stdlib:
            return bytes(self._compressor.compress(raw, mode=self._module.ZstdCompressor.FLUSH_BLOCK))
        flush = self._module.COMPRESSOBJ_FLUSH_BLOCK
        return bytes(self._compressor.compress(raw) + self._compressor.flush(flush))


def zstd_available() -> bool:
    """True when a zstd implementation is importable (discord.py asks for zstd-stream only then)."""
    for name in ("zstandard", "compression.zstd"):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        return True
    return False


def _encoder_for(compress: str | None) -> _Encoder | None:
    if compress is None or compress == "":
        return _Encoder()
    if compress == "zlib-stream":
        return _ZlibStream()
    if compress == "zstd-stream" and zstd_available():
        return _ZstdStream()
    return None


@dataclass(frozen=True)
class GatewayConfig:
    """Gateway behaviour; ``privileged_intents`` are the ones switched on for the application."""

    token: str
    heartbeat_interval_ms: int = 41250
    privileged_intents: int = PRIVILEGED_INTENTS
    replay_buffer: int = 1000
    guilds_per_shard: int = GUILDS_PER_SHARD
    max_concurrency: int = 1
    session_starts: int = SESSION_STARTS
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class IdentifyRecord:
    """An IDENTIFY that arrived: its shard (``None`` for an unsharded session), its rate-limit bucket
    (``shard_id % max_concurrency``), when (by the server's clock), and whether a session came of it."""

    token: str
    shard: tuple[int, int] | None
    bucket: int
    at: float
    accepted: bool


@dataclass(frozen=True)
class ReceivedPayload:
    """A payload a client sent."""

    connection_id: int
    op: int
    data: Any


@dataclass
class DispatchRecord:
    """An event the server dispatched and the sessions it was queued for."""

    name: str
    data: JSON
    session_ids: list[str] = field(default_factory=list)


@dataclass
class GatewaySession:
    """A gateway session: survives disconnects so it can be resumed."""

    id: str
    token: str
    intents: int
    shard: tuple[int, int] | None
    replay_limit: int
    seq: int = 0
    buffer: deque[tuple[int, str, JSON]] = field(default_factory=deque)
    connection: GatewayConnection | None = None
    invalidated: bool = False
    presence: JSON | None = None

    def push(self, name: str, data: JSON) -> JSON:
        """Give the event the next sequence number, keep it for replay and send it if connected."""
        self.seq += 1
        frame: JSON = {"op": Op.DISPATCH, "t": name, "s": self.seq, "d": data}
        if name not in _NEVER_REPLAYED:
            self.buffer.append((self.seq, name, data))
            while len(self.buffer) > self.replay_limit:
                self.buffer.popleft()
        if self.connection is not None:
            self.connection.enqueue(frame)
        return frame

    def can_resume_from(self, seq: int) -> bool:
        """True when every event after ``seq`` is still in the replay buffer."""
        if seq > self.seq:
            return False
        return not self.buffer or self.buffer[0][0] <= seq + 1


class GatewayConnection:
    """One websocket connection; a writer task keeps frames in order."""

    def __init__(self, hub: GatewayHub, ws: web.WebSocketResponse, request: web.Request, encoder: _Encoder) -> None:
        self.hub = hub
        self.id = hub.next_connection_id()
        self.ws = ws
        self.request = request
        self.encoder = encoder
        self.session: GatewaySession | None = None
        self.sent: list[JSON] = []
        self.received: list[JSON] = []
        self.heartbeats = 0
        self.closed_by_server = False
        self._outbox: asyncio.Queue[JSON | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._receive_times: deque[float] = deque()

    def start(self) -> None:
        """Start the writer task."""
        self._writer = asyncio.create_task(self._write_loop(), name=f"gateway-writer-{self.id}")

    def enqueue(self, frame: JSON) -> None:
        """Queue a frame for sending."""
        self._outbox.put_nowait(frame)

    def over_send_limit(self) -> bool:
        """Count a received payload; True when the client exceeded 120 payloads per minute."""
        now = asyncio.get_running_loop().time()
        self._receive_times.append(now)
        while self._receive_times and self._receive_times[0] <= now - SEND_WINDOW:
            self._receive_times.popleft()
        return len(self._receive_times) > SEND_LIMIT

    async def _write_loop(self) -> None:
        while True:
            frame = await self._outbox.get()
            if frame is None or self.ws.closed:
                return
            raw = json.dumps(frame, separators=(",", ":"), ensure_ascii=False).encode()
            try:
                if self.encoder.binary:
                    await self.ws.send_bytes(self.encoder.encode(raw))
                else:
                    await self.ws.send_str(raw.decode())
            except (ConnectionError, RuntimeError):
                return
            self.sent.append(frame)
            self.hub.feed.notify()

    async def stop_writer(self) -> None:
        """Stop the writer task."""
        if self._writer is None:
            return
        self._outbox.put_nowait(None)
        try:
            await asyncio.wait_for(self._writer, timeout=1.0)
        except TimeoutError:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        self._writer = None

    async def close(self, code: int) -> None:
        """Close the websocket from the server side with ``code``; frames not yet written are dropped."""
        self.closed_by_server = True
        await self.stop_writer()
        if not self.ws.closed:
            await self.ws.close(code=code)

    def drop(self) -> None:
        """Cut the TCP connection without a close frame."""
        self.closed_by_server = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class GatewayHub:
    """All gateway sessions and connections of the server."""

    def __init__(self, config: GatewayConfig, state: DiscordState, feed: ChangeFeed) -> None:
        self.config = config
        self.state = state
        self.feed = feed
        self.url = ""
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: list[GatewayConnection] = []
        self.received: list[ReceivedPayload] = []
        self.dispatched: list[DispatchRecord] = []
        self.identifies: list[IdentifyRecord] = []
        self.connection_attempts = 0
        self.pending_connections = 0
        self._connection_ids = 0
        self._open = asyncio.Event()
        self._open.set()

    # --- observations for tests -------------------------------------------------------------------

    def next_connection_id(self) -> int:
        """Return a new connection id."""
        self._connection_ids += 1
        return self._connection_ids

    def ops_received(self, op: int) -> list[ReceivedPayload]:
        """Return the payloads clients sent with ``op``."""
        return [r for r in self.received if r.op == op]

    @property
    def identify_count(self) -> int:
        """How many IDENTIFY payloads arrived."""
        return len(self.ops_received(Op.IDENTIFY))

    @property
    def resume_count(self) -> int:
        """How many RESUME payloads arrived."""
        return len(self.ops_received(Op.RESUME))

    @property
    def live_sessions(self) -> list[GatewaySession]:
        """Sessions that are neither invalidated nor closed by the client."""
        return [s for s in self.sessions.values() if not s.invalidated]

    @property
    def connected_sessions(self) -> list[GatewaySession]:
        """Live sessions with an attached connection."""
        return [s for s in self.live_sessions if s.connection is not None]

    def events(self, name: str | None = None) -> list[DispatchRecord]:
        """Return dispatched events, optionally of one name."""
        return [d for d in self.dispatched if name is None or d.name == name]

    def identify_times(self) -> dict[tuple[str, int], list[float]]:
        """When IDENTIFYs arrived, per (token, rate-limit bucket), in order."""
        times: dict[tuple[str, int], list[float]] = {}
        for record in self.identifies:
            times.setdefault((record.token, record.bucket), []).append(record.at)
        return times

    # --- sharding -------------------------------------------------------------------------------

    def bot_guild_ids(self) -> list[int]:
        """The guilds the bot is in."""
        return [g.id for g in self.state.guilds.values() if self.state.bot.id in g.members]

    def recommended_shards(self) -> int:
        """The shard count ``GET /gateway/bot`` recommends: enough for ``guilds_per_shard`` guilds each."""
        return max(1, math.ceil(len(self.bot_guild_ids()) / self.config.guilds_per_shard))

    def session_start_limit(self) -> JSON:
        """``session_start_limit`` of ``GET /gateway/bot``; every IDENTIFY uses one start."""
        return {
            "total": self.config.session_starts,
            "remaining": max(0, self.config.session_starts - len(self.identifies)),
            "reset_after": SESSION_RESET_AFTER_MS,
            "max_concurrency": self.config.max_concurrency,
        }

    def _guilds_in(self, shard: tuple[int, int] | None) -> int:
        if shard is None:
            return len(self.bot_guild_ids())
        shard_id, shard_count = shard
        return sum(1 for guild_id in self.bot_guild_ids() if (guild_id >> 22) % shard_count == shard_id)

    # --- control for tests ------------------------------------------------------------------------

    def hold_connections(self) -> None:
        """Accept new websockets but send no HELLO until ``release_connections``."""
        self._open.clear()

    def release_connections(self) -> None:
        """Let held websockets proceed."""
        self._open.set()

    async def disconnect(self, code: int = CloseCode.UNKNOWN_ERROR) -> None:
        """Close every connection with ``code`` (4000 lets clients resume)."""
        for connection in list(self.connections):
            await connection.close(code)

    def drop_connections(self) -> None:
        """Cut every connection's TCP stream without a close frame."""
        for connection in list(self.connections):
            connection.drop()

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every connection."""
        for connection in self.connections:
            connection.enqueue({"op": Op.RECONNECT, "d": None})

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION on every connection; non-resumable sessions are forgotten."""
        for connection in self.connections:
            if connection.session is not None and not resumable:
                connection.session.invalidated = True
            connection.enqueue({"op": Op.INVALID_SESSION, "d": resumable})

    # --- dispatching --------------------------------------------------------------------------

    def dispatch(self, name: str, data: JSON) -> DispatchRecord:
        """Send an event to every live session subscribed to it (buffered while disconnected)."""
        record = DispatchRecord(name=name, data=data)
        self.dispatched.append(record)
        intent = required_intent(name, data)
        for session in self.live_sessions:
            if intent is not None and not session.intents & intent:
                continue
            if not self._in_shard(session, data.get("guild_id")):
                continue
            view = gate_message_content(name, data, intents=session.intents, bot_id=self.state.bot.id)
            session.push(name, view)
            record.session_ids.append(session.id)
        self.feed.notify()
        return record

    def _push_to(self, session: GatewaySession, name: str, data: JSON) -> None:
        """Dispatch an event addressed to one session (READY, GUILD_CREATE, RESUMED, member chunks)."""
        self.dispatched.append(DispatchRecord(name=name, data=data, session_ids=[session.id]))
        session.push(name, data)

    @staticmethod
    def _in_shard(session: GatewaySession, guild_id: Any) -> bool:
        if session.shard is None or guild_id is None:
            return True
        shard_id, shard_count = session.shard
        return (int(guild_id) >> 22) % shard_count == shard_id

    # --- websocket handling -------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one gateway websocket."""
        self.connection_attempts += 1
        encoding = request.query.get("encoding", "json")
        version = request.query.get("v", "10")
        encoder = _encoder_for(request.query.get("compress"))
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        connection = GatewayConnection(self, ws, request, encoder or _Encoder())
        self.connections.append(connection)
        self.feed.notify()
        try:
            if version not in SUPPORTED_VERSIONS:
                await connection.close(CloseCode.INVALID_API_VERSION)
                return ws
            if encoding != "json" or encoder is None:
                await connection.close(CloseCode.DECODE_ERROR)
                return ws
            self.pending_connections += 1
            try:
                await self._open.wait()
            finally:
                self.pending_connections -= 1
            connection.start()
            connection.enqueue(
                {"op": Op.HELLO, "d": {"heartbeat_interval": self.config.heartbeat_interval_ms, "_trace": ["fake"]}}
            )
            async for message in ws:
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    raw = message.data if isinstance(message.data, str) else message.data.decode("utf-8", "replace")
                    await self._on_payload(connection, raw)
                elif message.type == WSMsgType.ERROR:
                    break
        finally:
            await self._finish(connection)
        return ws

    async def _finish(self, connection: GatewayConnection) -> None:
        await connection.stop_writer()
        session = connection.session
        if session is not None and session.connection is connection:
            session.connection = None
            # A client that closes with 1000 or 1001 ends its session; other codes keep it resumable.
            if not connection.closed_by_server and connection.ws.close_code in (1000, 1001):
                session.invalidated = True
        if connection in self.connections:
            self.connections.remove(connection)
        self.feed.notify()

    async def _on_payload(self, connection: GatewayConnection, raw: str) -> None:
        try:
            payload = json.loads(raw)
            op = int(payload["op"])
        except (ValueError, KeyError, TypeError):
            await connection.close(CloseCode.DECODE_ERROR)
            return
        data = payload.get("d")
        connection.received.append(payload)
        self.received.append(ReceivedPayload(connection.id, op, data))
        self.feed.notify()
        if connection.over_send_limit():
            await connection.close(CloseCode.RATE_LIMITED)
            return
        if op == Op.HEARTBEAT:
            connection.heartbeats += 1
            connection.enqueue({"op": Op.HEARTBEAT_ACK})
        elif op == Op.IDENTIFY:
            await self._identify(connection, data)
        elif op == Op.RESUME:
            await self._resume(connection, data)
        elif connection.session is None:
            await connection.close(CloseCode.NOT_AUTHENTICATED)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            self._request_members(connection.session, data or {})
        elif op == Op.PRESENCE_UPDATE:
            connection.session.presence = data
        elif op in (Op.VOICE_STATE_UPDATE, Op.REQUEST_SOUNDBOARD_SOUNDS):
            return
        else:
            await connection.close(CloseCode.UNKNOWN_OPCODE)

    async def _identify(self, connection: GatewayConnection, data: Any) -> None:
        if connection.session is not None:
            await connection.close(CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or data.get("token") != self.config.token:
            await connection.close(CloseCode.AUTHENTICATION_FAILED)
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents & ~VALID_INTENTS:
            await connection.close(CloseCode.INVALID_INTENTS)
            return
        if intents & PRIVILEGED_INTENTS & ~self.config.privileged_intents:
            await connection.close(CloseCode.DISALLOWED_INTENTS)
            return
        shard = data.get("shard")
        shard_pair: tuple[int, int] | None = None
        if shard is not None:
            if not isinstance(shard, list) or len(shard) != 2 or not 0 <= shard[0] < shard[1]:
                await connection.close(CloseCode.INVALID_SHARD)
                return
            shard_pair = (int(shard[0]), int(shard[1]))
        too_many = self._guilds_in(shard_pair) > self.config.guilds_per_shard
        bucket = shard_pair[0] % self.config.max_concurrency if shard_pair is not None else 0
        at = self.config.clock()
        self.identifies.append(IdentifyRecord(data["token"], shard_pair, bucket, at, accepted=not too_many))
        if too_many:
            await connection.close(CloseCode.SHARDING_REQUIRED)
            return
        session = GatewaySession(
            id=uuid.uuid4().hex,
            token=data["token"],
            intents=intents,
            shard=shard_pair,
            replay_limit=self.config.replay_buffer,
        )
        self.sessions[session.id] = session
        connection.session = session
        session.connection = connection
        self._push_to(session, "READY", self._ready_payload(session))
        include_members = bool(intents & Intent.GUILD_MEMBERS)
        for guild in self.state.guilds.values():
            if self.state.bot.id in guild.members and self._in_shard(session, guild.id):
                payload = self.state.guild_create_payload(guild, include_all_members=include_members)
                self._push_to(session, "GUILD_CREATE", payload)
        self.feed.notify()

    async def _resume(self, connection: GatewayConnection, data: Any) -> None:
        if connection.session is not None:
            await connection.close(CloseCode.ALREADY_AUTHENTICATED)
            return
        if not isinstance(data, dict) or data.get("token") != self.config.token:
            await connection.close(CloseCode.AUTHENTICATION_FAILED)
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        client_seq = seq if isinstance(seq, int) else 0
        if session is None or session.invalidated or not session.can_resume_from(client_seq):
            connection.enqueue({"op": Op.INVALID_SESSION, "d": False})
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            session.connection = None
            await previous.close(CloseCode.UNKNOWN_ERROR)
        connection.session = session
        session.connection = connection
        for seq_number, name, event in list(session.buffer):
            if seq_number > client_seq:
                connection.enqueue({"op": Op.DISPATCH, "t": name, "s": seq_number, "d": event})
        self._push_to(session, "RESUMED", {"_trace": ["fake"]})
        self.feed.notify()

    def _ready_payload(self, session: GatewaySession) -> JSON:
        state = self.state
        user = {**state.bot.payload(), "verified": True, "mfa_enabled": False, "email": None, "flags": 0}
        guilds = [
            {"id": str(g.id), "unavailable": True}
            for g in state.guilds.values()
            if state.bot.id in g.members and self._in_shard(session, g.id)
        ]
        data: JSON = {
            "v": 10,
            "user": user,
            "user_settings": {},
            "guilds": guilds,
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "application": {
                "id": str(state.application_id),
                "flags": application_flags(self.config.privileged_intents),
            },
            "auth": {},
            "_trace": ["fake"],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def _request_members(self, session: GatewaySession, data: JSON) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id") or 0))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        not_found: list[str] = []
        if user_ids:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            not_found = [str(u) for u in wanted if u not in guild.members]
            members = [m for m in members if m.user.id in wanted]
        else:
            query = str(data.get("query") or "").lower()
            members = [m for m in members if m.user.username.lower().startswith(query)]
            limit = int(data.get("limit") or 0)
            if limit:
                members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        self._push_to(session, "GUILD_MEMBERS_CHUNK", chunk)
