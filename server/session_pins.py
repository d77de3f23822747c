"""A session stays where it landed (issue 21 §4).

After a fallback answered for a Claude Code session, that session's later
requests go to the same fallback target for a while (the route's
``sticky_minutes``, default 10; 0 turns it off): switching provider
mid-conversation loses the provider's prompt cache and invalidates thinking
signatures. The pin ends when it expires, or when the session starts a new
conversation (a request with a single message) while the primary target's
breaker is closed again.

A session is named by Claude Code's ``x-claude-code-session-id`` header, else
by the ``session_id`` inside ``metadata.user_id`` (a JSON string). Pins live
in memory, bounded; the clock is injectable.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import orjson

from server.providers.base import Target
from server.said import Said, Words

# Why a session stays on a fallback (the Activity screen words it, server/said.py).
REASONS = Words({
    "pins.reason.failed": "{primary} failed ({failure}); {target} answered",
    "pins.reason.skipped": "{primary} failed (skipped); {target} answered",
})


def fallback_reason(primary: Target, failure: str, target: Target) -> Said:
    """"a/m failed (529 overloaded_error); b/m answered"."""
    if failure:
        return REASONS("pins.reason.failed", primary=str(primary), failure=failure, target=str(target))
    return REASONS("pins.reason.skipped", primary=str(primary), target=str(target))

MAX_SESSIONS = 2000
_SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def session_of(header: str | None, body: dict[str, Any]) -> str | None:
    """The request's session id, validated (it reaches logs and the page)."""
    if header and _SESSION_ID.match(header):
        return header
    metadata = body.get("metadata")
    user_id = metadata.get("user_id") if isinstance(metadata, dict) else None
    if isinstance(user_id, str) and "session_id" in user_id:
        try:
            parsed = orjson.loads(user_id)
        except orjson.JSONDecodeError:
            return None
        sid = parsed.get("session_id") if isinstance(parsed, dict) else None
        if isinstance(sid, str) and _SESSION_ID.match(sid):
            return sid
    return None


def new_conversation(body: dict[str, Any]) -> bool:
    messages = body.get("messages")
    return isinstance(messages, list) and len(messages) <= 1


@dataclass(frozen=True)
class Pin:
    route: str
    primary: Target
    target: Target
    reason: Said | str    # a sentence; plain text when read from another instance (server/shared)
    since: float
    until: float


class SessionPins:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_sessions: int = MAX_SESSIONS) -> None:
        self._clock = clock
        self._max = max_sessions
        self._pins: OrderedDict[str, Pin] = OrderedDict()
        self._lock = threading.Lock()

    def order(self, session: str | None, route: str, targets: tuple[Target, ...], body: dict[str, Any],
              primary_open: Callable[[Target], bool]) -> tuple[Target, ...]:
        """``targets`` with the session's pinned target first, when it has one."""
        if session is None or not targets:
            return targets
        with self._lock:
            pin = self._pins.get(session)
            if pin is None:
                return targets
            if (pin.route != route or pin.until <= self._clock() or pin.primary != targets[0]
                    or (new_conversation(body) and not primary_open(pin.primary))):
                del self._pins[session]
                return targets
        if pin.target not in targets:
            return targets
        return (pin.target, *[t for t in targets if t != pin.target])

    def answered(self, session: str | None, route: str, primary: Target, target: Target,
                 sticky_seconds: float, reason: Said | str) -> None:
        """Record who answered: a fallback pins the session, the primary unpins it."""
        if session is None:
            return
        with self._lock:
            if target == primary or sticky_seconds <= 0:
                self._pins.pop(session, None)
                return
            now = self._clock()
            old = self._pins.get(session)
            if old is not None and old.target == target and old.route == route:
                # Still on the same fallback: the pin's time runs from the first answer.
                return
            self._pins[session] = Pin(route, primary, target, reason, now, now + sticky_seconds)
            self._pins.move_to_end(session)
            while len(self._pins) > self._max:
                self._pins.popitem(last=False)

    def get(self, session: str) -> Pin | None:
        with self._lock:
            return self._pins.get(session)

    def adopt(self, session: str, pin: Pin | None) -> None:
        """Take another replica's pin for ``session`` (team mode); None unpins."""
        with self._lock:
            if pin is None:
                self._pins.pop(session, None)
                return
            self._pins[session] = pin
            self._pins.move_to_end(session)
            while len(self._pins) > self._max:
                self._pins.popitem(last=False)

    def pinned(self) -> list[tuple[str, Pin]]:
        """Live pins, newest last (for the activity list)."""
        now = self._clock()
        with self._lock:
            return [(s, p) for s, p in self._pins.items() if p.until > now]
