"""Discord locales mapped onto the message catalogue, for replies and for slash command localisations."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.messages import Language, has, text


def language_of(locale: discord.Locale | str | None) -> Language:
    """Korean for any Korean locale, English for everything else."""
    value = locale.value if isinstance(locale, discord.Locale) else (locale or "")
    return "ko" if value.lower().startswith("ko") else "en"


def error_text(key: str, language: Language, **values: object) -> str:
    """The catalogue's explanation of a ``UserError``, or a generic one if it has none."""
    if not has(key):
        return text("discord.error.internal", language)
    try:
        return text(key, language, **values)
    except (KeyError, IndexError):
        return text("discord.error.internal", language)


def localized(key: str) -> app_commands.locale_str:
    """A command name, description or choice: the English text is what Discord shows by default, and the
    catalogue key lets ``CatalogueTranslator`` supply the Korean one."""
    return app_commands.locale_str(text(key, "en"), key=key)


class CatalogueTranslator(app_commands.Translator):
    """Serves slash command localisations from ``bot.messages``; Discord falls back to English elsewhere."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        if not isinstance(key, str) or language_of(locale) != "ko":
            return None
        return text(key, "ko")
