"""The REST API under ``/api/v10``: authentication, rate limits, faults and the route handlers."""

from __future__ import annotations

import asyncio
import json
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from . import commands as command_registry
from . import errors
from .actions import Actions, MessageDraft
from .errors import ApiError, field_error, invalid_form_body
from .gateway import GatewayHub, Intent, application_flags
from .interactions import InteractionService
from .limits import is_empty_message, validate_message, validate_thread_name
from .permissions import Permission
from .ratelimit import (
    API_PREFIX,
    FaultInjector,
    RateLimiter,
    RequestLog,
    RequestRecord,
    Throttle,
    rate_limited_body,
    rate_limited_headers,
)
from .state import JSON, MAX_ATTACHMENTS, Attachment, Channel, ChannelType, DiscordState, Emoji, Message
from .waiting import ChangeFeed

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_FILE_FIELD = re.compile(r"^files\[(\d+)\]$")
# The parsed request body, kept for the request log.
PAYLOAD_KEY = web.RequestKey("payload", object)
_MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id", "interaction_token")


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer JSON with ``Content-Type: application/json`` exactly (discord.py compares the whole header)."""
    response = web.Response(body=json.dumps(data, ensure_ascii=False).encode(), status=status, headers=headers or {})
    response.headers["Content-Type"] = "application/json"
    return response


def no_content() -> web.Response:
    """Answer 204."""
    return web.Response(status=204)


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    """Answer an ``ApiError``."""
    return json_response(error.body(), status=error.status, headers=headers)


def snowflake(request: web.Request, name: str) -> int:
    """Return a numeric path parameter or raise 50035 like Discord for a non-snowflake."""
    value = request.match_info[name]
    if not value.isdigit():
        raise invalid_form_body({name: field_error("NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')})
    return int(value)


def _logged_body(value: object) -> dict[str, Any] | list[Any] | None:
    return value if isinstance(value, dict | list) else None


@dataclass(frozen=True)
class RouteMeta:
    """How a route is authenticated: by bot token (and counted globally) or by an interaction token."""

    bot_auth: bool = True


class RestApi:
    """Route table, middleware and handlers."""

    def __init__(
        self,
        *,
        state: DiscordState,
        actions: Actions,
        interactions: InteractionService,
        hub: GatewayHub,
        limiter: RateLimiter,
        faults: FaultInjector,
        log: RequestLog,
        feed: ChangeFeed,
        token: str,
        clock: Callable[[], float],
    ) -> None:
        self.state = state
        self.actions = actions
        self.interactions = interactions
        self.hub = hub
        self.limiter = limiter
        self.faults = faults
        self.log = log
        self.feed = feed
        self.token = token
        self.clock = clock
        self.internal_errors: list[str] = []
        self._meta: dict[str, RouteMeta] = {}

    # --- routing ---------------------------------------------------------------------------------

    def _add(self, app: web.Application, method: str, path: str, handler: Handler, *, bot_auth: bool = True) -> None:
        app.router.add_route(method, API_PREFIX + path, handler)
        self._meta[path] = RouteMeta(bot_auth=bot_auth)

    def install(self, app: web.Application) -> None:
        """Register every route and the middleware on ``app``."""
        app.middlewares.append(self.middleware)
        add = self._add
        add(app, "GET", "/gateway", self.get_gateway, bot_auth=False)
        add(app, "GET", "/gateway/bot", self.get_gateway_bot)
        add(app, "GET", "/users/@me", self.get_me)
        add(app, "GET", "/users/@me/guilds", self.get_my_guilds)
        add(app, "POST", "/users/@me/channels", self.create_dm)
        add(app, "GET", "/users/{user_id}", self.get_user)
        add(app, "GET", "/oauth2/applications/@me", self.get_application)
        add(app, "GET", "/applications/@me", self.get_application)
        for scope in ("/applications/{application_id}", "/applications/{application_id}/guilds/{guild_id}"):
            add(app, "GET", scope + "/commands", self.list_commands)
            add(app, "PUT", scope + "/commands", self.overwrite_commands)
            add(app, "POST", scope + "/commands", self.create_command)
            add(app, "GET", scope + "/commands/{command_id}", self.get_command)
            add(app, "PATCH", scope + "/commands/{command_id}", self.edit_command)
            add(app, "DELETE", scope + "/commands/{command_id}", self.delete_command)
        add(app, "GET", "/applications/{application_id}/entitlements", self.list_entitlements)
        add(app, "GET", "/channels/{channel_id}", self.get_channel)
        add(app, "PATCH", "/channels/{channel_id}", self.edit_channel)
        add(app, "DELETE", "/channels/{channel_id}", self.delete_channel)
        add(app, "POST", "/channels/{channel_id}/typing", self.typing)
        add(app, "GET", "/channels/{channel_id}/messages/pins", self.list_pins)
        add(app, "PUT", "/channels/{channel_id}/messages/pins/{message_id}", self.pin)
        add(app, "DELETE", "/channels/{channel_id}/messages/pins/{message_id}", self.unpin)
        add(app, "GET", "/channels/{channel_id}/pins", self.list_pins_legacy)
        add(app, "PUT", "/channels/{channel_id}/pins/{message_id}", self.pin)
        add(app, "DELETE", "/channels/{channel_id}/pins/{message_id}", self.unpin)
        add(app, "POST", "/channels/{channel_id}/messages/bulk-delete", self.bulk_delete)
        add(app, "GET", "/channels/{channel_id}/messages", self.list_messages)
        add(app, "POST", "/channels/{channel_id}/messages", self.create_message)
        add(app, "GET", "/channels/{channel_id}/messages/{message_id}", self.get_message)
        add(app, "PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message)
        add(app, "DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message)
        add(app, "POST", "/channels/{channel_id}/messages/{message_id}/threads", self.thread_from_message)
        add(app, "POST", "/channels/{channel_id}/threads", self.thread_without_message)
        add(app, "GET", "/channels/{channel_id}/threads/archived/public", self.archived_threads)
        add(app, "GET", "/channels/{channel_id}/thread-members", self.list_thread_members)
        add(app, "GET", "/channels/{channel_id}/thread-members/{user_id}", self.get_thread_member)
        add(app, "PUT", "/channels/{channel_id}/thread-members/{user_id}", self.add_thread_member)
        add(app, "DELETE", "/channels/{channel_id}/thread-members/{user_id}", self.remove_thread_member)
        reactions = "/channels/{channel_id}/messages/{message_id}/reactions"
        add(app, "DELETE", reactions, self.clear_reactions)
        add(app, "GET", reactions + "/{emoji}", self.reaction_users)
        add(app, "DELETE", reactions + "/{emoji}", self.clear_emoji)
        add(app, "PUT", reactions + "/{emoji}/{user_id}", self.add_reaction)
        add(app, "DELETE", reactions + "/{emoji}/{user_id}", self.remove_reaction)
        add(app, "GET", "/guilds/{guild_id}", self.get_guild)
        add(app, "GET", "/guilds/{guild_id}/channels", self.guild_channels)
        add(app, "GET", "/guilds/{guild_id}/roles", self.guild_roles)
        add(app, "GET", "/guilds/{guild_id}/members", self.guild_members)
        add(app, "GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member)
        add(app, "GET", "/guilds/{guild_id}/threads/active", self.active_threads)
        add(
            app,
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self.interaction_callback,
            bot_auth=False,
        )
        webhook = "/webhooks/{webhook_id}/{webhook_token}"
        add(app, "POST", webhook, self.execute_webhook, bot_auth=False)
        add(app, "GET", webhook + "/messages/{message_id}", self.get_webhook_message, bot_auth=False)
        add(app, "PATCH", webhook + "/messages/{message_id}", self.edit_webhook_message, bot_auth=False)
        add(app, "DELETE", webhook + "/messages/{message_id}", self.delete_webhook_message, bot_auth=False)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}", self.get_attachment)

    # --- middleware ------------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count, authenticate, inject faults, rate-limit, then handle; errors become Discord JSON."""
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        resource = request.match_info.route.resource
        canonical = None if resource is None else resource.canonical
        route = None if canonical is None or not canonical.startswith(API_PREFIX) else canonical[len(API_PREFIX) :]
        started = self.clock()
        response, scope = await self._process(request, path, route, handler)
        error_code = None
        if response.status >= 400 and isinstance(response, web.Response) and response.body:
            try:
                error_code = json.loads(bytes(response.body)).get("code")  # type: ignore[arg-type]
            except (ValueError, AttributeError, TypeError):
                error_code = None
        self.log.add(
            RequestRecord(
                method=request.method,
                path=path,
                route=route,
                status=response.status,
                query=dict(request.query),
                body=_logged_body(request.get(PAYLOAD_KEY)),
                error_code=error_code,
                scope=scope,
                at=self.clock(),
                started=started,
            )
        )
        self.feed.notify()
        return response

    async def _process(
        self, request: web.Request, path: str, route: str | None, handler: Handler
    ) -> tuple[web.StreamResponse, str | None]:
        meta = self._meta.get(route or "")
        if route is None or meta is None:
            if isinstance(request.match_info.http_exception, web.HTTPMethodNotAllowed):
                return error_response(errors.method_not_allowed()), None
            return error_response(errors.not_found()), None
        if meta.bot_auth and request.headers.get("Authorization") != f"Bot {self.token}":
            return error_response(errors.unauthorized()), None
        fault = self.faults.take(request.method, path)
        if fault is not None:
            if fault.status == 429:
                scope = "global" if fault.is_global else "user"
                headers = rate_limited_headers(fault.retry_after, scope=scope)
                body = rate_limited_body(fault.retry_after, is_global=fault.is_global)
                return json_response(body, status=429, headers=headers), scope
            body = {"message": f"{fault.status}: Internal Server Error", "code": 0}
            return json_response(body, status=fault.status), None
        if meta.bot_auth:
            throttle = self.limiter.check_global(self.token)
            if throttle.limited:
                return self._too_many(throttle, is_global=True), "global"
        major = "+".join(request.match_info[k] for k in _MAJOR_PARAMETERS if k in request.match_info)
        bucket = self.limiter.take(request.method, route, major)
        if bucket.limited:
            return self._too_many(bucket, is_global=False), bucket.scope
        latency = self.faults.latency(request.method, path)
        if latency > 0:
            await asyncio.sleep(latency)
        try:
            response = await handler(request)
        except ApiError as exc:
            response = error_response(exc)
        except web.HTTPException:
            raise
        except Exception as exc:
            # A bug in this server must fail the test quickly rather than trigger discord.py's 5xx retries.
            self.internal_errors.append("".join(traceback.format_exception(exc)))
            response = json_response({"message": f"fake Discord server bug: {exc!r}", "code": 0}, status=400)
        response.headers.update(bucket.headers)
        return response, None

    @staticmethod
    def _too_many(throttle: Throttle, *, is_global: bool) -> web.Response:
        body = rate_limited_body(throttle.retry_after or 0.0, is_global=is_global)
        return json_response(body, status=429, headers=throttle.headers)

    # --- helpers ---------------------------------------------------------------------------------

    async def read_body(self, request: web.Request) -> tuple[JSON, list[Attachment]]:
        """Parse a JSON or multipart (``payload_json`` + ``files[n]``) body."""
        files: list[Attachment] = []
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            raw = form.get("payload_json")
            try:
                payload = json.loads(raw) if isinstance(raw, str) else {}
            except ValueError:
                raise errors.invalid_json() from None
            described = {int(a["id"]): a for a in payload.get("attachments") or [] if str(a.get("id", "")).isdigit()}
            for key, value in form.items():
                match = _FILE_FIELD.match(key)
                if match is None or not isinstance(value, web.FileField):
                    continue
                meta = described.get(int(match.group(1)), {})
                files.append(
                    Attachment(
                        id=self.state.ids.next(),
                        filename=meta.get("filename") or value.filename,
                        data=value.file.read(),
                        content_type=value.content_type,
                        description=meta.get("description"),
                    )
                )
            # Like Discord: each file within the attachment size limit, at most ten of them.
            if any(len(f.data) > self.state.attachment_size_limit for f in files):
                raise errors.entity_too_large()
            if len(files) > MAX_ATTACHMENTS:
                raise invalid_form_body(
                    {
                        "attachments": field_error(
                            "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_ATTACHMENTS} or fewer in length."
                        )
                    }
                )
        elif request.can_read_body:
            text = await request.text()
            try:
                payload = json.loads(text) if text.strip() else {}
            except ValueError:
                raise errors.invalid_json() from None
        else:
            payload = {}
        request[PAYLOAD_KEY] = payload
        return payload, files

    def _visible_channel(self, channel_id: int) -> Channel:
        channel = self.state.channel(channel_id)
        if channel.is_dm:
            return channel
        self.state.require(channel, self.state.bot.id, Permission.VIEW_CHANNEL)
        if (
            channel.type == ChannelType.PRIVATE_THREAD
            and self.state.bot.id not in channel.member_ids
            and not self.state.permissions_in(channel, self.state.bot.id) & Permission.MANAGE_THREADS
        ):
            raise errors.missing_access()
        return channel

    def _require(self, channel: Channel, needed: int) -> None:
        if not channel.is_dm:
            self.state.require(channel, self.state.bot.id, needed)

    def _has(self, channel: Channel, needed: int) -> bool:
        if channel.is_dm:
            return False
        return self.state.permissions_in(channel, self.state.bot.id) & needed == needed

    def _message(self, request: web.Request, channel: Channel) -> Message:
        return self.state.message(channel, snowflake(request, "message_id"))

    def _guild(self, request: web.Request) -> Any:
        return self.state.guild(snowflake(request, "guild_id"))

    def _check_application(self, request: web.Request) -> None:
        if snowflake(request, "application_id") != self.state.application_id:
            raise errors.ApiError(403, 50001, "Missing Access")

    def _scope(self, request: web.Request) -> int | None:
        if "guild_id" not in request.match_info:
            return None
        return int(self._guild(request).id)

    # --- gateway, users, application -------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        """``GET /gateway``."""
        return json_response({"url": self.hub.url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        """``GET /gateway/bot``."""
        return json_response(
            {
                "url": self.hub.url,
                "shards": self.hub.recommended_shards(),
                "session_start_limit": self.hub.session_start_limit(),
            }
        )

    async def get_me(self, request: web.Request) -> web.Response:
        """``GET /users/@me``."""
        bot = self.state.bot.payload()
        bot.update(verified=True, mfa_enabled=False, email=None, flags=0, locale="en-US")
        return json_response(bot)

    async def get_my_guilds(self, request: web.Request) -> web.Response:
        """``GET /users/@me/guilds``."""
        guilds = [g for g in self.state.guilds.values() if self.state.bot.id in g.members]
        return json_response(
            [
                {
                    "id": str(g.id),
                    "name": g.name,
                    "icon": None,
                    "banner": None,
                    "owner": False,
                    "permissions": str(self.state.guild_permissions(g, self.state.bot.id)),
                    "features": [],
                }
                for g in guilds
            ]
        )

    async def get_user(self, request: web.Request) -> web.Response:
        """``GET /users/{user_id}``."""
        return json_response(self.state.user(snowflake(request, "user_id")).payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        """``POST /users/@me/channels``."""
        body, _ = await self.read_body(request)
        recipient = str(body.get("recipient_id", ""))
        if not recipient.isdigit():
            raise invalid_form_body({"recipient_id": field_error("BASE_TYPE_REQUIRED", "This field is required")})
        user = self.state.user(int(recipient))
        return json_response(self.state.channel_payload(self.state.dm_channel(user)))

    async def get_application(self, request: web.Request) -> web.Response:
        """``GET /oauth2/applications/@me``."""
        state = self.state
        return json_response(
            {
                "id": str(state.application_id),
                "name": state.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": state.developer.payload(),
                "team": None,
                "flags": application_flags(self.hub.config.privileged_intents),
                "bot": state.bot.payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "tags": [],
                "install_params": None,
                "approximate_guild_count": len(state.guilds),
                "integration_types_config": {"0": {}},
            }
        )

    async def list_entitlements(self, request: web.Request) -> web.Response:
        """``GET /applications/{id}/entitlements`` (always empty)."""
        self._check_application(request)
        return json_response([])

    # --- commands --------------------------------------------------------------------------------

    async def list_commands(self, request: web.Request) -> web.Response:
        """``GET .../commands``."""
        self._check_application(request)
        return json_response([c.payload() for c in self.state.commands(self._scope(request))])

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        """``PUT .../commands`` (bulk overwrite, what ``CommandTree.sync`` calls)."""
        self._check_application(request)
        scope = self._scope(request)
        body, _ = await self.read_body(request)
        definitions = command_registry.validate_bulk(body)
        stored = command_registry.overwrite(self.state, scope, definitions)
        return json_response([c.payload() for c in stored])

    async def create_command(self, request: web.Request) -> web.Response:
        """``POST .../commands`` (upsert one)."""
        self._check_application(request)
        scope = self._scope(request)
        body, _ = await self.read_body(request)
        problems = command_registry.command_errors(body)
        if problems:
            raise invalid_form_body(problems)
        command, created = command_registry.upsert(self.state, scope, body)
        return json_response(command.payload(), status=201 if created else 200)

    def _command(self, request: web.Request) -> Any:
        self._check_application(request)
        command_id = snowflake(request, "command_id")
        for command in self.state.commands(self._scope(request)):
            if command.id == command_id:
                return command
        raise errors.unknown_command()

    async def get_command(self, request: web.Request) -> web.Response:
        """``GET .../commands/{id}``."""
        return json_response(self._command(request).payload())

    async def edit_command(self, request: web.Request) -> web.Response:
        """``PATCH .../commands/{id}``."""
        command = self._command(request)
        body, _ = await self.read_body(request)
        merged = {**command.definition, **body, "name": body.get("name", command.name)}
        problems = command_registry.command_errors(merged)
        if problems:
            raise invalid_form_body(problems)
        command.definition = {k: v for k, v in merged.items() if k not in ("id", "application_id", "version")}
        command.name = merged["name"]
        command.version = self.state.ids.next()
        return json_response(command.payload())

    async def delete_command(self, request: web.Request) -> web.Response:
        """``DELETE .../commands/{id}``."""
        command = self._command(request)
        self.state.commands(command.guild_id).remove(command)
        return no_content()

    # --- channels --------------------------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        return json_response(self.state.channel_payload(channel))

    async def edit_channel(self, request: web.Request) -> web.Response:
        """``PATCH /channels/{id}``: rename, archive, lock threads; rename or retopic channels."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        body, _ = await self.read_body(request)
        bot_id = self.state.bot.id
        if channel.is_thread:
            manage = self._has(channel, Permission.MANAGE_THREADS)
            if not manage and (channel.owner_id != bot_id or "locked" in body):
                raise errors.missing_permissions()
            if channel.locked and not manage:
                raise errors.missing_permissions()
            if "name" in body:
                validate_thread_name(body["name"])
            self.actions.update_thread(channel, **body)
            return json_response(self.state.thread_payload(channel))
        if channel.is_dm:
            raise errors.wrong_channel_type()
        self._require(channel, Permission.MANAGE_CHANNELS)
        for key in ("name", "topic", "rate_limit_per_user"):
            if key in body:
                setattr(channel, key, body[key])
        self.actions.announce_channel(channel, "CHANNEL_UPDATE")
        return json_response(self.state.channel_payload(channel))

    async def delete_channel(self, request: web.Request) -> web.Response:
        """``DELETE /channels/{id}``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require(channel, Permission.MANAGE_THREADS if channel.is_thread else Permission.MANAGE_CHANNELS)
        payload = self.state.channel_payload(channel)
        self.actions.delete_channel(channel)
        return json_response(payload)

    async def typing(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/typing``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require(channel, Permission.SEND_MESSAGES_IN_THREADS if channel.is_thread else Permission.SEND_MESSAGES)
        return no_content()

    # --- messages --------------------------------------------------------------------------------

    def _check_can_send(self, channel: Channel) -> None:
        if channel.is_dm:
            recipient = self.state.users[channel.recipient_ids[0]]
            if not recipient.accepts_dms or recipient.bot:
                raise errors.cannot_dm_user()
            return
        if channel.type == ChannelType.GUILD_FORUM:
            raise errors.cannot_send_in_non_text_channel()
        if channel.is_thread:
            self._require(channel, Permission.SEND_MESSAGES_IN_THREADS)
            if channel.locked and not self._has(channel, Permission.MANAGE_THREADS):
                raise errors.archived_thread() if channel.archived else errors.missing_permissions()
            return
        self._require(channel, Permission.SEND_MESSAGES)

    async def create_message(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/messages`` (JSON or multipart)."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        body, files = await self.read_body(request)
        self._check_can_send(channel)
        validate_message(body)
        if is_empty_message(body, has_files=bool(files)):
            raise errors.empty_message()
        if files:
            self._require(channel, Permission.ATTACH_FILES)
        if body.get("flags") and int(body["flags"]) & 64:
            raise invalid_form_body(
                {"flags": field_error("MESSAGE_FLAGS_INVALID", "Ephemeral requires an interaction")}
            )
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id") is not None:
            target = self.state.messages.get(int(reference["message_id"]))
            missing = target is None or target.deleted
            if missing and reference.get("fail_if_not_exists", True):
                raise invalid_form_body(
                    {"message_reference": field_error("MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")}
                )
            if missing:
                body = {**body, "message_reference": None}
            else:
                self._require(channel, Permission.READ_MESSAGE_HISTORY)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            for earlier in self.state.channel_history(channel):
                if earlier.nonce == nonce and earlier.author_id == self.state.bot.id:
                    return json_response(self.state.message_payload(earlier))
        message = self.actions.post_message(channel, self.state.bot, MessageDraft.from_payload(body, files))
        return json_response(self.state.message_payload(message))

    async def list_messages(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages`` (newest first; before/after/around, limit 1-100)."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        if not channel.is_dm and not self._has(channel, Permission.READ_MESSAGE_HISTORY):
            return json_response([])
        limit = int(request.query.get("limit", "50"))
        if not 1 <= limit <= 100:
            raise invalid_form_body({"limit": field_error("NUMBER_TYPE_MAX", "int value should be <= 100.")})
        history = [m for m in self.state.channel_history(channel) if m.ephemeral_to is None]
        if "before" in request.query:
            history = [m for m in history if m.id < int(request.query["before"])]
            history = history[-limit:]
        elif "after" in request.query:
            history = [m for m in history if m.id > int(request.query["after"])][:limit]
        elif "around" in request.query:
            around = int(request.query["around"])
            older = [m for m in history if m.id <= around][-((limit + 1) // 2) :]
            newer = [m for m in history if m.id > around][: limit // 2]
            history = older + newer
        else:
            history = history[-limit:]
        return json_response([self.state.message_payload(m) for m in reversed(history)])

    async def get_message(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages/{mid}``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require(channel, Permission.READ_MESSAGE_HISTORY)
        return json_response(self.state.message_payload(self._message(request, channel)))

    async def edit_message(self, request: web.Request) -> web.Response:
        """``PATCH /channels/{id}/messages/{mid}``: only the author may change content."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        message = self._message(request, channel)
        body, files = await self.read_body(request)
        if message.author_id != self.state.bot.id:
            if set(body) - {"flags"}:
                raise errors.cannot_edit_others()
            self._require(channel, Permission.MANAGE_MESSAGES)
        merged = {
            "content": body.get("content", message.content),
            "embeds": body.get("embeds", message.embeds),
            "components": body.get("components", message.components),
            "allowed_mentions": body.get("allowed_mentions"),
            "flags": body.get("flags", message.flags),
        }
        validate_message(merged)
        self.actions.edit_message(message, body, files)
        return json_response(self.state.message_payload(message))

    async def delete_message(self, request: web.Request) -> web.Response:
        """``DELETE /channels/{id}/messages/{mid}``: own messages, or anyone's with MANAGE_MESSAGES."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        message = self._message(request, channel)
        if message.author_id != self.state.bot.id:
            self._require(channel, Permission.MANAGE_MESSAGES)
        self.actions.delete_message(message)
        return no_content()

    async def bulk_delete(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/messages/bulk-delete``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require(channel, Permission.MANAGE_MESSAGES)
        body, _ = await self.read_body(request)
        ids = body.get("messages") or []
        if not 2 <= len(ids) <= 100:
            raise invalid_form_body({"messages": field_error("BASE_TYPE_BAD_LENGTH", "Must be between 2 and 100.")})
        for message_id in ids:
            message = self.state.messages.get(int(message_id))
            if message is not None and message.channel_id == channel.id and not message.deleted:
                message.deleted = True
        data: JSON = {"ids": [str(i) for i in ids], "channel_id": str(channel.id)}
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self.hub.dispatch("MESSAGE_DELETE_BULK", data)
        return no_content()

    # --- pins ------------------------------------------------------------------------------------

    def _require_pin(self, channel: Channel) -> None:
        if not channel.is_dm and not (
            self._has(channel, Permission.MANAGE_MESSAGES) or self._has(channel, Permission.PIN_MESSAGES)
        ):
            self._require(channel, Permission.MANAGE_MESSAGES)

    async def pin(self, request: web.Request) -> web.Response:
        """``PUT /channels/{id}/messages/pins/{mid}``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require_pin(channel)
        self.actions.set_pinned(self._message(request, channel), True)
        return no_content()

    async def unpin(self, request: web.Request) -> web.Response:
        """``DELETE /channels/{id}/messages/pins/{mid}``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        self._require_pin(channel)
        self.actions.set_pinned(self._message(request, channel), False)
        return no_content()

    async def list_pins(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/messages/pins``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        pinned = [m for m in self.state.channel_history(channel) if m.pinned]
        items = [{"pinned_at": m.timestamp, "message": self.state.message_payload(m)} for m in reversed(pinned)]
        return json_response({"items": items, "has_more": False})

    async def list_pins_legacy(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/pins``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        pinned = [m for m in self.state.channel_history(channel) if m.pinned]
        return json_response([self.state.message_payload(m) for m in reversed(pinned)])

    # --- threads ---------------------------------------------------------------------------------

    async def thread_from_message(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/messages/{mid}/threads``: the thread's id is the message's id."""
        parent = self._visible_channel(snowflake(request, "channel_id"))
        if parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise errors.wrong_channel_type()
        message = self._message(request, parent)
        body, _ = await self.read_body(request)
        name = validate_thread_name(body.get("name"))
        self._require(parent, Permission.CREATE_PUBLIC_THREADS | Permission.READ_MESSAGE_HISTORY)
        if message.thread_id is not None or message.id in self.state.channels:
            raise errors.thread_exists()
        thread = self.actions.start_thread(
            parent,
            name,
            self.state.bot,
            message=message,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
        )
        return json_response(self.state.thread_payload(thread, with_member=True), status=201)

    async def thread_without_message(self, request: web.Request) -> web.Response:
        """``POST /channels/{id}/threads`` (private by default, as the API documents); in a forum, a post."""
        parent = self._visible_channel(snowflake(request, "channel_id"))
        if parent.type == ChannelType.GUILD_FORUM:
            return await self.forum_post(request, parent)
        if parent.type not in (ChannelType.GUILD_TEXT, ChannelType.GUILD_ANNOUNCEMENT):
            raise errors.wrong_channel_type()
        body, _ = await self.read_body(request)
        name = validate_thread_name(body.get("name"))
        kind = int(body.get("type") or ChannelType.PRIVATE_THREAD)
        if kind not in (ChannelType.PUBLIC_THREAD, ChannelType.PRIVATE_THREAD, ChannelType.ANNOUNCEMENT_THREAD):
            raise invalid_form_body({"type": field_error("BASE_TYPE_CHOICES", "Value must be one of (10, 11, 12).")})
        needed = (
            Permission.CREATE_PRIVATE_THREADS
            if kind == ChannelType.PRIVATE_THREAD
            else Permission.CREATE_PUBLIC_THREADS
        )
        self._require(parent, needed)
        thread = self.actions.start_thread(
            parent,
            name,
            self.state.bot,
            type=ChannelType(kind),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            rate_limit_per_user=int(body.get("rate_limit_per_user") or 0),
            invitable=bool(body.get("invitable", True)),
        )
        return json_response(self.state.thread_payload(thread, with_member=True), status=201)

    async def forum_post(self, request: web.Request, forum: Channel) -> web.Response:
        """``POST /channels/{forum}/threads`` with a ``message`` (JSON or multipart): the thread and its starter
        message in one request; the answer is the thread with the message under ``message``."""
        body, files = await self.read_body(request)
        name = validate_thread_name(body.get("name"))
        message = body.get("message")
        if not isinstance(message, dict):
            raise invalid_form_body({"message": field_error("BASE_TYPE_REQUIRED", "This field is required")})
        self._require(forum, Permission.SEND_MESSAGES)
        validate_message(message)
        if is_empty_message(message, has_files=bool(files)):
            raise errors.empty_message()
        if files:
            self._require(forum, Permission.ATTACH_FILES)
        thread, starter = self.actions.start_forum_post(
            forum,
            name,
            self.state.bot,
            MessageDraft.from_payload(message, files),
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        payload = self.state.thread_payload(thread, with_member=True)
        payload["message"] = self.state.message_payload(starter)
        return json_response(payload, status=201)

    async def archived_threads(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/threads/archived/public``."""
        parent = self._visible_channel(snowflake(request, "channel_id"))
        self._require(parent, Permission.READ_MESSAGE_HISTORY)
        guild = self.state.guilds[parent.guild_id or 0]
        threads = [
            t
            for t in self.state.threads(guild)
            if t.parent_id == parent.id and t.archived and t.type != ChannelType.PRIVATE_THREAD
        ]
        return json_response(
            {
                "threads": [self.state.thread_payload(t) for t in threads],
                "members": [
                    self.state.thread_member_payload(t, self.state.bot.id)
                    for t in threads
                    if self.state.bot.id in t.member_ids
                ],
                "has_more": False,
            }
        )

    def _thread(self, request: web.Request) -> Channel:
        thread = self._visible_channel(snowflake(request, "channel_id"))
        if not thread.is_thread:
            raise errors.wrong_channel_type()
        return thread

    def _member_ref(self, request: web.Request) -> int:
        ref = request.match_info["user_id"]
        return self.state.bot.id if ref == "@me" else snowflake(request, "user_id")

    async def list_thread_members(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/thread-members``."""
        thread = self._thread(request)
        return json_response([self.state.thread_member_payload(thread, u) for u in thread.member_ids])

    async def get_thread_member(self, request: web.Request) -> web.Response:
        """``GET /channels/{id}/thread-members/{user}``."""
        thread = self._thread(request)
        user_id = self._member_ref(request)
        if user_id not in thread.member_ids:
            raise errors.ApiError(404, 10007, "Unknown Member")
        return json_response(self.state.thread_member_payload(thread, user_id))

    async def add_thread_member(self, request: web.Request) -> web.Response:
        """``PUT /channels/{id}/thread-members/{user}`` (``@me`` joins)."""
        thread = self._thread(request)
        user_id = self._member_ref(request)
        if thread.archived:
            raise errors.archived_thread()
        if user_id != self.state.bot.id:
            self._require(thread, Permission.SEND_MESSAGES_IN_THREADS)
        self.actions.join_thread(thread, self.state.user(user_id))
        return no_content()

    async def remove_thread_member(self, request: web.Request) -> web.Response:
        """``DELETE /channels/{id}/thread-members/{user}``."""
        thread = self._thread(request)
        user_id = self._member_ref(request)
        if user_id != self.state.bot.id:
            self._require(thread, Permission.MANAGE_THREADS)
        self.actions.leave_thread(thread, user_id)
        return no_content()

    # --- reactions -------------------------------------------------------------------------------

    def _reaction_target(self, request: web.Request) -> tuple[Channel, Message, Emoji]:
        channel = self._visible_channel(snowflake(request, "channel_id"))
        message = self._message(request, channel)
        emoji = Emoji.parse(request.match_info["emoji"])
        if emoji.id is not None:
            # The server models no custom emojis, so every custom emoji is unknown.
            raise errors.unknown_emoji()
        return channel, message, emoji

    async def add_reaction(self, request: web.Request) -> web.Response:
        """``PUT .../reactions/{emoji}/@me``."""
        channel, message, emoji = self._reaction_target(request)
        if request.match_info["user_id"] != "@me":
            raise errors.not_found()
        self._require(channel, Permission.READ_MESSAGE_HISTORY)
        if message.reaction(emoji.key) is None:
            self._require(channel, Permission.ADD_REACTIONS)
            if len(message.reactions) >= 20:
                raise errors.max_reactions()
        if channel.is_thread and channel.archived:
            raise errors.archived_thread()
        self.actions.add_reaction(message, self.state.bot, emoji)
        return no_content()

    async def remove_reaction(self, request: web.Request) -> web.Response:
        """``DELETE .../reactions/{emoji}/{@me|user}``."""
        channel, message, emoji = self._reaction_target(request)
        user_id = self._member_ref(request)
        if user_id != self.state.bot.id:
            self._require(channel, Permission.MANAGE_MESSAGES)
        self.actions.remove_reaction(message, user_id, emoji)
        return no_content()

    async def reaction_users(self, request: web.Request) -> web.Response:
        """``GET .../reactions/{emoji}``."""
        _, message, emoji = self._reaction_target(request)
        reaction = message.reaction(emoji.key)
        users = [] if reaction is None else sorted(reaction.user_ids)
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "25"))
        return json_response([self.state.users[u].payload() for u in users if u > after][:limit])

    async def clear_emoji(self, request: web.Request) -> web.Response:
        """``DELETE .../reactions/{emoji}``."""
        channel, message, emoji = self._reaction_target(request)
        self._require(channel, Permission.MANAGE_MESSAGES)
        self.actions.clear_reactions(message, emoji)
        return no_content()

    async def clear_reactions(self, request: web.Request) -> web.Response:
        """``DELETE .../reactions``."""
        channel = self._visible_channel(snowflake(request, "channel_id"))
        message = self._message(request, channel)
        self._require(channel, Permission.MANAGE_MESSAGES)
        self.actions.clear_reactions(message)
        return no_content()

    # --- guilds ----------------------------------------------------------------------------------

    async def get_guild(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}``."""
        guild = self._guild(request)
        with_counts = request.query.get("with_counts", "false").lower() in ("1", "true")
        return json_response(self.state.guild_payload(guild, with_counts=with_counts))

    async def guild_channels(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/channels``."""
        guild = self._guild(request)
        channels = [
            c for c in self.state.channels.values() if c.guild_id == guild.id and not c.is_thread and not c.deleted
        ]
        return json_response([self.state.channel_payload(c) for c in channels])

    async def guild_roles(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/roles``."""
        return json_response([r.payload() for r in self._guild(request).roles.values()])

    async def guild_members(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/members``; Discord requires the GUILD_MEMBERS intent to be switched on."""
        guild = self._guild(request)
        if not self.hub.config.privileged_intents & Intent.GUILD_MEMBERS:
            raise errors.missing_access()
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        members = sorted((m for m in guild.members.values() if m.user.id > after), key=lambda m: m.user.id)
        return json_response([m.payload() for m in members[:limit]])

    async def guild_member(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/members/{user}``."""
        guild = self._guild(request)
        return json_response(self.state.member(guild, snowflake(request, "user_id")).payload())

    async def active_threads(self, request: web.Request) -> web.Response:
        """``GET /guilds/{id}/threads/active``."""
        guild = self._guild(request)
        threads = [t for t in self.state.threads(guild) if not t.archived]
        return json_response(
            {
                "threads": [self.state.thread_payload(t) for t in threads],
                "members": [
                    self.state.thread_member_payload(t, self.state.bot.id)
                    for t in threads
                    if self.state.bot.id in t.member_ids
                ],
            }
        )

    # --- interactions and their webhooks ---------------------------------------------------------

    async def interaction_callback(self, request: web.Request) -> web.Response:
        """``POST /interactions/{id}/{token}/callback``."""
        record = self.interactions.lookup(snowflake(request, "interaction_id"), request.match_info["interaction_token"])
        body, files = await self.read_body(request)
        with_response = request.query.get("with_response", "false").lower() in ("1", "true")
        result = self.interactions.callback(record, body, files, with_response=with_response)
        return no_content() if result.body is None else json_response(result.body)

    def _webhook_interaction(self, request: web.Request) -> Any:
        return self.interactions.by_webhook(snowflake(request, "webhook_id"), request.match_info["webhook_token"])

    async def execute_webhook(self, request: web.Request) -> web.Response:
        """``POST /webhooks/{app}/{token}`` (interaction follow-up)."""
        record = self._webhook_interaction(request)
        body, files = await self.read_body(request)
        message = self.interactions.followup(record, body, files)
        if request.query.get("wait", "false").lower() in ("1", "true"):
            return json_response(self.state.message_payload(message))
        return no_content()

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        """``GET /webhooks/{app}/{token}/messages/{@original|id}``."""
        record = self._webhook_interaction(request)
        message = self.interactions.webhook_message(record, request.match_info["message_id"])
        return json_response(self.state.message_payload(message))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        """``PATCH /webhooks/{app}/{token}/messages/{@original|id}``."""
        record = self._webhook_interaction(request)
        message = self.interactions.webhook_message(record, request.match_info["message_id"])
        body, files = await self.read_body(request)
        self.interactions.edit(record, message, body, files)
        return json_response(self.state.message_payload(message))

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        """``DELETE /webhooks/{app}/{token}/messages/{@original|id}``."""
        record = self._webhook_interaction(request)
        message = self.interactions.webhook_message(record, request.match_info["message_id"])
        self.interactions.delete(record, message)
        return no_content()

    # --- attachments ----------------------------------------------------------------------------

    async def get_attachment(self, request: web.Request) -> web.Response:
        """Serve uploaded files at the URLs given in attachment objects."""
        attachment_id = int(request.match_info["attachment_id"])
        for message in self.state.messages.values():
            for attachment in message.attachments:
                if attachment.id == attachment_id:
                    return web.Response(
                        body=attachment.data, content_type=attachment.content_type or "application/octet-stream"
                    )
        raise web.HTTPNotFound()
