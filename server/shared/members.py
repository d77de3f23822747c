"""Member keys: named access keys, stored hashed, with optional limits.

A member key is ``sk-swb-m-`` and 32 random bytes; only
``HMAC-SHA256(secret, key)`` is stored, never the key. The secret comes from
``SWITCHBOARD_KEY_SECRET`` (set it on every replica and wherever the CLI
runs), else a random one kept in Redis (team mode) or in a 0600 file in the
Switchboard home (one machine). Members live in the Redis hash
``swb:members`` when ``SWITCHBOARD_REDIS_URL`` is set, else in
``members.json`` (0600) in the home. Replicas re-read the list every
``REFRESH`` seconds, so a revocation holds everywhere within a second.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets as _random
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from server.fileio import atomic_write_bytes, ensure_private_dir

SECRET_ENV = "SWITCHBOARD_KEY_SECRET"
KEY_PREFIX = "sk-swb-m-"
REFRESH = 0.5
FILE_NAME = "members.json"
SECRET_FILE = "member-key-secret"
REDIS_HASH = "swb:members"
REDIS_SECRET = "swb:members:secret"
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@")
LIMIT_FIELDS = ("daily_usd", "monthly_usd", "daily_tokens", "monthly_tokens")


class MemberError(ValueError):
    """A member operation cannot be done; the message says why and what next."""


@dataclass(frozen=True)
class Member:
    name: str
    digest: str                 # hex HMAC-SHA256 of the key
    created: float = 0.0
    daily_usd: float | None = None
    monthly_usd: float | None = None
    daily_tokens: int | None = None
    monthly_tokens: int | None = None
    revoked: bool = False

    @property
    def limited(self) -> bool:
        return any(getattr(self, f) is not None for f in LIMIT_FIELDS)

    def to_dict(self) -> dict[str, Any]:
        """The stored form: every field, keys sorted."""
        return dict(sorted(asdict(self).items()))

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: Any) -> "Member":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Member":
        return cls.from_dict(json.loads(text))


def valid_name(name: str) -> bool:
    return 0 < len(name) <= 64 and set(name) <= _NAME_CHARS


def new_key() -> str:
    return KEY_PREFIX + _random.token_urlsafe(32)


def digest(secret: bytes, key: bytes | str) -> str:
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(secret, key, hashlib.sha256).hexdigest()


# -- where members are kept ------------------------------------------------------

class FileMembers:
    """``members.json`` in the home (0600) and a file secret next to it."""

    def __init__(self, home: Path, environ: Mapping[str, str] | None = None) -> None:
        self.home = home
        self.path = home / FILE_NAME
        self._environ = os.environ if environ is None else environ

    def secret(self, create: bool = True) -> bytes | None:
        env = self._environ.get(SECRET_ENV)
        if env:
            return env.encode()
        path = self.home / SECRET_FILE
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            if not create:
                return None
        ensure_private_dir(self.home)
        atomic_write_bytes(path, _random.token_hex(32).encode())
        return path.read_bytes().strip()

    def stamp(self) -> Any:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def load(self) -> dict[str, Member]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {name: Member.from_dict(m) for name, m in (data.get("members") or {}).items()}

    def save(self, members: dict[str, Member]) -> None:
        ensure_private_dir(self.home)
        data = {"members": {n: m.to_dict() for n, m in members.items()}}
        atomic_write_bytes(self.path, (json.dumps(data, indent=2) + "\n").encode())

    def put(self, member: Member) -> None:
        members = self.load()
        members[member.name] = member
        self.save(members)


class RedisMembers:
    """The Redis hash ``swb:members`` (name -> JSON), for the CLI (sync client)."""

    def __init__(self, url: str, environ: Mapping[str, str] | None = None) -> None:
        import redis

        self._environ = os.environ if environ is None else environ
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)

    def secret(self, create: bool = True) -> bytes | None:
        env = self._environ.get(SECRET_ENV)
        if env:
            return env.encode()
        if create:
            self.client.set(REDIS_SECRET, _random.token_hex(32), nx=True)
        value = self.client.get(REDIS_SECRET)
        return value.strip() if value else None

    def load(self) -> dict[str, Member]:
        return {k.decode(): Member.from_json(v) for k, v in self.client.hgetall(REDIS_HASH).items()}

    def put(self, member: Member) -> None:
        self.client.hset(REDIS_HASH, member.name, member.to_json())


# -- what replicas check keys against ----------------------------------------------

class MemberIndex:
    """digest -> member, for the access-key check (no I/O on the hot path).

    ``replace`` installs a fresh list (from Redis, by the shared state's
    loop); with a file store, ``match`` re-reads ``members.json`` when it
    changed, looking at most every ``REFRESH`` seconds.
    """

    def __init__(self, secret: Callable[[], bytes | None], files: FileMembers | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._secret_source = secret
        self._secret: bytes | None = None
        self._files = files
        self._clock = clock
        self._by_digest: dict[str, Member] = {}
        self._checked = -1e9
        self._stamp: Any = None
        self._lock = threading.Lock()
        self.by_name: dict[str, Member] = {}

    def replace(self, members: Iterable[Member]) -> None:
        members = list(members)
        self.by_name = {m.name: m for m in members}
        self._by_digest = {m.digest: m for m in members if not m.revoked}

    def set_secret(self, secret: bytes | None) -> None:
        self._secret = secret

    def _maybe_reload(self) -> None:
        if self._files is None:
            return
        now = self._clock()
        if now - self._checked < REFRESH:
            return
        with self._lock:
            self._checked = now
            stamp = self._files.stamp()
            if stamp == self._stamp:
                return
            self._stamp = stamp
            try:
                self.replace(self._files.load().values())
            except (OSError, ValueError, TypeError):
                return  # a half-edited file: keep the previous list

    @property
    def empty(self) -> bool:
        self._maybe_reload()
        return not self._by_digest

    def match(self, presented: list[bytes]) -> Member | None:
        self._maybe_reload()
        if not self._by_digest or not presented:
            return None
        secret = self._secret
        if secret is None:
            secret = self._secret = self._secret_source()
            if secret is None:
                return None
        for value in presented:
            member = self._by_digest.get(digest(secret, value))
            if member is not None:
                return member
        return None

    def get(self, name: str) -> Member | None:
        return self.by_name.get(name)


def make_member(name: str, key: str, secret: bytes, limits: dict[str, Any]) -> Member:
    return Member(name=name, digest=digest(secret, key), created=time.time(),
                  **{k: v for k, v in limits.items() if k in LIMIT_FIELDS and v is not None})
