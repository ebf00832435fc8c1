"""Rate limits (global per token and per-route buckets), injected faults and the request log."""

from __future__ import annotations

import hashlib
import math
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

API_PREFIX = "/api/v10"
RATE_LIMITED_MESSAGE = "You are being rate limited."


@dataclass(frozen=True)
class RouteLimit:
    """``limit`` requests per ``per`` seconds in one bucket."""

    limit: int
    per: float


@dataclass(frozen=True)
class RateLimitConfig:
    """Global and per-route limits; route keys look like ``"POST /channels/{channel_id}/messages"``."""

    global_per_second: int = 50
    default_route: RouteLimit = RouteLimit(limit=10, per=1.0)
    routes: Mapping[str, RouteLimit] = field(default_factory=dict)


@dataclass(frozen=True)
class Throttle:
    """The outcome of a rate-limit check: the headers to send and, when limited, how long to wait."""

    headers: dict[str, str]
    retry_after: float | None = None
    scope: str | None = None

    @property
    def limited(self) -> bool:
        """True when the request must be answered with 429."""
        return self.retry_after is not None


def rate_limited_body(retry_after: float, *, is_global: bool) -> dict[str, Any]:
    """Return Discord's 429 body."""
    return {"message": RATE_LIMITED_MESSAGE, "retry_after": round(retry_after, 3), "global": is_global}


def rate_limited_headers(retry_after: float, *, scope: str) -> dict[str, str]:
    """Return the headers every Discord 429 carries; discord.py treats a 429 without ``Via`` as a ban."""
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "Via": "1.1 google",
        "X-RateLimit-Scope": scope,
    }
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    return headers


@dataclass
class _Bucket:
    limit: int
    per: float
    remaining: int
    resets_at: float


class RateLimiter:
    """Enforces a sliding one-second global window per token and fixed-window route buckets."""

    def __init__(self, config: RateLimitConfig, *, clock: Callable[[], float], wall: Callable[[], float]) -> None:
        self.config = config
        self._clock = clock
        self._wall = wall
        self._global: dict[str, deque[float]] = {}
        self._buckets: dict[str, _Bucket] = {}

    def check_global(self, token: str) -> Throttle:
        """Count one request against the token's global limit."""
        now = self._clock()
        window = self._global.setdefault(token, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.config.global_per_second:
            retry_after = max(0.001, window[0] + 1.0 - now)
            return Throttle(rate_limited_headers(retry_after, scope="global"), retry_after, "global")
        window.append(now)
        return Throttle({})

    def limit_for(self, method: str, route: str) -> RouteLimit:
        """Return the configured limit of a route template."""
        return self.config.routes.get(f"{method} {route}", self.config.default_route)

    @staticmethod
    def bucket_hash(method: str, route: str) -> str:
        """Return the opaque bucket id Discord would send for a route."""
        return hashlib.sha1(f"{method} {route}".encode()).hexdigest()[:16]

    def take(self, method: str, route: str, major: str) -> Throttle:
        """Count one request against the route's bucket for the given major parameters."""
        now = self._clock()
        limit = self.limit_for(method, route)
        bucket_id = self.bucket_hash(method, route)
        key = f"{bucket_id}:{major}"
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.resets_at:
            bucket = _Bucket(limit.limit, limit.per, limit.limit, now + limit.per)
            self._buckets[key] = bucket
        reset_after = max(0.0, bucket.resets_at - now)
        limited = bucket.remaining <= 0
        if not limited:
            bucket.remaining -= 1
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining),
            "X-RateLimit-Reset": f"{self._wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_id,
        }
        if not limited:
            return Throttle(headers)
        retry_after = max(0.001, reset_after)
        headers.update(rate_limited_headers(retry_after, scope="user"))
        return Throttle(headers, retry_after, "user")


def compile_path_pattern(pattern: str) -> re.Pattern[str]:
    """Compile ``/channels/{channel_id}/messages`` or ``/channels/*/messages`` to a full-path regex.

    Placeholders and ``*`` match exactly one path segment; the ``/api/v10`` prefix is optional.
    """
    if pattern.startswith(API_PREFIX):
        pattern = pattern[len(API_PREFIX) :]
    parts = re.split(r"(\{[^}/]+\}|\*)", pattern)
    regex = "".join("[^/]+" if p == "*" or p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


@dataclass
class Fault:
    """Answer the next ``remaining`` matching requests with ``status`` instead of handling them."""

    method: str
    pattern: str
    status: int
    remaining: int
    retry_after: float = 0.0
    is_global: bool = False
    hits: int = 0
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.regex = compile_path_pattern(self.pattern)

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to the request and has uses left."""
        return self.remaining > 0 and self.method in (method, "*") and bool(self.regex.match(path))


@dataclass
class Delay:
    """Answer every matching request ``seconds`` later than it arrived (network and server latency)."""

    method: str
    pattern: str
    seconds: float
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.regex = compile_path_pattern(self.pattern)

    def matches(self, method: str, path: str) -> bool:
        return self.method in (method, "*") and bool(self.regex.match(path))


class FaultInjector:
    """Lets tests make chosen requests fail with 429 or 5xx, or answer late."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.delays: list[Delay] = []

    def delay(self, method: str, path: str, seconds: float) -> Delay:
        """Answer every matching request (``"*"`` for any method) after ``seconds``, until ``clear``."""
        delay = Delay(method.upper(), path, seconds)
        self.delays.append(delay)
        return delay

    def latency(self, method: str, path: str) -> float:
        """How long the request waits before it is handled: the first matching delay's seconds, else none."""
        return next((d.seconds for d in self.delays if d.matches(method, path)), 0.0)

    def rate_limit(
        self, method: str, path: str, *, count: int = 1, retry_after: float = 0.1, is_global: bool = False
    ) -> Fault:
        """Make the next ``count`` matching requests answer 429 with ``retry_after`` seconds."""
        fault = Fault(method.upper(), path, 429, count, retry_after=retry_after, is_global=is_global)
        self.faults.append(fault)
        return fault

    def server_error(self, method: str, path: str, *, count: int = 1, status: int = 500) -> Fault:
        """Make the next ``count`` matching requests answer ``status`` (a 5xx)."""
        fault = Fault(method.upper(), path, status, count)
        self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching the request."""
        for fault in self.faults:
            if fault.matches(method, path):
                fault.remaining -= 1
                fault.hits += 1
                return fault
        return None

    def clear(self) -> None:
        """Remove every pending fault and delay."""
        self.faults.clear()
        self.delays.clear()


@dataclass(frozen=True)
class RequestRecord:
    """One REST request as the server saw and answered it."""

    method: str
    path: str
    route: str | None
    status: int
    query: dict[str, str]
    body: dict[str, Any] | list[Any] | None
    error_code: int | None
    scope: str | None
    at: float  # when it was answered
    started: float | None = None  # when it arrived


class RequestLog:
    """Every REST request, in arrival order."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Append a record."""
        self.records.append(record)

    @property
    def total(self) -> int:
        """Number of requests received."""
        return len(self.records)

    @property
    def rate_limited(self) -> int:
        """Number of requests answered with 429."""
        return sum(1 for r in self.records if r.status == 429)

    def matching(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        path: str | None = None,
        status: int | None = None,
    ) -> list[RequestRecord]:
        """Return records filtered by method, route template, concrete path pattern or status."""
        regex = compile_path_pattern(path) if path is not None else None
        if route is not None and route.startswith(API_PREFIX):
            route = route[len(API_PREFIX) :]
        return [
            r
            for r in self.records
            if (method is None or r.method == method.upper())
            and (route is None or r.route == route)
            and (regex is None or regex.match(r.path))
            and (status is None or r.status == status)
        ]

    def count(
        self,
        method: str | None = None,
        route: str | None = None,
        *,
        path: str | None = None,
        status: int | None = None,
    ) -> int:
        """Return how many records match (see ``matching``)."""
        return len(self.matching(method, route, path=path, status=status))
