"""The core's ports: what a chat platform implements (``platform``) and what a storage backend implements
(``storage``). The core is typed against these and never imports an adapter."""

from bot.core.ports.platform import (
    ChatPlatform,
    PlatformError,
    PostedQuestion,
    QuestionCard,
    ReminderCard,
    RevealCard,
)

__all__ = ["ChatPlatform", "PlatformError", "PostedQuestion", "QuestionCard", "ReminderCard", "RevealCard"]
