"""Who is who in the workspace: display names for answers and the admin check for admin commands."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Member
from bot.core.ports import PlatformError
from bot.platforms.slack.errors import platform_errors

log = logging.getLogger(__name__)

NAME_TTL_SECONDS = 3600.0
MAX_CACHED_NAMES = 5000


class MemberDirectory:
    """Looks members up with ``users.info`` (scope ``users:read``); names are cached for an hour."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        admin_user_ids: tuple[str, ...] = (),
        admin_usergroup: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.admin_user_ids = frozenset(admin_user_ids)
        self.admin_usergroup = admin_usergroup
        self._monotonic = monotonic
        self._names: dict[str, tuple[float, str]] = {}

    async def member(self, user_id: str) -> Member:
        """The member with their display name; the user id stands in if Slack cannot be asked."""
        cached = self._names.get(user_id)
        now = self._monotonic()
        if cached is not None and now - cached[0] < NAME_TTL_SECONDS:
            return Member(user_id, cached[1])
        try:
            user = await self._user(user_id)
        except PlatformError as exc:
            log.warning("%s", exc)
            return Member(user_id, cached[1] if cached else user_id)
        name = display_name(user) or user_id
        if len(self._names) >= MAX_CACHED_NAMES:
            self._names.clear()
        self._names[user_id] = (now, name)
        return Member(user_id, name)

    async def is_admin(self, user_id: str) -> bool:
        """Workspace admins and owners, the configured ``admin_user_ids`` and members of ``admin_usergroup``.

        If Slack cannot be asked, the answer is no: an admin can retry, a non-admin must not slip through.
        """
        if user_id in self.admin_user_ids:
            return True
        try:
            user = await self._user(user_id)
            if user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"):
                return True
            if self.admin_usergroup:
                with platform_errors(f"listing the usergroup {self.admin_usergroup}"):
                    response = await self.client.usergroups_users_list(usergroup=self.admin_usergroup)
                return user_id in (response.get("users") or [])
        except PlatformError as exc:
            log.warning("admin check for %s failed: %s", user_id, exc)
        return False

    async def _user(self, user_id: str) -> dict[str, Any]:
        with platform_errors(f"looking up the user {user_id}"):
            response = await self.client.users_info(user=user_id)
        user = response.get("user")
        return user if isinstance(user, dict) else {}


def display_name(user: dict[str, Any]) -> str:
    """What Slack shows for a user: the display name, else the real name, else the handle."""
    profile = user.get("profile") or {}
    for candidate in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return ""
