"""What the bot's messages may ping: nobody. Members' names and answers are echoed in questions, reveals and
replies; sent with this, an ``@everyone``, a role or a user in them stays plain text."""

import discord

NO_MENTIONS = discord.AllowedMentions.none()
