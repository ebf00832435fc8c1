"""``run`` (start the bot), ``sync`` (push slash commands to Discord), ``health`` and ``config``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sqlite3
import sys
from pathlib import Path

from bot.config import (
    REQUESTS_PER_SECOND_ENV,
    ConfigError,
    Settings,
    config_yaml,
    load_settings,
    platform_problems,
)

# Exit codes of every command: 2 for anything the user must fix (usage, configuration, decks, unknown ids, a
# missing database, a token that is missing or refused, a server that cannot be reached); 1 for a check that ran
# and failed (health, database integrity).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USER = 2
EXIT_CONFIG = EXIT_USER  # the name other command modules import

log = logging.getLogger(__name__)

NO_TOKEN = (
    "no chat token is set and stdin is not a terminal, so there is nobody to type into the console: set "
    "DISCORD_TOKEN (Discord), or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Slack); "
    "for the console with piped input set QUIZBOT_PLATFORM=console"
)
# Slack's answers to a token it does not accept.
SLACK_AUTH_ERRORS = ("invalid_auth", "not_authed", "token_revoked", "account_inactive")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the bot (Discord with DISCORD_TOKEN, Slack with SLACK_BOT_TOKEN, else the terminal console; "
        "QUIZBOT_PLATFORM=discord|slack|console chooses explicitly)",
    )
    run.set_defaults(func=run_command)
    sync = subparsers.add_parser("sync", help="push the /quiz slash commands to Discord and exit")
    sync.set_defaults(func=sync_command)
    health = subparsers.add_parser("health", help="exit 0 if a running bot's heartbeat is fresh (health checks)")
    health.set_defaults(func=health_command)
    check = subparsers.add_parser(
        "config", help="validate the configuration and print it as configuration YAML (secrets hidden)"
    )
    check.set_defaults(func=config_command)


def settings_or_exit() -> Settings | None:
    try:
        return load_settings()
    except ConfigError as exc:
        print_config_error(exc)
        return None


def print_config_error(exc: ConfigError) -> None:
    for problem in exc.problems:
        print(f"configuration error: {problem}", file=sys.stderr)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Every job added or run is logged at INFO by APScheduler; that is noise at our scale.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))


# --- run ---------------------------------------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    from bot.app import run

    settings = settings_or_exit()
    if settings is None:
        return EXIT_USER
    problems = start_problems(settings, stdin_is_terminal())
    for problem in problems:
        print(f"cannot start: {problem}", file=sys.stderr)
    if problems:
        return EXIT_USER
    configure_logging(settings)
    log.info("decks from %s: %s", settings.decks_origin, ", ".join(str(path) for path in settings.decks))
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except Exception as exc:
        failure = start_failure(exc, settings)
        if failure is None:
            raise
        print(failure, file=sys.stderr)
        return EXIT_USER
    return EXIT_OK


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):  # closed or detached stdin
        return False


def start_problems(settings: Settings, interactive: bool) -> list[str]:
    """Why ``run`` must not start. A console nobody can type into reads end-of-input and exits 0 at once; under a
    restart policy that is a silent loop opening a round every start, so it needs QUIZBOT_PLATFORM=console."""
    problems = platform_problems(settings)
    if not problems and settings.platform() == "console" and settings.chosen_platform is None and not interactive:
        problems.append(NO_TOKEN)
    return problems


def start_failure(exc: BaseException, settings: Settings) -> str | None:
    """One line saying what stopped the start, for the errors a user fixes; ``None`` for a bug (traceback)."""
    from bot.core.decks import DeckError
    from bot.storage.backends import StoreUnavailable

    if isinstance(exc, DeckError):
        return f"deck error:\n{exc}"
    if isinstance(exc, StoreUnavailable):  # before the platforms': a refused connection is not theirs
        return str(exc)
    platform = settings.platform()
    explained: str | None = None
    if platform == "discord":
        explained = _discord_failure(exc, settings)
    elif platform == "slack":
        explained = _slack_failure(exc, settings)
    return explained or _database_failure(exc, settings)


def _discord_failure(exc: BaseException, settings: Settings) -> str | None:
    # Imported only here: by now the Discord runner has loaded them, and a console run never does.
    import aiohttp
    import discord

    if isinstance(exc, discord.LoginFailure):
        return "Discord rejected DISCORD_TOKEN: copy the bot token again from the Developer Portal (Bot → Reset Token)"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return "Discord refused the connection: switch on the Message Content intent under Bot in the Developer Portal"
    where = settings.secrets.discord_api_base or "https://discord.com/api"
    if isinstance(exc, aiohttp.ClientError | TimeoutError | ConnectionError):
        return f"cannot reach the Discord API at {where}: {_reason(exc)}"
    if isinstance(exc, discord.DiscordException):
        return f"Discord: {_reason(exc)}"
    return None


def _slack_failure(exc: BaseException, settings: Settings) -> str | None:
    import aiohttp
    from slack_sdk.errors import SlackApiError, SlackClientError

    from bot.core.ports import PlatformError
    from bot.platforms.slack.client import SlackConfigError, api_base_url

    if isinstance(exc, SlackConfigError):
        return f"cannot start on Slack: {exc}"
    if isinstance(exc, PlatformError):
        # Raised while checking the bot token (auth.test); the message names the step and Slack's error code.
        if any(code in str(exc) for code in SLACK_AUTH_ERRORS):
            return f"Slack rejected SLACK_BOT_TOKEN ({exc}): copy the Bot User OAuth Token (xoxb-...) again"
        if exc.retryable:  # a network failure or a Slack outage that outlasted the retries
            return f"cannot reach Slack at {api_base_url(settings)}: {exc}"
        return f"cannot start on Slack: {exc}"
    if isinstance(exc, SlackApiError):
        # After auth.test only opening the Socket Mode connection calls Slack, with the app-level token.
        code = exc.response.get("error") if exc.response is not None else None
        return f"Slack refused the Socket Mode connection ({code}): check SLACK_APP_TOKEN (xapp-..., connections:write)"
    if isinstance(exc, aiohttp.ClientError | SlackClientError | TimeoutError | ConnectionError):
        return f"cannot reach Slack at {api_base_url(settings)}: {_reason(exc)}"
    return None


def _database_failure(exc: BaseException, settings: Settings) -> str | None:
    """The database could not be opened (read-only, a directory, an unusable folder): name its path."""
    database = settings.database
    if not isinstance(database, Path):
        return None  # PostgreSQL: StoreUnavailable says it
    if isinstance(exc, sqlite3.Error):
        return f"cannot open the database {database}: {exc}"
    if isinstance(exc, OSError) and exc.filename is not None:
        name = Path(str(exc.filename))
        if name == database or name in database.parents or name.name.startswith(database.name):
            return f"cannot open the database {database}: {exc.strerror or exc} ({name})"
    return None


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# --- sync, config, health -------------------------------------------------------------------------------------


def sync_command(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings is None:
        return EXIT_USER
    if settings.secrets.discord_token is None:
        print("sync needs DISCORD_TOKEN in the environment", file=sys.stderr)
        return EXIT_USER
    configure_logging(settings)
    from bot.platforms.discord.sync import sync_commands

    try:
        count = asyncio.run(sync_commands(settings))
    except Exception as exc:
        failure = _discord_failure(exc, settings)
        if failure is None:
            raise
        print(failure, file=sys.stderr)
        return EXIT_USER
    print(f"synced {count} commands")
    return EXIT_OK


def config_command(args: argparse.Namespace) -> int:
    """Print the settings as a configuration file would write them; exit 2 if the chosen platform lacks a secret."""
    settings = settings_or_exit()
    if settings is None:
        return EXIT_USER
    print(f"# from {settings.source or 'built-in defaults'}; platform: {settings.platform()}")
    print(f"# database from {settings.database_origin}; decks from {settings.decks_origin}")
    print(f"# secrets (from the environment, never printed): {_secrets_summary(settings)}")
    print(f"# discord shards: {settings.shards.describe()}{_requests_origin()}")
    print(config_yaml(settings), end="")
    problems = platform_problems(settings)
    for problem in problems:
        print(f"configuration error: {problem}", file=sys.stderr)
    return EXIT_USER if problems else EXIT_OK


def _requests_origin() -> str:
    variable = REQUESTS_PER_SECOND_ENV
    return f"; discord.requests_per_second from {variable}" if os.environ.get(variable, "").strip() else ""


def _secrets_summary(settings: Settings) -> str:
    names = {
        "DISCORD_TOKEN": settings.secrets.discord_token,
        "SLACK_BOT_TOKEN": settings.secrets.slack_bot_token,
        "SLACK_APP_TOKEN": settings.secrets.slack_app_token,
        "SLACK_SIGNING_SECRET": settings.secrets.slack_signing_secret,
    }
    present = [name for name, value in names.items() if value is not None]
    return ", ".join(f"{name} set" for name in present) or "none set"


def health_command(args: argparse.Namespace) -> int:
    import time

    from bot.app import is_healthy

    settings = settings_or_exit()
    if settings is None:
        return EXIT_USER
    healthy = is_healthy(settings, time.time())
    print("healthy" if healthy else "unhealthy: no fresh heartbeat")
    return EXIT_OK if healthy else EXIT_FAILED
