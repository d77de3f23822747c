"""Several keys per provider: which key to use next, and which are resting.

A pure state machine (no I/O; the clock is injected) shared by the request
path (server/dispatch.py tries the keys of one target in turn), the tray's
status line and the settings page. Thread-safe: requests run on the event
loop, the settings page and the tray read from other threads.

A key rests ("cools down") after the provider refused it:

* 429 rate limit: for the provider's ``retry-after`` (else ``RATE_DEFAULT``);
* quota or billing exhausted (402, or an ``insufficient_quota``-style code):
  until the next UTC day, or until the person resets it;
* 401/403: until the person fixes the key (a reset, or a new key saved).

Keys are named by their name ("work") or their position ("key 2"): a key's
value never enters this module.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from server.config import KeyRef, ProviderConfig
from server.errors import KeysExhausted, SwitchboardError
from server.said import Said, Words

RATE = "rate_limited"
QUOTA = "out_of_quota"
REFUSED = "refused"
MISSING = "missing"

RATE_DEFAULT = 60.0    # seconds a rate-limited key rests without a retry-after
RATE_MAX = 3600.0      # a retry-after beyond this is taken as an hour
QUOTA_CODES = frozenset({
    "insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "quota_exceeded",
    "insufficient_credits", "credits_exhausted", "billing_error", "payment_required",
})
_WORDS = {RATE: "rate limited", QUOTA: "out of quota", REFUSED: "refused by the provider",
          MISSING: "not set"}
# The tray's line while a key rests, in the person's language (server/said.py).
STATUS = Words({
    "keys.status." + RATE: "{provider}: key '{rested}' rate limited, using '{used}'",
    "keys.status." + QUOTA: "{provider}: key '{rested}' out of quota, using '{used}'",
    "keys.status." + REFUSED: "{provider}: key '{rested}' refused by the provider, using '{used}'",
    "keys.status." + MISSING: "{provider}: key '{rested}' not set, using '{used}'",
}, shown_by=("tray",))


def classify(error: SwitchboardError) -> str | None:
    """Why ``error`` is the key's fault (RATE, QUOTA, REFUSED), or None when
    another key would not help."""
    code = str(getattr(error, "code", "") or "").lower()
    if error.status == 402 or code in QUOTA_CODES:
        return QUOTA
    if error.status in (401, 403):
        return REFUSED
    if error.status == 429:
        return RATE
    return None


def retry_after_seconds(error: SwitchboardError) -> float | None:
    value = error.headers.get("retry-after") if error.headers else None
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class KeySlot:
    index: int    # 0-based position in the provider's list
    ref: str      # the reference (keyring, keyring#2, env:NAME): never the value
    name: str     # what people see: the given name, else "key 2"


@dataclass
class _Rest:
    reason: str
    until: float | None  # None: until reset


def next_utc_midnight(now: float) -> float:
    day = dt.datetime.fromtimestamp(now, dt.timezone.utc).date() + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


class KeyPool:
    def __init__(self, provider_name: str, keys: Iterable[KeyRef], order: str = "order",
                 clock: Callable[[], float] = time.time) -> None:
        self.provider_name = provider_name
        self.slots = tuple(KeySlot(i, k.ref, k.name or f"key {i + 1}") for i, k in enumerate(keys))
        self.order = order
        self._clock = clock
        self._lock = threading.Lock()
        self._rest: dict[str, _Rest] = {}
        self._next = 0            # round robin: where the next request starts
        self.last_used: KeySlot | None = None
        self.last_switch: tuple[KeySlot, str, KeySlot] | None = None  # (rested, why, used)

    def _resting(self, slot: KeySlot, now: float) -> _Rest | None:
        rest = self._rest.get(slot.ref)
        if rest is not None and rest.until is not None and rest.until <= now:
            del self._rest[slot.ref]
            return None
        return rest

    def candidates(self) -> list[KeySlot]:
        """The keys to try for one request, in order; resting keys left out."""
        with self._lock:
            now = self._clock()
            ready = [s for s in self.slots if self._resting(s, now) is None]
            if self.order == "round_robin" and ready:
                start = self._next % len(self.slots)
                ready = sorted(ready, key=lambda s: (s.index - start) % len(self.slots))
                self._next = (ready[0].index + 1) % len(self.slots)
            return ready

    def cool(self, slot: KeySlot, reason: str, retry_after: float | None = None) -> None:
        with self._lock:
            now = self._clock()
            if reason == RATE:
                until: float | None = now + min(RATE_MAX, RATE_DEFAULT if retry_after is None else retry_after)
            elif reason == QUOTA:
                until = next_utc_midnight(now)
            else:
                until = None
            self._rest[slot.ref] = _Rest(reason, until)

    def answered(self, slot: KeySlot, rested: list[tuple[KeySlot, str]]) -> None:
        """``slot`` answered after the keys in ``rested`` were refused."""
        with self._lock:
            self.last_used = slot
            if rested:
                self.last_switch = (rested[-1][0], rested[-1][1], slot)
            elif self.last_switch is not None and self._rest.get(self.last_switch[0].ref) is None:
                self.last_switch = None  # the rested key is back

    def reset(self, ref: str | None = None) -> None:
        """The person fixed a key (or all): it is tried again at once."""
        with self._lock:
            if ref is None:
                self._rest.clear()
            else:
                self._rest.pop(ref, None)
            if self.last_switch is not None and self._rest.get(self.last_switch[0].ref) is None:
                self.last_switch = None

    def state(self) -> list[dict[str, object]]:
        """Per key: name, reference, and whether and until when it rests."""
        with self._lock:
            now = self._clock()
            out = []
            for s in self.slots:
                rest = self._resting(s, now)
                out.append({"name": s.name, "ref": s.ref, "resting": rest.reason if rest else "",
                            "until": rest.until if rest else None})
            return out

    def status_text(self) -> Said | None:
        """The tray's line while a key rests: "OpenAI: key 'work' rate
        limited, using 'personal'"; None when every key is fine."""
        with self._lock:
            now = self._clock()
            switch = self.last_switch
            if switch is None or self._resting(switch[0], now) is None:
                return None
            rested, why, used = switch
            code = "keys.status." + why
            return STATUS(code if code in STATUS else "keys.status." + REFUSED,
                          provider=self.provider_name, rested=rested.name, used=used.name)

    def exhausted(self, last: SwitchboardError | None) -> KeysExhausted:
        """The error when no key is left: which keys rest, why, until when."""
        with self._lock:
            now = self._clock()
            parts, soonest, any_rate = [], None, False
            for s in self.slots:
                rest = self._resting(s, now)
                if rest is None:
                    continue
                words = f"'{s.name}' {_WORDS.get(rest.reason, rest.reason)}"
                if rest.reason == RATE and rest.until is not None:
                    wait = max(1, round(rest.until - now))
                    words += f" (for about {wait} s)"
                    soonest = wait if soonest is None else min(soonest, wait)
                    any_rate = True
                elif rest.reason == QUOTA:
                    words += " until tomorrow (UTC)"
                    any_rate = True
                parts.append(words)
        advice = ("Wait, or add another key in Switchboard's settings (Providers)" if any_rate else
                  "Check the keys in Switchboard's settings (Providers): replace or remove the refused ones")
        message = f"{self.provider_name}: every key is resting: {', '.join(parts) or 'no key is set'}. {advice}."
        status = 429 if any_rate else (last.status if last is not None and last.status in (401, 403) else 401)
        headers = {"retry-after": str(soonest)} if soonest is not None else None
        return KeysExhausted(message, status=status, headers=headers)


class KeyPools:
    """One pool per provider with more than one key; a config change keeps
    the rest state of keys whose reference did not change."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._pools: dict[str, KeyPool] = {}

    def pool(self, pconf: ProviderConfig) -> KeyPool | None:
        keys = pconf.keys
        if len(keys) < 2:
            return None
        with self._lock:
            pool = self._pools.get(pconf.id)
            wanted = tuple((k.ref, k.name) for k in keys)
            if pool is None or tuple((s.ref, s.name) for s in pool.slots) != wanted \
                    or pool.order != pconf.key_order or pool.provider_name != pconf.display_name:
                old = pool
                pool = KeyPool(pconf.display_name, keys, pconf.key_order, self.clock)
                if old is not None:
                    pool._rest = {r: v for r, v in old._rest.items() if r in {k.ref for k in keys}}
                self._pools[pconf.id] = pool
            return pool

    def forget_refused(self) -> None:
        """The config was saved (a key may have been replaced): refused keys
        are tried again; rate-limited and out-of-quota keys keep resting."""
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            with pool._lock:
                pool._rest = {r: v for r, v in pool._rest.items() if v.reason not in (REFUSED, MISSING)}

    def existing(self, provider_id: str) -> KeyPool | None:
        with self._lock:
            return self._pools.get(provider_id)

    def status_text(self) -> Said | None:
        with self._lock:
            pools = list(self._pools.values())
        status: Said | None = None
        for said in reversed([s for s in (p.status_text() for p in pools) if s]):
            status = said if status is None else said.and_then(status)
        return status
