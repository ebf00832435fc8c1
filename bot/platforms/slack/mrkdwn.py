"""Slack text both ways: members' messages to plain text for the core, plain text to safe mrkdwn for Slack.

Slack sends message text with ``&``, ``<`` and ``>`` escaped and with mentions and links as ``<...>`` tokens.
The core stores plain text, so a stored answer reads the same on every platform and grades on what the member
wrote. Going back out, every piece of text is escaped again: a literal ``<!channel>`` typed by a member then shows
as text instead of pinging the channel.
"""

from __future__ import annotations

import re

from bot.render import ESCAPED_MARKUP

_TOKEN = re.compile(r"<([^<>]*)>")
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_HELD = re.compile("\x00([0-9]+)\x00")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def escape(text: str) -> str:
    """Escape the three characters Slack reads as markup, so text can neither mention nor link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(slack_text: str) -> str:
    """A Slack message's text as the member sees it: mentions, channels and links as words, entities decoded."""
    return unescape(_TOKEN.sub(_token_text, slack_text))


def _token_text(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith(("@U", "@W", "@B")):
        return label if label.startswith("@") else f"@{label or target[1:]}"
    if target.startswith("#C") or target.startswith("#G"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name in _SPECIAL:
            return _SPECIAL[name]
        return label or f"@{name}"
    return label or target


def mrkdwn(block: str) -> str:
    """A block from ``bot.render`` as Slack mrkdwn: everything escaped, ``**bold**`` turned into ``*bold*``, and
    what a member wrote (backslash-escaped by ``bot.render.member_text``) kept literal."""
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(1))
        return f"\x00{len(held) - 1}\x00"

    converted = _BOLD.sub(r"*\1*", escape(ESCAPED_MARKUP.sub(hold, block)))
    return _HELD.sub(lambda match: _literal(held[int(match.group(1))]), converted)


def _literal(char: str) -> str:
    # Slack has no escape character; zero-width spaces around a markup character keep it from pairing up.
    return f"\u200b{char}\u200b" if char in "*_~`" else escape(char)
