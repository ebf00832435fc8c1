"""Where discord.py sends REST calls and opens the gateway: Discord itself, a REST proxy, or a compatible server.

discord.py keeps both addresses as class attributes (``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``), so
they are process-wide: ``apply_endpoints`` always sets both, back to Discord's own when nothing is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

API_VERSION_PATH = "/api/v10"
DISCORD_API_BASE = f"https://discord.com{API_VERSION_PATH}"
DISCORD_GATEWAY = "wss://gateway.discord.gg/"


@dataclass(frozen=True)
class Endpoints:
    """The REST base (always ending in ``/api/v10``) and the gateway URL, or ``None`` to ask the REST API."""

    api_base: str = DISCORD_API_BASE
    gateway: str | None = None

    @property
    def custom_api(self) -> bool:
        return self.api_base != DISCORD_API_BASE


def api_base(url: str | None) -> str:
    """Normalise a configured REST base: ``http://host:port`` and ``http://host:port/api/v10/`` both give
    ``http://host:port/api/v10``."""
    if not url:
        return DISCORD_API_BASE
    base = url.strip().rstrip("/")
    if not base.endswith(API_VERSION_PATH):
        base += API_VERSION_PATH
    return base


def endpoints_from(api_base_url: str | None, gateway_url: str | None) -> Endpoints:
    """The endpoints the settings ask for (``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``)."""
    return Endpoints(api_base=api_base(api_base_url), gateway=gateway_url.strip() if gateway_url else None)


def apply_api_base(endpoints: Endpoints) -> None:
    """Point every REST route discord.py builds at ``endpoints.api_base``; call before logging in."""
    Route.BASE = endpoints.api_base


def apply_gateway(url: str | None) -> None:
    """Make discord.py open (and, after an invalidated session, reopen) its gateway at ``url``."""
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url or DISCORD_GATEWAY)
