"""Database locations as settings hold them: a SQLite file path, or a PostgreSQL URL that never shows its password."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

POSTGRES_SCHEMES = ("postgresql", "postgres")
MASK = "***"
_SECRET_PARAMS = frozenset({"password", "sslpassword"})


class PostgresUrl:
    """A ``postgresql://`` (or ``postgres://``) connection URL, as libpq and asyncpg take it.

    ``url`` is the whole URL, password included, for connecting only; ``str()``, ``repr()`` and ``masked()``
    show it with the password replaced by ``***``, so printing or logging the settings never reveals it.
    """

    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        scheme, sep, rest = url.partition("://")
        if not sep or scheme.lower() not in POSTGRES_SCHEMES:
            raise ValueError("a PostgreSQL URL starts with postgresql:// or postgres://")
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise ValueError(
                f"not a valid PostgreSQL URL ({exc}); write postgresql://user:password@host:5432/db"
            ) from None
        if parts.fragment:
            raise ValueError("a PostgreSQL URL has no #fragment; write postgresql://user:password@host:5432/db")
        self.url = "postgresql://" + rest

    def masked(self) -> str:
        """The URL with its password (in the user part or a ``password=`` parameter) shown as ``***``."""
        parts = urlsplit(self.url)
        userinfo, at, hosts = parts.netloc.rpartition("@")
        if at:
            user, colon, _ = userinfo.partition(":")
            netloc = f"{user}:{MASK}@{hosts}" if colon else f"{user}@{hosts}"
        else:
            netloc = parts.netloc
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(key in _SECRET_PARAMS for key, _ in pairs):
                query = urlencode([(key, MASK if key in _SECRET_PARAMS else value) for key, value in pairs], safe="*")
        # Joined by hand: urlunsplit would drop the empty host of postgresql:///db (a local socket).
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")

    def fingerprint(self) -> str:
        """A short name for this database that does not depend on the password (e.g. for file names)."""
        return hashlib.sha256(self.masked().encode("utf-8")).hexdigest()[:12]

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"PostgresUrl({self.masked()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostgresUrl) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.is_instance_schema(cls)


def is_postgres_url(value: str) -> bool:
    scheme, sep, _ = value.partition("://")
    return bool(sep) and scheme.lower().split("+")[0] in POSTGRES_SCHEMES
