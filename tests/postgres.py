"""PostgreSQL for the tests: each test gets a fresh schema on the server ``QUIZBOT_TEST_POSTGRES`` names.

``make test`` (and CI's ``.ci/run``) start a throwaway server with ``tests/postgres_cluster.sh`` and set the
variable. Without it the PostgreSQL tests skip, saying how to run them, except under CI (``CI`` set), where a
missing server is an error: CI must never pass without them.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

ENV = "QUIZBOT_TEST_POSTGRES"


def server_url() -> str:
    """The test server's URL; skips the test without one (fails it under CI)."""
    url = os.environ.get(ENV, "").strip()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            f"{ENV} is not set, and CI must run the PostgreSQL tests: .ci/run starts a server with "
            "tests/postgres_cluster.sh",
            pytrace=False,
        )
    pytest.skip(
        f"no PostgreSQL server: set {ENV}=postgresql://user:password@host:port/db, or run `make test`, which "
        "starts a throwaway one when PostgreSQL's server binaries (initdb, pg_ctl) are installed"
    )


def with_query(url: str, **params: str) -> str:
    """``url`` with these query parameters set (asyncpg takes unknown ones as server settings)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def with_database(url: str, name: str) -> str:
    """``url`` naming another database of the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class Schema:
    """A fresh, empty schema of the test server, and a URL whose connections use only it."""

    def __init__(self, server: str | None = None) -> None:
        self.server = server or server_url()
        self.name = f"quizbot_test_{uuid.uuid4().hex[:16]}"
        self.url = with_query(self.server, search_path=self.name)

    async def create(self) -> Schema:
        conn = await asyncpg.connect(self.server)
        try:
            await conn.execute(f'CREATE SCHEMA "{self.name}"')
        finally:
            await conn.close()
        return self

    async def drop(self) -> None:
        """Once every store on it is closed."""
        conn = await asyncpg.connect(self.server)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
        finally:
            await conn.close()


class Database:
    """A fresh, empty database of the test server (for what a schema cannot show, e.g. ``db copy``)."""

    def __init__(self, server: str | None = None) -> None:
        self.server = server or server_url()
        self.name = f"quizbot_test_{uuid.uuid4().hex[:16]}"
        self.url = with_database(self.server, self.name)

    async def create(self, options: str = "") -> Database:
        """``options``: more of ``CREATE DATABASE``, e.g. a locale."""
        conn = await asyncpg.connect(self.server)
        try:
            await conn.execute(f'CREATE DATABASE "{self.name}" {options}')
        finally:
            await conn.close()
        return self

    async def drop(self) -> None:
        conn = await asyncpg.connect(self.server)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            await conn.close()
