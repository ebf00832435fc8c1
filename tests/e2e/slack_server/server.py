"""A Slack-compatible Web API, ``response_url`` endpoint and Socket Mode websocket on 127.0.0.1.

Every call is recorded; faults (429 with ``Retry-After``, any error code) are injected per method on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .api import METHODS, ApiError, check_blocks
from .world import JSON, Ephemeral, Message, SlackWorld

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ApiCall:
    """One request to the Web API as the server saw it."""

    method: str
    params: JSON
    token: str | None
    status: int
    ok: bool
    error: str | None
    at: float  # loop time, to check waits such as Retry-After


@dataclass
class Fault:
    """An injected failure for the next ``times`` calls of a method, once ``after`` calls have passed."""

    status: int
    error: str
    retry_after: int | None
    times: int
    after: int = 0


@dataclass
class SocketConnection:
    ws: web.WebSocketResponse
    ticket: str
    acks: dict[str, JSON] = field(default_factory=dict)


class FakeSlack:
    """The server. ``await start()``; ``api_url`` is what ``SLACK_API_URL`` should be set to."""

    def __init__(self, world: SlackWorld, *, bot_token: str, app_token: str) -> None:
        self.world = world
        self.bot_token = bot_token
        self.app_token = app_token
        self.calls: list[ApiCall] = []
        self.socket_acks: dict[str, JSON] = {}
        self._faults: dict[str, list[Fault]] = {}
        self._delays: dict[str, float] = {}
        self._responses: dict[str, tuple[str, str, Message | Ephemeral | None]] = {}
        self._sockets: list[SocketConnection] = []
        self._counter = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------------------

    async def start(self) -> FakeSlack:
        # Uploads (``files.uploadV2``) may be far larger than aiohttp's 1 MiB default allows a request.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        self.port = int(self._runner.addresses[0][1])
        self.world.upload_base = f"http://{HOST}:{self.port}/upload"
        return self

    async def stop(self) -> None:
        for connection in self._sockets:
            await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}/api/"

    # -- test controls ------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str = "internal_error",
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``error`` (and ``status``, ``Retry-After``).

        With ``after``, that many calls succeed first: a failure in the middle of a run of posts.
        """
        self._faults.setdefault(method, []).append(Fault(status, error, retry_after, times, after))

    def slow_next(self, method: str, seconds: float) -> None:
        """Make the next call of ``method`` take ``seconds`` before it answers, like a slow Slack."""
        self._delays[method] = seconds

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(method, status=429, error="ratelimited", retry_after=retry_after, times=times)

    def response_url(self, channel: str, user: str, source: Message | Ephemeral | None = None) -> str:
        """A ``response_url`` for a slash command or action: replies to it land in ``world.ephemerals``.

        ``source`` is the message an action was taken in: ``replace_original`` and ``delete_original`` act on it.
        """
        key = f"R{next(self._counter):06d}"
        self._responses[key] = (channel, user, source)
        return f"http://{HOST}:{self.port}/response/{key}"

    @property
    def socket_count(self) -> int:
        """Open Socket Mode connections."""
        return len(self._sockets)

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection from Slack's side, as Slack does now and then; a client that
        reconnects gets a new one with a fresh ``hello``."""
        for connection in list(self._sockets):
            await connection.ws.close()

    def calls_to(self, method: str) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method]

    async def wait_until(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy, re-checking after every request the server handles."""

        async def check() -> Any:
            async with self._changed:
                while not (result := predicate()):
                    await self._changed.wait()
                return result

        return await asyncio.wait_for(check(), within)

    async def send_envelope(
        self,
        kind: str,
        payload: JSON,
        *,
        accepts_response_payload: bool = True,
        connection: int = -1,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Deliver a Socket Mode envelope on one connection (the newest unless told which, in the order they
        opened); returns its ``envelope_id``. Like Slack, an Events API envelope says which retry it is."""

        def chosen() -> SocketConnection | None:
            try:
                return self._sockets[connection]
            except IndexError:
                return None

        opened = await self.wait_until(chosen)
        return await self._send(opened, kind, payload, accepts_response_payload, retry_attempt, retry_reason)

    async def broadcast_envelope(self, kind: str, payload: JSON) -> list[str]:
        """Deliver the same payload on every open connection, each copy in an envelope of its own (an envelope id
        names one delivery), as Slack may when several connections of the app are open; the envelope ids."""
        opened = await self.wait_until(lambda: list(self._sockets))
        return [await self._send(connection, kind, payload, True, 0, "") for connection in opened]

    async def wait_for_acks(self, envelope_ids: list[str]) -> None:
        """Until the app has acknowledged every one of these envelopes."""
        await self.wait_until(lambda: all(envelope in self.socket_acks for envelope in envelope_ids))

    async def _send(
        self,
        connection: SocketConnection,
        kind: str,
        payload: JSON,
        accepts_response_payload: bool,
        retry_attempt: int,
        retry_reason: str,
    ) -> str:
        envelope_id = f"env-{next(self._counter):06d}"
        envelope: JSON = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        await connection.ws.send_json(envelope)
        return envelope_id

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- handlers -----------------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method in self._delays:
            await asyncio.sleep(self._delays.pop(method))
        params = await _params(request)
        token = _token(request, params)
        params.pop("token", None)
        status, body, headers = self._dispatch(method, token, params)
        self.calls.append(
            ApiCall(
                method=method,
                params=params,
                token=token,
                status=status,
                ok=bool(body.get("ok")),
                error=body.get("error"),
                at=asyncio.get_running_loop().time(),
            )
        )
        await self._notify()
        return web.json_response(body, status=status, headers=headers)

    def _dispatch(self, method: str, token: str | None, params: JSON) -> tuple[int, JSON, dict[str, str]]:
        needed = self.app_token if method == "apps.connections.open" else self.bot_token
        if token is None:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if token != needed:
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        faults = self._faults.get(method)
        if faults and faults[0].after > 0:
            faults[0].after -= 1
        elif faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            return fault.status, {"ok": False, "error": fault.error}, headers
        if method == "apps.connections.open":
            ticket = f"ticket-{next(self._counter)}"
            return 200, {"ok": True, "url": f"ws://{HOST}:{self.port}/socket?ticket={ticket}"}, {}
        handler = METHODS.get(method)
        if handler is None:
            return 404, {"ok": False, "error": "unknown_method"}, {}
        try:
            return 200, {"ok": True, **handler(self.world, params)}, {}
        except ApiError as exc:
            return 200, {"ok": False, "error": exc.code, **exc.extra}, {}

    async def _response_url(self, request: web.Request) -> web.Response:
        target = self._responses.get(request.match_info["key"])
        if target is None:
            return web.Response(status=404, text="expired_url")
        body = await request.json()
        try:
            blocks = check_blocks(body.get("blocks"))
        except ApiError as exc:
            return web.Response(status=400, text=exc.code)
        channel, user, source = target
        text = str(body.get("text") or "")
        if body.get("delete_original") is True or body.get("replace_original") is True:
            if source is None:
                return web.Response(status=404, text="no_original")
            self._change_original(source, text, blocks, delete=body.get("delete_original") is True)
        else:
            self.world.ephemerals.append(
                Ephemeral(
                    channel,
                    user,
                    text,
                    blocks,
                    via="response_url",
                    response_type=str(body.get("response_type") or "ephemeral"),
                    ts=self.world.next_ts(),
                )
            )
        await self._notify()
        return web.Response(text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        """Step two of ``files.uploadV2``: the file's bytes, posted to the URL step one gave (no token: the URL is
        the credential). Like Slack, more bytes than announced are refused."""
        file = self.world.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="unknown upload")
        data = await request.read()
        if len(data) > file.length:
            return web.Response(status=413, text="more bytes than announced")
        file.data = data
        await self._notify()
        return web.Response(text=f"OK - {len(data)}")

    def _change_original(self, source: Message | Ephemeral, text: str, blocks: list[JSON], *, delete: bool) -> None:
        """Like Slack: a ``response_url`` may replace or delete the message the action came from."""
        if isinstance(source, Ephemeral):
            if source in self.world.ephemerals and delete:
                self.world.ephemerals.remove(source)
            elif not delete:
                source.text, source.blocks = text, blocks
        elif delete:
            self.world.messages.pop((source.channel, source.ts), None)
        else:
            source.text, source.blocks, source.edited = text, blocks, True

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = SocketConnection(ws, request.query.get("ticket", ""))
        self._sockets.append(connection)
        await ws.send_json(
            {"type": "hello", "num_connections": len(self._sockets), "connection_info": {"app_id": self.world.app_id}}
        )
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.socket_acks[data["envelope_id"]] = data
                    await self._notify()
        self._sockets.remove(connection)
        await self._notify()
        return ws


async def _params(request: web.Request) -> JSON:
    params: JSON = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            data = await request.json()
            if isinstance(data, dict):
                params.update(data)
        else:
            params.update(dict(await request.post()))
    return params


def _token(request: web.Request, params: JSON) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip() or None
    token = params.get("token")
    return str(token) if token else None
