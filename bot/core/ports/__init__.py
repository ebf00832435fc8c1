"""The core's ports: what a chat platform implements (``platform``) and what a storage backend implements
(``storage``). The core is typed against these and never imports an adapter."""

from bot.core.ports.platform import (
    ChatPlatform,
    Fence,
    PartialPlatform,
    PlatformError,
    PostedQuestion,
    QuestionCard,
    ReminderCard,
    RevealCard,
    Superseded,
    check_fence,
    serves,
    share_of,
)

__all__ = [
    "ChatPlatform",
    "Fence",
    "PartialPlatform",
    "PlatformError",
    "PostedQuestion",
    "QuestionCard",
    "ReminderCard",
    "RevealCard",
    "Superseded",
    "check_fence",
    "serves",
    "share_of",
]
