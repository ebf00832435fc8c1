"""Settings: a YAML file for behaviour, environment variables for secrets and paths, validated at start."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bot.core.models import ChannelDefaults, Schedule
from bot.core.scoring import ScoringRules
from bot.yamlsource import compose_and_construct, line_of, yaml_error_line

DEFAULT_CONFIG = Path("config/quizbot.yaml")
DEFAULT_DB = Path("data/quizbot.sqlite3")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def parse_duration(value: object) -> dt.timedelta:
    """``"8h"``, ``"10m"``, ``"1h30m"``, ``"45s"``, ``"2d"`` or a number of seconds."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value.strip().lower().replace(" ", ""))
        if match and any(match.groupdict().values()):
            parts = {k: int(v) for k, v in match.groupdict().items() if v}
            return dt.timedelta(
                days=parts.get("d", 0),
                hours=parts.get("h", 0),
                minutes=parts.get("m", 0),
                seconds=parts.get("s", 0),
            )
    raise ValueError(f"{value!r} is not a duration; write e.g. 8h, 10m, 1h30m or 45s")


def parse_time_of_day(value: object) -> dt.time:
    """``"09:00"`` style 24-hour times."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 9:00 as the sexagesimal number 540.
        if 0 <= value < 24 * 60:
            return dt.time(value // 60, value % 60)
        if value >= 0:
            # Report what was written (25:00), not the number YAML made of it (1500).
            value = f"{value // 60}:{value % 60:02d}"
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f"{value!r} is not a time of day; write HH:MM between 00:00 and 23:59")


def parse_weekdays(value: object) -> frozenset[int]:
    """``[mon, wed, fri]``, ``"mon-fri"``, ``"daily"`` or ``"weekdays"``."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("daily", "every day", "all"):
            return frozenset(range(7))
        if text == "weekdays":
            return frozenset(range(5))
        if "-" in text and "," not in text:
            first, _, last = text.partition("-")
            if first.strip() in WEEKDAYS and last.strip() in WEEKDAYS:
                start, end = WEEKDAYS.index(first.strip()), WEEKDAYS.index(last.strip())
                return (
                    frozenset(range(start, end + 1)) if start <= end else frozenset([*range(start, 7), *range(end + 1)])
                )
        value = [part.strip() for part in text.split(",")]
    if isinstance(value, list | tuple | set | frozenset):
        days = set()
        for item in value:
            name = str(item).strip().lower()[:3]
            if name not in WEEKDAYS:
                raise ValueError(f"{item!r} is not a weekday; use mon, tue, wed, thu, fri, sat, sun")
            days.add(WEEKDAYS.index(name))
        if days:
            return frozenset(days)
    raise ValueError(f"{value!r} is not a list of weekdays; write e.g. [mon, wed, fri], mon-fri or daily")


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration)]
TimeOfDay = Annotated[dt.time, BeforeValidator(parse_time_of_day)]
Weekdays = Annotated[frozenset[int], BeforeValidator(parse_weekdays)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelDefaultsConfig(Section):
    timezone: str = "Asia/Seoul"
    post_time: TimeOfDay = dt.time(9, 0)
    weekdays: Weekdays = frozenset(range(7))
    daily_reveal_delay: Duration = dt.timedelta(hours=8)
    ondemand_reveal_delay: Duration = dt.timedelta(minutes=10)
    decks: tuple[str, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Asia/Seoul, Europe/Berlin, UTC)") from None
        return value

    def to_core(self, *, ondemand_override: dt.timedelta | None = None) -> ChannelDefaults:
        return ChannelDefaults(
            schedule=Schedule(self.post_time, self.weekdays, self.timezone),
            daily_reveal_delay=self.daily_reveal_delay,
            on_demand_reveal_delay=ondemand_override or self.ondemand_reveal_delay,
            decks=self.decks,
        )


class SchedulerConfig(Section):
    grace_period: Duration = dt.timedelta(hours=1)
    retry_delay: Duration = dt.timedelta(minutes=1)


class ConsoleConfig(Section):
    guild: str = "console"
    channel: str = "study"
    reveal_delay: Duration = dt.timedelta(minutes=1)
    seed: int | None = None


class DiscordConfig(Section):
    dev_guild_ids: tuple[int, ...] = ()
    requests_per_second: float = Field(45.0, gt=0, le=50)


class SlackConfig(Section):
    mode: Literal["socket", "http"] = "socket"
    http_port: int = Field(3000, gt=0, lt=65536)
    admin_user_ids: tuple[str, ...] = ()
    admin_usergroup: str | None = None


class Secrets(BaseModel):
    """From the environment only; ``SecretStr`` keeps them out of reprs and logs."""

    model_config = ConfigDict(frozen=True)

    discord_token: SecretStr | None = None
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None


class Settings(Section):
    language: Literal["ko", "en"] = "ko"
    database: Path = DEFAULT_DB
    decks: tuple[Path, ...] = (Path("questions"),)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    defaults: ChannelDefaultsConfig = ChannelDefaultsConfig()
    scoring: ScoringRules = ScoringRules()
    scheduler: SchedulerConfig = SchedulerConfig()
    console: ConsoleConfig = ConsoleConfig()
    discord: DiscordConfig = DiscordConfig()
    slack: SlackConfig = SlackConfig()
    secrets: Secrets = Field(default_factory=Secrets, exclude=True)
    source: Path | None = Field(default=None, exclude=True)

    def platform(self) -> Literal["discord", "slack", "console"]:
        """Which platform ``run`` starts: Discord if it has a token, else Slack, else the console."""
        if self.secrets.discord_token is not None:
            return "discord"
        if self.secrets.slack_bot_token is not None:
            return "slack"
        return "console"


class ConfigError(Exception):
    """A configuration problem, located: file, line, key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Settings:
    """Read the configuration file (``QUIZBOT_CONFIG``, else ``config/quizbot.yaml`` if present, else defaults)
    and the environment. Raises ``ConfigError`` naming file, line, key and problem."""
    env = os.environ if environ is None else environ
    explicit = path or (Path(env["QUIZBOT_CONFIG"]) if env.get("QUIZBOT_CONFIG") else None)
    source = explicit or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    data: dict[str, Any] = {}
    root = None
    if source is not None:
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([f"{source}: cannot read the configuration file: {exc.strerror}"]) from None
        try:
            root, loaded = compose_and_construct(text)
        except yaml.YAMLError as exc:
            line, detail = yaml_error_line(exc)
            raise ConfigError([f"{source}:{line or '?'}: invalid YAML: {detail}"]) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError([f"{source}:1: the configuration must be a mapping of sections"])
        data = loaded or {}
    for reserved in ("secrets", "source"):
        if reserved in data:
            line = line_of(root, (reserved,)) if root is not None else 1
            raise ConfigError(
                [
                    f"{source}:{line}: {reserved}: not a configuration key; tokens and secrets come only from the "
                    "environment (DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET)"
                ]
            )
    if env.get("QUIZBOT_DB"):
        data["database"] = env["QUIZBOT_DB"]
    if env.get("QUIZBOT_DECKS"):
        data["decks"] = [p for p in env["QUIZBOT_DECKS"].split(os.pathsep) if p]
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            key = ".".join(str(p) for p in loc) or "(top level)"
            line = line_of(root, loc) if root is not None else None
            where = f"{source or '(defaults)'}:{line}" if line else str(source or "environment")
            problems.append(f"{where}: {key}: {error['msg']}")
        raise ConfigError(problems) from None
    secrets = Secrets(
        discord_token=_secret(env, "DISCORD_TOKEN"),
        discord_api_base=env.get("DISCORD_API_BASE") or None,
        discord_gateway_url=env.get("DISCORD_GATEWAY_URL") or None,
        slack_bot_token=_secret(env, "SLACK_BOT_TOKEN"),
        slack_app_token=_secret(env, "SLACK_APP_TOKEN"),
        slack_signing_secret=_secret(env, "SLACK_SIGNING_SECRET"),
        slack_api_url=env.get("SLACK_API_URL") or None,
    )
    return settings.model_copy(update={"secrets": secrets, "source": source})


def _secret(env: Mapping[str, str], name: str) -> SecretStr | None:
    value = env.get(name, "").strip()
    return SecretStr(value) if value else None
