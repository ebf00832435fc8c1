"""``run`` (start the bot) and ``sync`` (push slash commands to Discord)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Settings, load_settings

EXIT_CONFIG = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the bot (Discord with DISCORD_TOKEN, Slack with SLACK_BOT_TOKEN, else the terminal console)",
    )
    run.set_defaults(func=run_command)
    sync = subparsers.add_parser("sync", help="push the /quiz slash commands to Discord and exit")
    sync.set_defaults(func=sync_command)
    health = subparsers.add_parser("health", help="exit 0 if a running bot's heartbeat is fresh (health checks)")
    health.set_defaults(func=health_command)
    check = subparsers.add_parser("config", help="validate the configuration and print it (secrets hidden)")
    check.set_defaults(func=config_command)


def settings_or_exit() -> Settings | None:
    try:
        return load_settings()
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        return None


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Every job added or run is logged at INFO by APScheduler; that is noise at our scale.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))


def run_command(args: argparse.Namespace) -> int:
    from bot.app import run
    from bot.core.decks import DeckError

    settings = settings_or_exit()
    if settings is None:
        return EXIT_CONFIG
    configure_logging(settings)
    try:
        asyncio.run(run(settings))
    except DeckError as exc:
        print(f"deck error:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


def sync_command(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings is None:
        return EXIT_CONFIG
    if settings.secrets.discord_token is None:
        print("sync needs DISCORD_TOKEN in the environment", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings)
    from bot.platforms.discord.sync import sync_commands

    count = asyncio.run(sync_commands(settings))
    print(f"synced {count} commands")
    return 0


def config_command(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    if settings is None:
        return EXIT_CONFIG
    print(f"# from {settings.source or 'built-in defaults'}; platform: {settings.platform()}")
    print(settings.model_dump_json(indent=2))
    return 0


def health_command(args: argparse.Namespace) -> int:
    import time

    from bot.app import is_healthy

    settings = settings_or_exit()
    if settings is None:
        return EXIT_CONFIG
    healthy = is_healthy(settings, time.time())
    print("healthy" if healthy else "unhealthy: no fresh heartbeat")
    return 0 if healthy else 1
