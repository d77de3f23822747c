"""What replicas share: breakers, session pins, usage counters, activity.

Each replica keeps its own state (the dispatcher's breakers, the session
pins, the activity deque) exactly as on the desktop; this layer copies it to
and from Redis around a request:

- ``before``: one pipelined round trip reads the breakers of the request's
  targets, the session's pin and (for a member with limits) the member's
  usage today and this month, and installs them locally;
- ``after``: what changed (a breaker opened or closed, a pin set or dropped)
  is written back; a request that changed nothing writes nothing;
- usage and activity are queued and written by a background loop every
  ``FLUSH_EVERY`` seconds (a non-streamed answer's usage is written before
  its answer leaves). Each usage record carries its request id and is
  counted once (a Lua script: ``SET id NX`` then the increments), so
  re-sending after a timeout or an outage never counts twice.

Without Redis (``store`` None) only the local usage counters are kept, for
member limits on one machine.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import time
from collections import defaultdict, deque
from dataclasses import asdict
from typing import Any, Callable

from server.errors import SwitchboardError
from server.providers.base import Target
from server.session_pins import Pin, SessionPins
from server.shared.members import REDIS_HASH, REDIS_SECRET, SECRET_ENV, Member, MemberIndex
from server.shared.store import RedisStore

log = logging.getLogger("switchboard")

FLUSH_EVERY = 0.25
PULL_ACTIVITY_EVERY = 1.0
MAX_PENDING = 100_000
ACTIVITY_KEPT = 200
SEEN_TTL = 3 * 86400

_COUNT_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  for i = 2, #KEYS do
    redis.call('HINCRBY', KEYS[i], 'requests', 1)
    redis.call('HINCRBY', KEYS[i], 'tokens', ARGV[2])
    redis.call('HINCRBY', KEYS[i], 'usd_micros', ARGV[3])
    redis.call('HINCRBY', KEYS[i], 'input_tokens', ARGV[4])
    redis.call('HINCRBY', KEYS[i], 'output_tokens', ARGV[5])
    redis.call('EXPIRE', KEYS[i], ARGV[6])
  end
  return 1
end
return 0
"""


class LimitReached(SwitchboardError):
    status = 429
    error_type = "rate_limit_error"


def day_key(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y%m%d")


def month_key(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y%m")


def price_of(config_raw: dict[str, Any], target: Target, input_tokens: int, output_tokens: int) -> float:
    """USD for a request from ``providers.<id>.prices.<model>`` ({"input": $/Mtok,
    "output": $/Mtok}) in the config; 0 when no price is given."""
    try:
        price = config_raw["providers"][target.provider_id]["prices"][target.model]
        return (input_tokens * float(price.get("input", 0)) + output_tokens * float(price.get("output", 0))) / 1e6
    except (KeyError, TypeError, AttributeError, ValueError):
        return 0.0


class Usage:
    """A member's counted usage for one period."""
    __slots__ = ("requests", "tokens", "usd_micros")

    def __init__(self, requests: int = 0, tokens: int = 0, usd_micros: int = 0) -> None:
        self.requests, self.tokens, self.usd_micros = requests, tokens, usd_micros

    @property
    def usd(self) -> float:
        return self.usd_micros / 1e6


class SharedState:
    def __init__(self, store: RedisStore | None, dispatcher: Any, pins: SessionPins,
                 members: MemberIndex, *, activity: deque | None = None, entry_type: Any = None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.dispatcher = dispatcher
        self.pins = pins
        self.members = members
        self.activity = activity
        self.entry_type = entry_type
        self._clock = clock
        self._wall = wall
        self._pending_usage: deque[tuple[str, str, int, int, int, int, float]] = deque(maxlen=MAX_PENDING)
        self._pending_activity: deque[str] = deque(maxlen=ACTIVITY_KEPT)
        # Local counters (member, period key) -> Usage: what this replica counted.
        self.local: dict[tuple[str, str], Usage] = defaultdict(Usage)
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        if store is not None:
            dispatcher.changed = set()
            store.on_recovered.append(self.flush)

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        if self.store is not None:
            await self.refresh_members()
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self.store is not None:
            await self.flush()
            await self.store.close()

    async def _loop(self) -> None:
        last_members = 0.0
        last_pull = 0.0
        while True:
            await asyncio.sleep(FLUSH_EVERY)
            try:
                await self.flush()
                now = self._clock()
                if now - last_members >= 0.5:
                    last_members = now
                    await self.refresh_members()
                if now - last_pull >= PULL_ACTIVITY_EVERY:
                    last_pull = now
                    await self._pull_activity()
            except Exception:  # the loop must outlive any one problem
                log.exception("shared state loop")

    async def refresh_members(self) -> None:
        assert self.store is not None
        env_secret = os.environ.get(SECRET_ENV)

        async def read(c: Any) -> Any:
            pipe = c.pipeline(transaction=False)
            pipe.hgetall(REDIS_HASH)
            pipe.get(REDIS_SECRET)
            return await pipe.execute()

        result = await self.store.run(read)
        if result is None:
            return  # Redis down: keep the list we have
        raw, secret = result
        self.members.set_secret(env_secret.encode() if env_secret else (secret.strip() if secret else None))
        self.members.replace(Member.from_json(v) for v in raw.values())

    # -- around a request -----------------------------------------------------------
    async def before(self, targets: tuple[Target, ...], session: str | None, member: Member | None) -> None:
        """Install the shared view of this request's breakers and pin; raise
        LimitReached when ``member`` used up a limit. Any other problem
        leaves the local state as it is (never an error for the client)."""
        try:
            await self._before(targets, session, member)
        except SwitchboardError:
            raise
        except Exception:
            log.exception("reading the shared state failed; this replica's own state is used")

    async def _before(self, targets: tuple[Target, ...], session: str | None, member: Member | None) -> None:
        now = self._wall()
        usage: tuple[Usage, Usage] | None = None
        if self.store is not None:
            keys = self.store.key
            limited = member is not None and member.limited

            async def read(c: Any) -> Any:
                pipe = c.pipeline(transaction=False)
                for t in targets:
                    pipe.get(keys("breaker", "fail", str(t)))
                    pipe.pttl(keys("breaker", "open", str(t)))
                if session is not None:
                    pipe.get(keys("pin", session))
                    pipe.pttl(keys("pin", session))
                if limited:
                    pipe.hgetall(keys("usage", member.name, "d", day_key(now)))
                    pipe.hgetall(keys("usage", member.name, "m", month_key(now)))
                return await pipe.execute()

            result = await self.store.run(read)
            if result is not None:
                unsent = self.dispatcher.changed or ()
                for i, t in enumerate(targets):
                    if t in unsent:
                        continue  # this replica's news, not yet written: it wins
                    fail, pttl = result[2 * i], result[2 * i + 1]
                    self.dispatcher.adopt(t, int(fail or 0), max(pttl, 0) / 1000)
                rest = result[2 * len(targets):]
                if session is not None:
                    self._adopt_pin(session, rest[0], rest[1])
                    rest = rest[2:]
                if limited:
                    usage = (_usage(rest[0]), _usage(rest[1]))
                    # What this replica counted but has not written yet.
                    for u, period in ((usage[0], "d" + day_key(now)), (usage[1], "m" + month_key(now))):
                        for pending in self._pending_for(member.name, period):
                            u.tokens += pending[0]
                            u.usd_micros += pending[1]
        if member is not None and member.limited:
            if usage is None:  # no Redis, or Redis down: what this replica counted
                usage = (self.local[(member.name, "d" + day_key(now))], self.local[(member.name, "m" + month_key(now))])
            check_limits(member, *usage)

    def _pending_for(self, member: str, period: str) -> list[tuple[int, int]]:
        out = []
        for name, _rid, tokens, usd_micros, _i, _o, when in list(self._pending_usage):
            if name == member and ("d" + day_key(when) == period or "m" + month_key(when) == period):
                out.append((tokens, usd_micros))
        return out

    def _adopt_pin(self, session: str, raw: bytes | None, pttl: int) -> None:
        if raw is None or pttl <= 0:
            local = self.pins.get(session)
            if local is not None and self.store is not None and self.store.up:
                self.pins.adopt(session, None)  # unpinned (or expired) elsewhere
            return
        try:
            data = json.loads(raw)
            now = self._clock()
            pin = Pin(data["route"], _target(data["primary"]), _target(data["target"]), data["reason"],
                      now - max(0.0, self._wall() - float(data["since"])), now + pttl / 1000)
        except (ValueError, KeyError, TypeError):
            return
        self.pins.adopt(session, pin)

    async def after(self, session: str | None, pin_before: Pin | None) -> None:
        """Write back what this request changed (nothing, usually)."""
        try:
            await self._after(session, pin_before)
        except Exception:
            log.exception("writing the shared state failed")

    async def _after(self, session: str | None, pin_before: Pin | None) -> None:
        if self.store is None:
            return
        changed = self.dispatcher.changed
        pin_now = self.pins.get(session) if session is not None else None
        pin_changed = session is not None and pin_now is not pin_before
        if not changed and not pin_changed:
            return
        targets = list(changed)
        changed.clear()
        keys = self.store.key
        now = self._clock()
        breakers = self.dispatcher.breakers

        async def write(c: Any) -> Any:
            pipe = c.pipeline(transaction=False)
            for t in targets:
                b = breakers.get(t)
                if b is None:
                    pipe.delete(keys("breaker", "fail", str(t)), keys("breaker", "open", str(t)))
                    continue
                pipe.set(keys("breaker", "fail", str(t)), b.failures, px=120_000)
                remaining = b.open_until - now
                if remaining > 0:
                    pipe.set(keys("breaker", "open", str(t)), "1", px=max(1, int(remaining * 1000)))
            if pin_changed:
                if pin_now is None:
                    pipe.delete(keys("pin", session))
                else:
                    remaining = pin_now.until - now
                    if remaining > 0:
                        pipe.set(keys("pin", session), json.dumps({
                            "route": pin_now.route, "primary": str(pin_now.primary),
                            "target": str(pin_now.target), "reason": str(pin_now.reason),
                            "since": self._wall() - (now - pin_now.since)}), px=max(1, int(remaining * 1000)))
            return await pipe.execute()

        if await self.store.run(write) is None:
            changed.update(targets)  # written when Redis is back (next request's after)

    # -- usage and activity ---------------------------------------------------------
    def count(self, request_id: str, member: str | None, target: Target, input_tokens: int,
              output_tokens: int, usd: float) -> None:
        """Count one answered request (once, whatever happens to Redis)."""
        name = member or "-"
        now = self._wall()
        tokens = input_tokens + output_tokens
        micros = int(round(usd * 1e6))
        for period in ("d" + day_key(now), "m" + month_key(now)):
            u = self.local[(name, period)]
            u.requests += 1
            u.tokens += tokens
            u.usd_micros += micros
        if self.store is not None:
            self._pending_usage.append((name, request_id, tokens, micros, input_tokens, output_tokens, now))

    def note_activity(self, entry: Any) -> None:
        if self.store is not None:
            self._pending_activity.append(json.dumps(asdict(entry)))

    async def flush(self) -> None:
        """Write queued usage and activity; what cannot be written stays queued.
        One flush at a time: each writes everything queued when it starts."""
        async with self._flush_lock:
            await self._flush()

    async def _flush(self) -> None:
        store = self.store
        if store is None or (not self._pending_usage and not self._pending_activity):
            return
        usage = list(self._pending_usage)
        activity = list(self._pending_activity)
        keys = store.key

        async def write(c: Any) -> Any:
            pipe = c.pipeline(transaction=False)
            for name, rid, tokens, micros, inp, out, when in usage:
                pipe.eval(_COUNT_ONCE, 3, keys("usage", "seen", rid), keys("usage", name, "d", day_key(when)),
                          keys("usage", name, "m", month_key(when)), SEEN_TTL, tokens, micros, inp, out,
                          40 * 86400)
            if activity:
                pipe.lpush(keys("activity"), *activity)
                pipe.ltrim(keys("activity"), 0, ACTIVITY_KEPT - 1)
            return await pipe.execute()

        if await store.run(write) is None:
            return
        for _ in usage:
            if self._pending_usage:
                self._pending_usage.popleft()
        for _ in activity:
            if self._pending_activity:
                self._pending_activity.popleft()

    async def flush_now(self) -> None:
        """Write queued usage before an answer leaves (bounded wait)."""
        if self.store is None or self.store.skipping or not self._pending_usage:
            return
        try:
            async with asyncio.timeout(self.store.timeout * 3):
                await self.flush()
        except Exception:  # never an error for the client because of Redis
            log.debug("usage flush before the answer did not finish", exc_info=True)

    async def _pull_activity(self) -> None:
        """Replace the local feed with the shared one (every replica's answers)."""
        if self.store is None or self.activity is None or self.entry_type is None:
            return
        raw = await self.store.run(lambda c: c.lrange(self.store.key("activity"), 0, ACTIVITY_KEPT - 1))
        if raw is None or self.activity is None:
            return
        entries = []
        for item in reversed(raw):
            try:
                entries.append(self.entry_type(**json.loads(item)))
            except (ValueError, TypeError):
                continue
        self.activity.clear()
        self.activity.extend(entries)

    async def usage_of(self, member: str, *, now: float | None = None) -> tuple[Usage, Usage]:
        """(today, this month) for ``member`` ("-" for the admin key): from
        Redis when reachable, else this replica's own counts."""
        now = self._wall() if now is None else now
        d, m = "d" + day_key(now), "m" + month_key(now)
        if self.store is not None:
            keys = self.store.key

            async def read(c: Any) -> Any:
                pipe = c.pipeline(transaction=False)
                pipe.hgetall(keys("usage", member, "d", day_key(now)))
                pipe.hgetall(keys("usage", member, "m", month_key(now)))
                return await pipe.execute()

            result = await self.store.run(read)
            if result is not None:
                return _usage(result[0]), _usage(result[1])
        return self.local[(member, d)], self.local[(member, m)]


def check_limits(member: Member, day: Usage, month: Usage) -> None:
    checks = (("daily", "usd", member.daily_usd, day.usd), ("monthly", "usd", member.monthly_usd, month.usd),
              ("daily", "tokens", member.daily_tokens, day.tokens),
              ("monthly", "tokens", member.monthly_tokens, month.tokens))
    for period, unit, limit, used in checks:
        if limit is not None and used >= limit:
            amount = f"${limit:g}" if unit == "usd" else f"{limit} tokens"
            spent = f"${used:.2f}" if unit == "usd" else f"{used} tokens"
            when = "at midnight UTC" if period == "daily" else "on the 1st of the month (UTC)"
            raise LimitReached(
                f"The key of member {member.name!r} reached its {period} limit of {amount} "
                f"(used {spent}). It resets {when}; ask the gateway's admin to raise the limit "
                f"(switchboard keys limit {member.name} --{period}-{unit} ...).")


def _usage(raw: dict[bytes, bytes] | None) -> Usage:
    raw = raw or {}
    return Usage(int(raw.get(b"requests", 0)), int(raw.get(b"tokens", 0)), int(raw.get(b"usd_micros", 0)))


def _target(text: str) -> Target:
    provider, _, model = text.partition("/")
    return Target(provider, model)
