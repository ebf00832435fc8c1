"""The one error a member or admin can cause: a request the quiz cannot honour, explained by a catalogue message."""

from __future__ import annotations


class UserError(Exception):
    """A request refused with an explanation; ``key`` names a message in ``bot.messages``, ``values`` fill it in.

    Every layer raises this for a user's mistake (a bad option, an unknown deck, a command only admins may use),
    and every platform shows its message privately to the one who asked. Anything else is a bug.
    """

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
