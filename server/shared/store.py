"""The Redis connection: a pool, a short timeout on every call, no 5xx.

Every call goes through :meth:`RedisStore.run`. When Redis cannot be reached
(refused, timed out, any Redis error) the call returns ``None``, the replica
keeps serving with its local state, the outage is logged once, and for the
next ``RETRY_AFTER`` seconds no call waits on Redis at all. The first call
that succeeds again logs the recovery and runs the ``on_recovered``
callbacks (the shared state catches up then).
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Awaitable, Callable, TypeVar

log = logging.getLogger("switchboard")
T = TypeVar("T")

# Seconds any one Redis call may take (SWITCHBOARD_REDIS_TIMEOUT). Short, so
# a hung Redis costs a request little; not so short that a busy replica's
# own slowness reads as an outage.
CALL_TIMEOUT = 0.5
RETRY_AFTER = 1.0     # seconds without trying after a failure
PREFIX = "swb:"


class RedisStore:
    def __init__(self, url: str, *, timeout: float = CALL_TIMEOUT, prefix: str = PREFIX,
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis.asyncio as aioredis  # only in team mode

        self.url = url
        self.timeout = timeout
        self.prefix = prefix
        self._clock = clock
        self._client = aioredis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            max_connections=64, retry_on_timeout=False, retry=None, health_check_interval=0,
        )
        self.up = True
        self._retry_at = 0.0
        self.on_recovered: list[Callable[[], Awaitable[None]]] = []
        self._down_logged = False
        self._tasks: set[asyncio.Task[None]] = set()

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    @property
    def skipping(self) -> bool:
        """Down, and not yet time to try again: callers use local state."""
        return not self.up and self._clock() < self._retry_at

    async def run(self, fn: Callable[[Any], Awaitable[T]]) -> T | None:
        """``fn(client)`` within the timeout; None when Redis is unavailable."""
        if self.skipping:
            return None
        try:
            async with asyncio.timeout(self.timeout):
                result = await fn(self._client)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # redis errors, OSError, TimeoutError
            self._failed(exc)
            return None
        if not self.up:
            self.up = True
            self._down_logged = False
            log.warning("Redis is reachable again (%s); shared state catches up", self.safe_url)
            for callback in list(self.on_recovered):
                # A task: the callback may need what the caller holds (a flush lock).
                task = asyncio.get_running_loop().create_task(self._catch_up(callback))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return result

    async def _catch_up(self, callback: Callable[[], Awaitable[None]]) -> None:
        try:
            await callback()
        except Exception:
            log.exception("catching up with Redis failed")

    def _failed(self, exc: BaseException) -> None:
        self.up = False
        self._retry_at = self._clock() + RETRY_AFTER
        if not self._down_logged:
            self._down_logged = True
            log.warning("Redis at %s is unreachable (%s): serving with this replica's own state "
                        "until it is back", self.safe_url, type(exc).__name__)

    async def ping(self) -> bool:
        """True when Redis answers now (the readiness check); ignores ``skipping``."""
        try:
            async with asyncio.timeout(self.timeout):
                await self._client.ping()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._failed(exc)
            return False
        if not self.up:
            self._retry_at = 0.0
            await self.run(lambda c: c.ping())
        return True

    @property
    def safe_url(self) -> str:
        """The URL without its password (for logs)."""
        return redact(self.url)

    async def close(self) -> None:
        try:
            await self._client.aclose()
        except Exception:
            pass


_SECRET_PARAM = re.compile(r"pass|pwd|secret|token|auth|key", re.IGNORECASE)


def redact(url: str) -> str:
    """The Redis URL as it may be logged: no user or password, and no value
    of a query parameter that can carry one (redis-py also reads
    ``?password=``). Something that does not parse is not shown at all."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "(a Redis address that does not parse)"
    netloc = parts.netloc
    if parts.password is not None or parts.username is not None:
        netloc = "***@" + (parts.hostname or "") + (f":{port}" if port else "")
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
