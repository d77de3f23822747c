"""Send a call to its targets: retries, fallback, a small circuit breaker.

Only before the first byte reaches the client (issue 4 §3): ``send`` returns
once a provider answered 2xx, and after that a failure travels in the stream
as an ``event: error``. For each target, a connection failure, a timeout
before headers, 429, 5xx or 529 is retried with backoff that honours
``retry-after`` (at most 2 retries, at most 30 s of waiting in all), then the
next target is tried. Any other 4xx is the request's fault and is raised at
once. A target that failed ``BREAKER_FAILURES`` times in a row is skipped for
``BREAKER_COOLDOWN`` seconds (unless it is the only one left).

A target whose provider has several keys (server/key_pool.py) tries them
first: a key refused with 429, a quota error or 401/403 rests and the same
request goes at once to the next key; when none is left the next target is
tried (``KeysExhausted``).
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from server import key_pool
from server.errors import ConnectionFailed, SwitchboardError
from server.providers.base import Call, Reply, Target

MAX_RETRIES = 2
MAX_TOTAL_WAIT = 30.0
BASE_BACKOFF = 0.5
BREAKER_FAILURES = 3
BREAKER_COOLDOWN = 60.0


def retryable(error: SwitchboardError) -> bool:
    if error.final:
        return False
    return isinstance(error, ConnectionFailed) or error.status == 429 or error.status >= 500


def retry_delay(error: SwitchboardError, attempt: int) -> float:
    header = error.headers.get("retry-after") if error.headers else None
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    return BASE_BACKOFF * (2 ** attempt)


@dataclass
class Breaker:
    failures: int = 0
    open_until: float = 0.0


@dataclass
class Dispatcher:
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    breakers: dict[Target, Breaker] = field(default_factory=dict)
    # (target, outcome) of every attempt, newest last; the tray shows the
    # latest failure, tests read the order.
    attempts: list[tuple[Target, str]] = field(default_factory=list)
    # Team mode (server/shared): targets whose breaker changed, for Redis.
    changed: set[Target] | None = None

    def is_open(self, target: Target) -> bool:
        b = self.breakers.get(target)
        return b is not None and b.open_until > self.clock()

    def open_targets(self) -> list[Target]:
        return [t for t in self.breakers if self.is_open(t)]

    def last_failure(self, target: Target) -> str:
        """Why ``target`` last failed, in words ("529 overloaded_error"), or ""."""
        for t, outcome in reversed(self.attempts):
            if t == target and outcome != "ok":
                return outcome
        return ""

    def _note(self, target: Target, outcome: str) -> None:
        self.attempts.append((target, outcome))
        del self.attempts[:-200]

    def _failed(self, target: Target) -> None:
        b = self.breakers.setdefault(target, Breaker())
        b.failures += 1
        if b.failures >= BREAKER_FAILURES:
            b.open_until = self.clock() + BREAKER_COOLDOWN
        if self.changed is not None:
            self.changed.add(target)

    def _succeeded(self, target: Target) -> None:
        if self.breakers.pop(target, None) is not None and self.changed is not None:
            self.changed.add(target)

    def adopt(self, target: Target, failures: int, open_for: float) -> None:
        """Take another replica's view of ``target`` (team mode): its
        failures in a row and how many seconds it stays open."""
        if failures <= 0 and open_for <= 0:
            self.breakers.pop(target, None)
            return
        b = self.breakers.setdefault(target, Breaker())
        b.failures = failures
        b.open_until = self.clock() + open_for if open_for > 0 else 0.0

    async def _with_keys(self, pool: key_pool.KeyPool, target: Target,
                         attempt: Callable[..., Awaitable[Reply]]) -> Reply:
        """One attempt at ``target``, key after key until one answers."""
        rested: list[tuple[key_pool.KeySlot, str]] = []
        last: SwitchboardError | None = None
        for slot in pool.candidates():
            try:
                reply = await attempt(target, slot)
            except SwitchboardError as exc:
                why = key_pool.classify(exc)
                if why is None:
                    raise
                pool.cool(slot, why, key_pool.retry_after_seconds(exc))
                self._note(target, f"{exc.status} {exc.error_type} (key '{slot.name}' {why.replace('_', ' ')})")
                rested.append((slot, why))
                last = exc
                continue
            pool.answered(slot, rested)
            reply.key = slot.name
            return reply
        raise pool.exhausted(last)

    async def send(self, targets: tuple[Target, ...], attempt: Callable[..., Awaitable[Reply]],
                   keys: Callable[[Target], key_pool.KeyPool | None] | None = None) -> tuple[Reply, Target]:
        """``attempt(target)``, or ``attempt(target, key slot)`` for a target
        whose provider has a key pool (``keys`` returns it)."""
        live = [t for t in targets if not self.is_open(t)] or list(targets[-1:])
        waited = 0.0
        last: SwitchboardError | None = None
        for target in live:
            for n in range(MAX_RETRIES + 1):
                try:
                    pool = keys(target) if keys is not None else None
                    reply = await (self._with_keys(pool, target, attempt) if pool else attempt(target))
                except SwitchboardError as exc:
                    last = exc
                    self._note(target, f"{exc.status} {exc.error_type}")
                    if exc.next_target:
                        break
                    if not retryable(exc):
                        raise
                    self._failed(target)
                    delay = retry_delay(exc, n)
                    if n == MAX_RETRIES or waited + delay > MAX_TOTAL_WAIT or self.is_open(target):
                        break
                    waited += delay
                    await self.sleep(delay)
                    continue
                self._note(target, "ok")
                self._succeeded(target)
                return reply, target
        assert last is not None
        raise last


def call_for(body: dict[str, Any], target: Target, meta: dict[str, Any]) -> Call:
    return Call(request=body, model=target.model, stream=bool(body.get("stream")),
                requested_model=body["model"], **meta)
