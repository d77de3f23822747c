"""Hypercorn on an asyncio loop: in the main thread (``python -m server``) or
in a background thread under the tray (``ServerThread``).

``serve()`` needs a ``shutdown_trigger`` off the main thread (without one it
installs signal handlers and fails with "set_wakeup_fd only works in main
thread"); ``stop()`` sets it through ``loop.call_soon_threadsafe``.
Hypercorn's ``serve`` runs one process, no worker pool.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from server.loop import new_event_loop

log = logging.getLogger("switchboard")


def hypercorn_config(host: str, port: int, *, graceful_timeout: float = 3.0) -> HypercornConfig:
    cfg = HypercornConfig()
    cfg.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    cfg.accesslog = None
    cfg.errorlog = logging.getLogger("hypercorn.error")
    cfg.graceful_timeout = graceful_timeout  # streams in flight get this long
    cfg.keep_alive_timeout = 75
    cfg.h11_max_incomplete_size = 64 * 1024
    return cfg


def announce_address(app: Any, host: str, port: int) -> None:
    """Tell the app's gateway where it serves, as the server starts (before
    the first request): Claude Code's settings follow a moved address."""
    gateway = getattr(app, "config", {}).get("GATEWAY")
    if gateway is None:
        return

    @app.before_serving
    async def _address() -> None:
        try:
            await asyncio.to_thread(gateway.set_serving_address, host, port)
        except Exception:  # never keep the server from serving
            log.exception("could not record the serving address")


class ServerThread(threading.Thread):
    """Runs the app until :meth:`stop`; ``ready`` is set once it listens."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        super().__init__(name="switchboard-server", daemon=True)
        self.app = app
        self.host = host
        self.port = port
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._shutdown_event: asyncio.Event | None = None

    def run(self) -> None:
        loop = new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        self._shutdown_event = asyncio.Event()

        announce_address(self.app, self.host, self.port)

        @self.app.before_serving
        async def _ready() -> None:
            self.ready.set()

        try:
            loop.run_until_complete(
                serve(self.app, hypercorn_config(self.host, self.port), shutdown_trigger=self._shutdown_event.wait)
            )
        except BaseException as exc:  # port in use, etc.: reported to the tray
            self.error = exc
            log.error("server stopped: %s", exc)
        finally:
            self.ready.set()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self._shutdown_event is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self._shutdown_event.set)
            except RuntimeError:
                pass  # the loop already closed
        self.join(timeout)
