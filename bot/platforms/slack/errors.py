"""Slack Web API failures as the core understands them: ``PlatformError`` with a verdict on retrying."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.ports import PlatformError

# Errors that waiting cannot fix: the bot must be invited, given a scope, or pointed at another channel.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "no_permission",
        "restricted_action",
        "msg_too_long",
        "invalid_blocks",
        "message_not_found",
        "cant_update_message",
    }
)
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)


def api_error_code(exc: SlackApiError) -> str:
    """The ``error`` field of a failed call, e.g. ``not_in_channel``."""
    response = exc.response
    try:
        return str(response.get("error") or "unknown_error")
    except AttributeError:
        return "unknown_error"


def is_retryable(exc: SlackApiError) -> bool:
    code = api_error_code(exc)
    if code in PERMANENT_ERRORS:
        return False
    status = int(getattr(exc.response, "status_code", 200) or 200)
    return status == 429 or status >= 500 or code in TRANSIENT_ERRORS


def to_platform_error(exc: Exception, action: str) -> PlatformError:
    """Translate an exception raised by the Slack SDK while doing ``action``."""
    if isinstance(exc, SlackApiError):
        return PlatformError(f"{action}: {api_error_code(exc)}", retryable=is_retryable(exc))
    if isinstance(exc, aiohttp.ClientError | TimeoutError | ConnectionError):
        return PlatformError(f"{action}: network error ({type(exc).__name__})", retryable=True)
    return PlatformError(f"{action}: {type(exc).__name__}", retryable=False)


@contextmanager
def platform_errors(action: str) -> Iterator[None]:
    """Raise ``PlatformError`` for any Slack SDK or network failure inside the block."""
    try:
        yield
    except (TimeoutError, SlackClientError, aiohttp.ClientError, ConnectionError) as exc:
        raise to_platform_error(exc, action) from exc
