"""What the Slack handlers share: the quiz they call and the Slack pieces they answer through."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import ChannelKey, Round
from bot.core.quiz import Quiz
from bot.messages import Language
from bot.platforms.catchup import RoundCatchUp
from bot.platforms.slack.members import MemberDirectory
from bot.platforms.slack.platform import PLATFORM, SlackPlatform


@dataclass(frozen=True)
class SlackDeps:
    quiz: Quiz
    platform: SlackPlatform
    members: MemberDirectory
    language: Language
    # Reads back open rounds' threads; the live handlers coordinate with it (``None``: no catch-up, as in tests
    # of single handlers).
    catch_up: RoundCatchUp | None = None

    async def round_in_thread(self, team_id: str, channel_id: str, thread_ts: str) -> Round | None:
        """The round whose question opened this thread, if it was posted in this channel of this workspace."""
        round_ = await self.quiz.round_for_thread(thread_ts)
        if round_ is None or round_.channel != ChannelKey(PLATFORM, team_id, channel_id):
            return None
        return round_
