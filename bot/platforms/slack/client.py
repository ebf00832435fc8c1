"""The Web API client the bot uses: pointed at ``SLACK_API_URL`` if set, and patient with rate limits."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings

SLACK_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3
TIMEOUT_SECONDS = 30


class SlackConfigError(Exception):
    """A setting Slack needs is missing; the message names the environment variable."""


def api_base_url(settings: Settings) -> str:
    base = settings.secrets.slack_api_url or SLACK_API_URL
    return base if base.endswith("/") else f"{base}/"


def make_web_client(settings: Settings) -> AsyncWebClient:
    """An ``AsyncWebClient`` with the bot token that waits out a 429's ``Retry-After`` up to three times."""
    token = settings.secrets.slack_bot_token
    if token is None:
        raise SlackConfigError("SLACK_BOT_TOKEN is not set")
    client = AsyncWebClient(token=token.get_secret_value(), base_url=api_base_url(settings), timeout=TIMEOUT_SECONDS)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return client
