"""Issue 13 item 7, the server side: change notices for an open settings page
(server-sent events fed by the Gateway's listeners, and the short-poll
snapshot), over real HTTP on 127.0.0.1."""
from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx

from server.gateway import ActivityEntry
from tests.server.settings_page.conftest import SettingsClient, openai_provider


def config(url: str) -> dict[str, Any]:
    return {"providers": {"up": openai_provider(url)},
            "routes": {"main": {"name": "Main", "default": "up/m1"}, "cheap": {"name": "Cheap", "default": "up/m2"}},
            "active_route": "main"}


class Stream:
    """Reads /settings/api/events on a thread; frames arrive on a queue."""

    def __init__(self, client: SettingsClient) -> None:
        self.frames: queue.Queue[Any] = queue.Queue()
        self.status: int | None = None
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._read, args=(client,), daemon=True)
        self.thread.start()

    def _read(self, client: SettingsClient) -> None:
        try:
            with client.http.stream("GET", "/settings/api/events", timeout=30) as r:
                self.status = r.status_code
                self.frames.put(("open", r.headers.get("content-type")))
                event = None
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: ") and event == "change":
                        self.frames.put(json.loads(line[6:])["what"])
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def next(self, timeout: float) -> Any:
        return self.frames.get(timeout=timeout)


def test_events_need_a_session(make_server, upstream):
    server = make_server(config(upstream.url))
    for path in ("events", "changes"):
        r = httpx.get(f"{server.url}/settings/api/{path}", headers={"origin": server.url})
        assert r.status_code == 401
        assert r.json()["error"]["details"]["code"] == "no_session"


def test_a_route_switch_from_another_thread_arrives_within_a_second(make_server, upstream):
    server = make_server(config(upstream.url))
    stream = Stream(SettingsClient(server))
    assert stream.next(5) == ("open", "text/event-stream; charset=utf-8")
    time.sleep(0.2)
    started = time.monotonic()
    # The tray's path: its own thread, through the Gateway.
    threading.Thread(target=server.gateway.switch_route, args=("cheap",)).start()
    assert stream.next(2) == "config"
    assert time.monotonic() - started < 1.0

    server.gateway.record(ActivityEntry(time.time(), "cheap", "up", "m2", 200, 12.0, 1, 2))
    assert stream.next(3) == "activity"


def test_a_stopping_notice_ends_the_stream_at_once(make_server, upstream):
    server = make_server(config(upstream.url))
    stream = Stream(SettingsClient(server))
    assert stream.next(5)[0] == "open"
    time.sleep(0.2)
    for listener in list(server.gateway.listeners):
        listener("stopping")
    assert stream.next(2) == "stopping"
    assert stream.ended.wait(2)


def test_the_poll_snapshot_changes_with_the_state(make_server, signed_in, upstream, claude_code):
    server = make_server(config(upstream.url))
    api = signed_in(server)
    first = api.get("changes")
    assert first["claude_connected"] is False
    server.gateway.switch_route("cheap")
    server.gateway.record(ActivityEntry(time.time(), "cheap", "up", "m2", 200, 12.0, 1, 2))
    # Connected means: this address and this instance's access key.
    claude_code.state = {"ANTHROPIC_BASE_URL": server.url, "ANTHROPIC_AUTH_TOKEN": server.gateway.access_key()}
    second = api.get("changes")
    assert second["version"] > first["version"]
    assert second["activity"] != first["activity"]
    assert second["claude_connected"] is True


def test_stopping_the_server_with_a_page_open_does_not_wait_for_the_stream(make_server, signed_in, upstream):
    """Quit with a settings page open: the server tells the page's stream to
    end instead of waiting out Hypercorn's 3 s graceful timeout."""
    server = make_server(config(upstream.url))
    stream = Stream(signed_in(server))
    assert stream.next(5)[0] == "open"
    started = time.monotonic()
    server.stop()
    took = time.monotonic() - started
    assert stream.ended.wait(2)
    assert took < 2.0, f"stopping took {took:.1f} s"
