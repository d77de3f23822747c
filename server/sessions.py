"""The live Claude Code sessions, and the route each one chose (issue 16 §3).

A session is named by Claude Code's ``x-claude-code-session-id`` header, or
the ``session_id`` in ``metadata.user_id`` (server/session_pins.session_of).
For each session seen in the last ``KEEP_SECONDS``: its working directory
(from the ``Working directory:`` line Claude Code states; for display
only, never trusted), first and last seen, the route address it came
in on, the route and ``provider/model`` that last answered, requests and
tokens.

The person can move one session to another route (``choose``): that
session's next requests go there, the others are untouched. Precedence for a
request: an explicit ``provider/model`` (or ``claude-route-…`` /
``claude-model-…`` id) in the request > the session's own choice > the route
address it came in on (``/r/<route>``) > the active route.

In memory, bounded (``MAX_SESSIONS``, the oldest dropped first), with an
injectable clock. Recording is a dict update under a lock: the request path
pays microseconds, and the working directory is looked for only until found.
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any, Callable

MAX_SESSIONS = 200
KEEP_SECONDS = 6 * 3600.0
LOOK_FOR_CWD = 3          # requests whose system prompt is searched for the working directory
_CWD = re.compile(r"[Ww]orking directory:[ \t]*([^\n\r]{1,400})")
_MARK = "orking directory:"


@dataclass(frozen=True)
class Session:
    id: str
    first_seen: float
    last_seen: float
    cwd: str | None = None
    address_route: str | None = None   # the route address it came in on (/r/<route>), if any
    chosen_route: str | None = None    # the person's choice for this session, if any
    route: str | None = None           # the route that last answered ("-": none)
    target: str | None = None          # provider/model that last answered
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


def working_directory(body: dict[str, Any]) -> str | None:
    """The working directory Claude Code states (display only): the
    ``Working directory:`` line of its system prompt, or the ``Primary
    working directory:`` line of the environment block newer versions send
    as an early ``system`` message."""
    texts: list[str] = []
    _texts(body.get("system"), texts)
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages[:4]:
            if isinstance(message, dict):
                _texts(message.get("content"), texts)
    for text in texts:
        if _MARK not in text:
            continue
        match = _CWD.search(text)
        if match:
            value = "".join(ch for ch in match.group(1).strip() if ch.isprintable())
            return value or None
    return None


def _texts(content: Any, out: list[str]) -> None:
    if isinstance(content, str):
        out.append(content)
    elif isinstance(content, list):
        out.extend(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))


class Sessions:
    def __init__(self, clock: Callable[[], float] = time.time, *, max_sessions: int = MAX_SESSIONS,
                 keep_seconds: float = KEEP_SECONDS, on_new: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._on_new = on_new  # a session appeared (the tray's Sessions menu follows)
        self._max = max_sessions
        self._keep = keep_seconds
        self._items: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.version = 0  # changes with every recorded request or choice (the page's live view)

    # -- the request path ----------------------------------------------------------
    def seen(self, sid: str | None, body: dict[str, Any], address_route: str | None) -> str | None:
        """Record a request of session ``sid``; return the route it chose (if any)."""
        if sid is None:
            return None
        now = self._clock()
        with self._lock:
            old = self._items.get(sid)
            new = old is None or now - old.last_seen > self._keep
            if new:
                old = Session(sid, now, now)
            cwd = old.cwd
            if cwd is None and old.requests < LOOK_FOR_CWD:
                cwd = working_directory(body)
            self._items[sid] = replace(old, last_seen=now, cwd=cwd, address_route=address_route,
                                       requests=old.requests + 1)
            self._items.move_to_end(sid)
            self._trim(now)
            self.version += 1
            chosen = old.chosen_route
        if new and self._on_new is not None:
            self._on_new()
        return chosen

    def answered(self, sid: str | None, route: str, target: str, usage: dict[str, Any]) -> None:
        """Who answered the session's request, and its tokens."""
        if sid is None:
            return
        with self._lock:
            old = self._items.get(sid)
            if old is None:
                return
            self._items[sid] = replace(old, route=route, target=target,
                                       input_tokens=old.input_tokens + _count(usage.get("input_tokens")),
                                       output_tokens=old.output_tokens + _count(usage.get("output_tokens")))
            self.version += 1

    def choice(self, sid: str | None) -> str | None:
        if sid is None:
            return None
        with self._lock:
            found = self._items.get(sid)
            return found.chosen_route if found is not None else None

    # -- the settings page -----------------------------------------------------------
    def choose(self, sid: str, route_id: str | None) -> bool:
        """Send session ``sid``'s next requests to ``route_id`` (None: no
        choice of its own any more). False when no such live session."""
        with self._lock:
            found = self._items.get(sid)
            if found is None or self._clock() - found.last_seen > self._keep:
                return False
            self._items[sid] = replace(found, chosen_route=route_id)
            self.version += 1
            return True

    def live(self) -> list[Session]:
        """Sessions seen within the last hours, most recent first."""
        now = self._clock()
        with self._lock:
            self._trim(now)
            return list(reversed(self._items.values()))

    def _trim(self, now: float) -> None:
        while self._items:
            sid, oldest = next(iter(self._items.items()))
            if len(self._items) > self._max or now - oldest.last_seen > self._keep:
                del self._items[sid]
            else:
                break


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0
