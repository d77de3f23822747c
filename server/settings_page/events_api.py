"""Tell an open settings page when something changed, so it never shows an
old picture (the tray switched the route, Claude Code's settings file was
edited, a request finished).

``GET /settings/api/events``   a server-sent-events stream: one ``change``
                               event per change, ``{"what": ...}``
``GET /settings/api/changes``  the same facts as a small JSON snapshot, for
                               the page's short poll when the stream cannot
                               be used (it compares and re-fetches)

What feeds them:

* ``config``    the Gateway's listeners (``Gateway._notify``), which may be
  called from any thread (the tray's menu thread, a worker): the listener
  only hands the news over to each stream's event loop with
  ``call_soon_threadsafe``; it never touches asyncio objects itself.
* ``activity``  the newest entry of ``Gateway.activity`` (checked each second).
* ``claude``    whether Claude Code's settings file points at this instance
  (the file can change outside Switchboard; checked every two seconds).

A ``stopping`` notice from the Gateway's listeners ends every stream at once
(an open stream otherwise holds up Quit for Hypercorn's graceful timeout).

Both endpoints sit behind the page's guard like every other API call.
"""
from __future__ import annotations

import asyncio
import threading
import time
import weakref
from typing import Any, AsyncIterator

import orjson
from quart import Response

from server.gateway import Gateway
from server.routes.common import gateway
from server.settings_page import claude_code
from server.settings_page.common import bp, json_response

TICK = 1.0             # how often activity is looked at
CLAUDE_EVERY = 2.0     # how often Claude Code's settings file is looked at
HEARTBEAT = 15.0       # a comment line so dead connections are noticed
LIFETIME = 300.0       # the browser reconnects on its own after this
RETRY_MS = 1000        # how soon the browser reconnects
# A Gateway notice that the server is about to stop: open streams end at once
# instead of holding up the exit for Hypercorn's graceful timeout.
STOPPING = {"stopping", "shutdown"}


class Hub:
    """Fans the Gateway's change notices out to every open stream."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]] = set()
        self.version = 0

    def notify(self, what: str) -> None:
        """A Gateway listener: safe to call from any thread."""
        with self._lock:
            self.version += 1
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, what)
            except RuntimeError:  # that stream's loop has closed
                self.unsubscribe((loop, queue))

    def subscribe(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]:
        sub = (asyncio.get_running_loop(), asyncio.Queue[str](maxsize=100))
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: tuple[asyncio.AbstractEventLoop, asyncio.Queue[str]]) -> None:
        with self._lock:
            self._subscribers.discard(sub)


_hubs: "weakref.WeakKeyDictionary[Gateway, Hub]" = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def hub_for(gw: Gateway) -> Hub:
    with _hubs_lock:
        hub = _hubs.get(gw)
        if hub is None:
            hub = _hubs[gw] = Hub()
            gw.listeners.append(hub.notify)
        return hub


def activity_mark(gw: Gateway) -> list[Any]:
    """Changes whenever a request is recorded (the deque is capped, so its
    length alone stops changing)."""
    entries = gw.activity
    if not entries:
        return [0, 0.0]
    last = entries[-1]
    return [len(entries), last.time]


def _frame(what: str) -> bytes:
    return b"event: change\ndata: " + orjson.dumps({"what": what}) + b"\n\n"


@bp.get("/settings/api/events")
async def events() -> Response:
    gw = gateway()
    hub = hub_for(gw)

    async def stream() -> AsyncIterator[bytes]:
        sub = hub.subscribe()
        queue = sub[1]
        try:
            yield f"retry: {RETRY_MS}\n: hello\n\n".encode()
            mark = activity_mark(gw)
            claude = await claude_code.connected_now(gw)
            started = last_claude = last_beat = time.monotonic()
            while time.monotonic() - started < LIFETIME:
                news: list[str] = []
                try:
                    what = await asyncio.wait_for(queue.get(), TICK)
                    burst = {what}
                    while not queue.empty():  # a burst of notices is one change
                        burst.add(queue.get_nowait())
                    if burst & STOPPING:  # the server is going away: do not hold up its exit
                        yield _frame("stopping")
                        return
                    news.append(what)
                except asyncio.TimeoutError:
                    pass
                now_mark = activity_mark(gw)
                if now_mark != mark:
                    mark = now_mark
                    news.append("activity")
                if time.monotonic() - last_claude >= CLAUDE_EVERY:
                    last_claude = time.monotonic()
                    now_claude = await claude_code.connected_now(gw)
                    if now_claude != claude:
                        claude = now_claude
                        news.append("claude")
                if news:
                    yield b"".join(_frame(w) for w in news)
                    last_beat = time.monotonic()
                elif time.monotonic() - last_beat >= HEARTBEAT:
                    last_beat = time.monotonic()
                    yield b": still here\n\n"
        finally:
            hub.unsubscribe(sub)

    response = Response(stream(), status=200, content_type="text/event-stream; charset=utf-8",
                        headers={"x-accel-buffering": "no"})
    response.timeout = None
    return response


@bp.get("/settings/api/changes")
async def changes() -> Response:
    gw = gateway()
    return json_response({"version": hub_for(gw).version, "activity": activity_mark(gw),
                          "claude_connected": await claude_code.connected_now(gw)})
