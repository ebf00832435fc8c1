"""Settings: a YAML file for behaviour, environment variables for secrets and paths, validated at start."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails
from yaml.nodes import Node

from bot.core.models import ChannelDefaults, Schedule
from bot.core.scoring import ScoringRules
from bot.storage.urls import POSTGRES_SCHEMES, PostgresUrl
from bot.yamlsource import compose_and_construct, line_of, yaml_error_line

DEFAULT_CONFIG = Path("config/quizbot.yaml")
DEFAULT_DB = Path("data/quizbot.sqlite3")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DURATION = re.compile(r"^(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


# Longer than any reveal delay or grace period makes sense, and far below what date arithmetic can hold.
MAX_DURATION = dt.timedelta(days=365)
_DAY_NAMES = {
    **{name: index for index, name in enumerate(WEEKDAYS)},
    **{name: index for index, name in enumerate(FULL_WEEKDAYS)},
}


def parse_duration(value: object) -> dt.timedelta:
    """``"8h"``, ``"10m"``, ``"1h30m"``, ``"45s"``, ``"2d"`` or a number of seconds; longer than zero, at most a
    year."""
    duration = _duration(value)
    if duration <= dt.timedelta(0):
        raise ValueError(f"{value!r} must be longer than zero; write e.g. 8h, 10m or 45s")
    if duration > MAX_DURATION:
        raise ValueError(f"{value!r} is too long; durations go up to 365d")
    return duration


def _duration(value: object) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    try:
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
    except OverflowError:
        # timedelta cannot hold it (99999999999d): far past the limit, so say that rather than crash.
        raise ValueError(f"{value!r} is too long; durations go up to 365d") from None
    except ValueError:
        pass  # NaN, or a number with too many digits to read: not a duration either way
    raise ValueError(f"{value!r} is not a duration; write e.g. 8h, 10m, 1h30m or 45s")


def format_duration(value: dt.timedelta) -> str | float:
    """The way the configuration file writes ``value``: ``8h``, ``1h30m``, ``45s`` (seconds if fractional)."""
    if value.microseconds:
        return value.total_seconds()
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


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


def format_time_of_day(value: dt.time) -> str:
    return value.strftime("%H:%M")


def parse_weekdays(value: object) -> frozenset[int]:
    """``[mon, wed, fri]``, ``"mon-fri"``, ``"mon,wed"``, ``"mon-wed,sat"``, ``"daily"`` or ``"weekdays"``; full
    English names work too. Anything else, even one misspelled day, is refused rather than guessed."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("daily", "every day", "all"):
            return frozenset(range(7))
        if text == "weekdays":
            return frozenset(range(5))
        value = text.split(",")
    if isinstance(value, list | tuple | set | frozenset):
        days: set[int] = set()
        for item in value:
            if isinstance(item, str) and item.strip():
                days |= _day_span(item)
            elif not isinstance(item, str):
                raise ValueError(f"{item!r} is not a weekday; use mon, tue, wed, thu, fri, sat or sun")
        if days:
            return frozenset(days)
    raise ValueError(f"{value!r} is not a list of weekdays; write e.g. [mon, wed, fri], mon-fri or daily")


def _day_span(text: str) -> set[int]:
    """One day (``mon``) or a range (``fri-mon`` wraps over the weekend)."""
    first, dash, last = text.partition("-")
    start = _day(first)
    if not dash:
        return {start}
    end = _day(last)
    return set(range(start, end + 1)) if start <= end else {*range(start, 7), *range(end + 1)}


def _day(word: str) -> int:
    name = word.strip().lower()
    if name not in _DAY_NAMES:
        raise ValueError(f"{word.strip()!r} is not a weekday; use mon, tue, wed, thu, fri, sat or sun")
    return _DAY_NAMES[name]


def format_weekdays(days: frozenset[int]) -> str | list[str]:
    """The shortest way the configuration file writes ``days``: ``daily``, a range (``mon-fri``) or a list."""
    if len(days) == 7:
        return "daily"
    for start in sorted(days):
        # A run of three or more consecutive days, possibly over the weekend (fri-mon), reads best as a range.
        span = [(start + step) % 7 for step in range(len(days))]
        if len(days) >= 3 and set(span) == days and (start - 1) % 7 not in days:
            return f"{WEEKDAYS[span[0]]}-{WEEKDAYS[span[-1]]}"
    return [WEEKDAYS[day] for day in sorted(days)]


def parse_database(value: object) -> object:
    """A SQLite file path, also written as ``sqlite:///path``, or a PostgreSQL URL (``postgresql://...`` or
    ``postgres://...``); other database URLs are refused by name. Messages never repeat the URL (its password)."""
    if not isinstance(value, str) or "://" not in value:
        return value
    scheme, _, rest = value.partition("://")
    scheme = scheme.lower()
    if scheme == "sqlite" and rest.startswith("/") and len(rest) > 1:
        # sqlite:///data/q.sqlite3 is the relative path data/q.sqlite3, sqlite:////data/q.sqlite3 an absolute one.
        return rest[1:]
    if scheme in POSTGRES_SCHEMES:
        return PostgresUrl(value)
    if scheme.split("+")[0] in POSTGRES_SCHEMES:
        raise ValueError(f"write the PostgreSQL URL as postgresql://..., without +{scheme.partition('+')[2]}")
    raise ValueError(
        f"{scheme}:// database URLs are not supported; give a SQLite file path, sqlite:///path or postgresql://..."
    )


def format_database(value: Path | PostgresUrl) -> str:
    """How ``python -m bot config`` prints the database: the path, or the URL with its password as ``***``."""
    return value.masked() if isinstance(value, PostgresUrl) else str(value)


def _one_or_many(value: object) -> object:
    """``decks: questions`` means the list ``[questions]``."""
    return [value] if isinstance(value, str) else value


# In JSON mode (``python -m bot config``) each value is written the way the configuration file takes it.
Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, when_used="json")]
TimeOfDay = Annotated[
    dt.time, BeforeValidator(parse_time_of_day), PlainSerializer(format_time_of_day, when_used="json")
]
Weekdays = Annotated[
    frozenset[int], BeforeValidator(parse_weekdays), PlainSerializer(format_weekdays, when_used="json")
]
# A SQLite file or a PostgreSQL server; ``bot.storage.backends.open_store`` opens either.
DatabaseLocation = Annotated[
    Path | PostgresUrl, BeforeValidator(parse_database), PlainSerializer(format_database, when_used="json")
]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelDefaultsConfig(Section):
    timezone: str = "Asia/Seoul"
    post_time: TimeOfDay = dt.time(9, 0)
    weekdays: Weekdays = frozenset(range(7))
    daily_reveal_delay: Duration = dt.timedelta(hours=8)
    ondemand_reveal_delay: Duration = dt.timedelta(minutes=10)
    decks: Annotated[tuple[str, ...], BeforeValidator(_one_or_many)] = ()

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
    # PostgreSQL only (several processes): how long a post or reveal another process left half done waits before
    # this one finishes it. A SQLite database has one process, which finishes its own at once when it restarts.
    takeover_after: Duration = dt.timedelta(seconds=90)


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


# Far more shards than the largest bots run (a shard holds up to 2,500 guilds); it bounds what a range expands to.
MAX_SHARDS = 100_000


@dataclass(frozen=True)
class DiscordShards:
    """Which Discord shards this process runs (``DISCORD_SHARD_COUNT``, ``DISCORD_SHARD_IDS``). ``count`` ``None``:
    automatic, every shard of the count Discord recommends; ``ids`` ``None``: every shard of ``count``."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def automatic(self) -> bool:
        return self.count is None

    def describe(self) -> str:
        """The shards in words, as ``python -m bot config`` prints them."""
        if self.count is None:
            return "automatic (the count Discord recommends, all in this process)"
        if self.ids is None:
            return f"all {self.count} of DISCORD_SHARD_COUNT={self.count}"
        return f"{format_shard_ids(self.ids)} of DISCORD_SHARD_COUNT={self.count}"


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """``"0-3"``, ``"0,2,4-5"``: shard ids and inclusive ranges, separated by commas; sorted, without repeats."""
    ids: set[int] = set()
    for item in text.split(","):
        first, dash, last = item.strip().partition("-")
        if not first.strip().isdigit() or (dash and not last.strip().isdigit()):
            raise ValueError(f"{item.strip()!r} is not a shard id or a range; write e.g. 0-3 or 0,2,4-5")
        start = int(first)
        end = int(last) if dash else start
        if end < start:
            raise ValueError(f"{item.strip()!r} is an empty range; write the lower id first, e.g. 2-5")
        if end - start >= MAX_SHARDS:
            raise ValueError(f"{item.strip()!r} spans more shards than any bot has ({MAX_SHARDS})")
        ids.update(range(start, end + 1))
    return tuple(sorted(ids))


def format_shard_ids(ids: tuple[int, ...]) -> str:
    """The shortest ``DISCORD_SHARD_IDS`` for ``ids``: ``0-3``, ``0,2,4-5``."""
    spans: list[list[int]] = []
    for shard in sorted(ids):
        if spans and shard == spans[-1][1] + 1:
            spans[-1][1] = shard
        else:
            spans.append([shard, shard])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def discord_shards(env: Mapping[str, str]) -> DiscordShards:
    """The shards ``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS`` ask for; ``ConfigError`` naming the variable."""
    count_text = env.get("DISCORD_SHARD_COUNT", "").strip()
    ids_text = env.get("DISCORD_SHARD_IDS", "").strip()
    problems: list[str] = []
    count: int | None = None
    if count_text:
        if count_text.isdigit() and 1 <= int(count_text) <= MAX_SHARDS:
            count = int(count_text)
        else:
            problems.append(
                f"DISCORD_SHARD_COUNT: {count_text!r} is not a whole number from 1 to {MAX_SHARDS} "
                "(unset: automatic sharding, the count Discord recommends)"
            )
    ids: tuple[int, ...] | None = None
    if ids_text:
        try:
            ids = parse_shard_ids(ids_text)
        except ValueError as exc:
            problems.append(f"DISCORD_SHARD_IDS: {exc}")
        if ids is not None and not count_text:
            problems.append(
                "DISCORD_SHARD_IDS is set but DISCORD_SHARD_COUNT is not: the ids only mean something out of a "
                "total (e.g. DISCORD_SHARD_COUNT=4 DISCORD_SHARD_IDS=0-1)"
            )
        elif ids is not None and count is not None and ids[-1] >= count:
            too_big = format_shard_ids(tuple(i for i in ids if i >= count))
            problems.append(
                f"DISCORD_SHARD_IDS: {too_big} is past the last shard of DISCORD_SHARD_COUNT={count}; "
                f"ids go from 0 to {count - 1}"
            )
    if problems:
        raise ConfigError(problems)
    return DiscordShards(count=count, ids=ids)


Platform = Literal["discord", "slack", "console"]
PLATFORMS: tuple[Platform, ...] = ("discord", "slack", "console")
BUILT_IN = "built-in default"
# Environment variables that replace a key of the file when set (the deployment knows best where its data is).
ENV_OVERRIDES = {"database": "QUIZBOT_DB", "decks": "QUIZBOT_DECKS"}
# Each process of a deployment gets its share of the one token's request budget (e.g. 25 + 25 under 50).
REQUESTS_PER_SECOND_ENV = "DISCORD_REQUESTS_PER_SECOND"


class Settings(Section):
    language: Literal["ko", "en"] = "ko"
    database: DatabaseLocation = DEFAULT_DB
    # SQLite's synchronous mode: normal survives a killed process, full also a power loss (README: Reliability).
    database_synchronous: Literal["normal", "full"] = "normal"
    decks: Annotated[tuple[Path, ...], BeforeValidator(_one_or_many)] = (Path("questions"),)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    defaults: ChannelDefaultsConfig = ChannelDefaultsConfig()
    scoring: ScoringRules = ScoringRules()
    scheduler: SchedulerConfig = SchedulerConfig()
    console: ConsoleConfig = ConsoleConfig()
    discord: DiscordConfig = DiscordConfig()
    slack: SlackConfig = SlackConfig()
    # Not configuration keys: filled in from the environment and the loading, and never printed as settings.
    secrets: Secrets = Field(default_factory=Secrets, exclude=True)
    source: Path | None = Field(default=None, exclude=True)
    chosen_platform: Platform | None = Field(default=None, exclude=True)  # QUIZBOT_PLATFORM
    shards: DiscordShards = Field(default_factory=DiscordShards, exclude=True)  # DISCORD_SHARD_COUNT, _IDS
    database_origin: str = Field(default=BUILT_IN, exclude=True)  # e.g. "QUIZBOT_DB" or "config/quizbot.yaml:3"
    decks_origin: str = Field(default=BUILT_IN, exclude=True)

    def platform(self) -> Platform:
        """Which platform ``run`` starts: the one ``QUIZBOT_PLATFORM`` names, else Discord if it has a token,
        else Slack, else the console."""
        if self.chosen_platform is not None:
            return self.chosen_platform
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


def platform_problems(settings: Settings) -> list[str]:
    """What the platform ``run`` would start still needs, each naming the environment variable to set."""
    secrets, platform = settings.secrets, settings.platform()
    if platform == "discord" and secrets.discord_token is None:
        return ["QUIZBOT_PLATFORM=discord, but DISCORD_TOKEN is not set"]
    if platform == "slack":
        return _slack_problems(settings)
    if settings.chosen_platform is None and secrets.slack_app_token is not None:
        # Half a Slack setup would otherwise fall back to the console without a word.
        return ["SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: Slack needs both"]
    return []


def _slack_problems(settings: Settings) -> list[str]:
    secrets, mode = settings.secrets, settings.slack.mode
    problems = []
    if secrets.slack_bot_token is None:
        problems.append("QUIZBOT_PLATFORM=slack, but SLACK_BOT_TOKEN is not set")
    if mode == "socket" and secrets.slack_app_token is None:
        problems.append(
            "SLACK_APP_TOKEN is not set: Slack Socket Mode needs the app-level token (xapp-...) besides "
            "SLACK_BOT_TOKEN (or set slack.mode: http and SLACK_SIGNING_SECRET)"
        )
    if mode == "http" and secrets.slack_signing_secret is None:
        problems.append("SLACK_SIGNING_SECRET is not set: Slack HTTP mode (slack.mode: http) checks requests with it")
    return problems


def load_settings(environ: Mapping[str, str] | None = None, path: Path | None = None) -> Settings:
    """Read the configuration file (``QUIZBOT_CONFIG``, else ``config/quizbot.yaml`` if present, else defaults)
    and the environment. Raises ``ConfigError`` naming file, line, key and problem."""
    env = os.environ if environ is None else environ
    explicit = path or (Path(env["QUIZBOT_CONFIG"]) if env.get("QUIZBOT_CONFIG") else None)
    source = explicit or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    root, data = _read_config(source) if source is not None else (None, {})
    _refuse_reserved_keys(data, root, source)
    from_file = {key: f"{source}:{line_of(root, (key,))}" for key in ENV_OVERRIDES if key in data and root}
    overridden = _apply_environment(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_locate(error, root, source, overridden) for error in exc.errors()]) from None
    origins = {f"{key}_origin": _origin(key, overridden, from_file) for key in ENV_OVERRIDES}
    update = {"secrets": _secrets(env), "source": source, "chosen_platform": _chosen_platform(env)}
    return settings.model_copy(update={**update, "shards": discord_shards(env), **origins})


def _read_config(source: Path) -> tuple[Node | None, dict[str, Any]]:
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read the configuration file: {exc.strerror}"]) from None
    try:
        # utf-8-sig: Windows editors like to start a UTF-8 file with a byte order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
        raise ConfigError([f"{source}:{where}: not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"]) from None
    try:
        root, loaded = compose_and_construct(text)
    except yaml.YAMLError as exc:
        line, detail = yaml_error_line(exc)
        raise ConfigError([f"{source}:{line or '?'}: invalid YAML: {detail}"]) from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError([f"{source}:1: the configuration must be a mapping of sections"])
    return root, loaded or {}


def _refuse_reserved_keys(data: Mapping[str, Any], root: Node | None, source: Path | None) -> None:
    """Fields the loader fills in (secrets, where things come from) cannot be set from the file."""
    for reserved in _internal_fields(Settings):
        if reserved not in data:
            continue
        line = line_of(root, (reserved,)) if root is not None else 1
        if reserved == "secrets":
            problem = (
                "not a configuration key; tokens and secrets come only from the environment "
                "(DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET)"
            )
        else:
            problem = _unknown_setting((reserved,))
        raise ConfigError([f"{source}:{line}: {reserved}: {problem}"])


def _apply_environment(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Put ``QUIZBOT_DB`` and ``QUIZBOT_DECKS`` over the file's keys; returns which keys they replaced."""
    overridden = {}
    if env.get("QUIZBOT_DB"):
        data["database"] = env["QUIZBOT_DB"]
        overridden["database"] = "QUIZBOT_DB"
    if env.get("QUIZBOT_DECKS"):
        data["decks"] = [p for p in env["QUIZBOT_DECKS"].split(os.pathsep) if p]
        overridden["decks"] = "QUIZBOT_DECKS"
    if env.get(REQUESTS_PER_SECOND_ENV, "").strip():
        if data.get("discord") is None:
            data["discord"] = {}
        section = data["discord"]
        if isinstance(section, dict):  # otherwise validation reports the file's section as it is
            section["requests_per_second"] = env[REQUESTS_PER_SECOND_ENV].strip()
            overridden["discord.requests_per_second"] = REQUESTS_PER_SECOND_ENV
    return overridden


def _origin(key: str, overridden: Mapping[str, str], from_file: Mapping[str, str]) -> str:
    if key in overridden:
        hidden = f" (overriding {key}: at {from_file[key]})" if key in from_file else ""
        return overridden[key] + hidden
    return from_file.get(key, BUILT_IN)


def _chosen_platform(env: Mapping[str, str]) -> Platform | None:
    value = env.get("QUIZBOT_PLATFORM", "").strip().lower()
    if value in ("", "auto"):
        return None
    for platform in PLATFORMS:
        if value == platform:
            return platform
    raise ConfigError(
        [f"QUIZBOT_PLATFORM: {value!r} is not a platform; use discord, slack or console (unset: chosen by token)"]
    )


def _secrets(env: Mapping[str, str]) -> Secrets:
    return Secrets(
        discord_token=_secret(env, "DISCORD_TOKEN"),
        discord_api_base=env.get("DISCORD_API_BASE") or None,
        discord_gateway_url=env.get("DISCORD_GATEWAY_URL") or None,
        slack_bot_token=_secret(env, "SLACK_BOT_TOKEN"),
        slack_app_token=_secret(env, "SLACK_APP_TOKEN"),
        slack_signing_secret=_secret(env, "SLACK_SIGNING_SECRET"),
        slack_api_url=env.get("SLACK_API_URL") or None,
    )


def _secret(env: Mapping[str, str], name: str) -> SecretStr | None:
    value = env.get(name, "").strip()
    return SecretStr(value) if value else None


# --- problems in plain words ---------------------------------------------------------------------------------


def _locate(error: ErrorDetails, root: Node | None, source: Path | None, overridden: Mapping[str, str]) -> str:
    """``file:line: key: problem``, or ``VARIABLE: key: problem`` for a value from the environment."""
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc) or "(top level)"
    if key in overridden:
        where = overridden[key]
    elif loc and isinstance(loc[0], str) and loc[0] in overridden:
        where = overridden[loc[0]]
    else:
        line = line_of(root, loc) if root is not None else None
        where = f"{source or '(defaults)'}:{line}" if line else str(source or "environment")
    return f"{where}: {key}: {explain(error)}"


def explain(error: ErrorDetails) -> str:
    """One pydantic error in the words of someone editing the file, not of pydantic's internals."""
    kind, ctx = error["type"], error.get("ctx") or {}
    shown = _shown(error.get("input"))
    if kind == "extra_forbidden":
        return _unknown_setting(tuple(error["loc"]))
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # our own parsers' messages say what to write
    if kind == "literal_error":
        return f"must be {ctx['expected']}, not {shown}"
    for kinds, wording in _TYPE_WORDING:
        if kind in kinds:
            return f"{wording}, not {shown}"
    for bound, wording in _BOUND_WORDING.items():
        if bound in ctx:
            return f"{wording} {_number(ctx[bound])}, not {shown}"
    return str(error["msg"])


_TYPE_WORDING: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"int_parsing", "int_type", "int_from_float"}), "must be a whole number"),
    (frozenset({"float_parsing", "float_type"}), "must be a number"),
    (frozenset({"bool_parsing", "bool_type"}), "must be true or false"),
    (frozenset({"string_type"}), "must be text"),
    (frozenset({"tuple_type", "list_type", "set_type", "frozen_set_type"}), "must be a list such as [a, b]"),
    (frozenset({"model_type", "model_attributes_type", "dict_type"}), "must be a section of indented key: value lines"),
    (frozenset({"path_type"}), "must be a file path"),
)
_BOUND_WORDING = {
    "gt": "must be more than",
    "ge": "must be at least",
    "lt": "must be less than",
    "le": "must be at most",
}


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _unknown_setting(loc: tuple[str | int, ...]) -> str:
    """``unknown setting 'timezon' (did you mean 'timezone'?)``, else the settings that section has."""
    name = str(loc[-1])
    known = _known_settings(loc[:-1])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown setting {name!r} (did you mean {close[0]!r}?)"
    return f"unknown setting {name!r}" + (f"; this section takes: {', '.join(known)}" if known else "")


def _known_settings(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the section at ``loc`` takes."""
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [name for name, field in model.model_fields.items() if not field.exclude]


def _internal_fields(model: type[BaseModel]) -> list[str]:
    return [name for name, field in model.model_fields.items() if field.exclude]


# --- printing ------------------------------------------------------------------------------------------------


class _ConfigDumper(yaml.SafeDumper):
    """Writes like config/quizbot.yaml: sections as blocks, short lists as ``[a, b]``, times quoted."""

    def represent_config_str(self, data: str) -> yaml.ScalarNode:
        # Unquoted, YAML 1.1 reads 10:30 as the number 630; the file's comments say to quote times.
        style = '"' if re.fullmatch(r"\d{1,2}:\d{2}", data) else None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_config_list(self, data: list[Any]) -> yaml.SequenceNode:
        flat = all(not isinstance(item, dict | list) for item in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_ConfigDumper.add_representer(str, _ConfigDumper.represent_config_str)
_ConfigDumper.add_representer(list, _ConfigDumper.represent_config_list)


def config_yaml(settings: Settings) -> str:
    """The settings as configuration-file YAML (``8h``, ``mon-fri``, ``"09:00"``), to paste into a file."""
    data = settings.model_dump(mode="json")
    return yaml.dump(data, Dumper=_ConfigDumper, sort_keys=False, allow_unicode=True, width=120)
