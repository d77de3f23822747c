"""Hypercorn on an asyncio loop: in the main thread (``python -m server``) or
in a background thread under the tray (``ServerThread``).

``serve()`` needs a ``shutdown_trigger`` off the main thread (without one it
installs signal handlers and fails with "set_wakeup_fd only works in main
thread"); ``stop()`` sets it through ``loop.call_soon_threadsafe``.
Hypercorn's ``serve`` runs one process, no worker pool.

Descriptors (issue 14 §5): an idle keep-alive connection is closed after
``KEEP_ALIVE_TIMEOUT`` seconds, a connection whose peer has closed is closed
at once (see ``_close_on_eof``), and the soft ``RLIMIT_NOFILE`` is raised
toward the hard limit at start (``raise_fd_limit``), so a burst of
connect/close cycles cannot leave the server without descriptors.
"""
from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

from server.loop import new_event_loop

log = logging.getLogger("switchboard")

KEEP_ALIVE_TIMEOUT = 5.0   # seconds an idle client connection is kept open
FD_LIMIT_TARGET = 65536    # the soft descriptor limit asked for (capped by the hard one)
LOW_FD_LIMIT = 1024        # below this, a warning in the log


def raise_fd_limit(target: int = FD_LIMIT_TARGET) -> tuple[int, int] | None:
    """Raise the soft RLIMIT_NOFILE toward the hard limit; return (before, after).

    macOS apps start with a soft limit of 256; each client connection and
    each upstream connection holds a descriptor. None where the OS has no
    such limit (Windows) or refuses the change.
    """
    try:
        import resource
    except ImportError:  # Windows
        return None
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return None
    want = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft == resource.RLIM_INFINITY:
        return soft, soft
    after = soft
    candidates = [want] if soft < want else []
    if sys.platform == "darwin" and soft < want:
        candidates.append(min(want, 10240))  # macOS refuses more than OPEN_MAX
    for value in candidates:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (value, hard))
        except (OSError, ValueError):
            continue
        log.info("descriptor limit raised from %d to %d", soft, value)
        after = value
        break
    if after < LOW_FD_LIMIT:
        # Exhaustion on the listening socket is silent (the event loop just
        # waits); say it where a person looking at the log will see it.
        log.warning("Switchboard may hold at most %d open connections and files (the "
                    "descriptor limit, which it could not raise); under heavy use new "
                    "connections will wait. Raise it with 'ulimit -n'.", after)
    return soft, after


def _close_on_eof() -> None:
    """Close a client connection as soon as its peer has closed it.

    Hypercorn (0.17/0.18) keeps a connection's keep-alive timer running after
    the peer sent EOF, so the socket sits in CLOSE-WAIT, holding a
    descriptor, for the whole keep-alive timeout. Once ``_read_data`` has
    returned nothing more can arrive: stop the timer so the connection
    closes now (a response still being written finishes first: its task
    belongs to the same task group).
    """
    try:
        from hypercorn.asyncio.tcp_server import TCPServer
    except ImportError:  # pragma: no cover - another Hypercorn layout
        return
    original = getattr(TCPServer, "_read_data", None)
    if original is None or getattr(original, "_switchboard_eof", False):
        return

    async def _read_data(self: Any) -> None:
        await original(self)
        idle = getattr(self, "idle_task", None)
        if idle is not None:
            await idle.stop()

    _read_data._switchboard_eof = True  # type: ignore[attr-defined]
    TCPServer._read_data = _read_data  # type: ignore[method-assign]


def hypercorn_config(host: str, port: int, *, graceful_timeout: float = 3.0,
                     keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT) -> HypercornConfig:
    _close_on_eof()
    cfg = HypercornConfig()
    cfg.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    cfg.accesslog = None
    cfg.errorlog = logging.getLogger("hypercorn.error")
    cfg.graceful_timeout = graceful_timeout  # streams in flight get this long
    cfg.keep_alive_timeout = keep_alive_timeout
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
        raise_fd_limit()
        loop = new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        self._shutdown_event = asyncio.Event()

        announce_address(self.app, self.host, self.port)

        @self.app.before_serving
        async def _ready() -> None:
            # before_serving runs before Hypercorn binds: ``ready`` waits
            # until the port accepts connections.
            loop.create_task(self._set_ready_when_listening())

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

    async def _set_ready_when_listening(self, limit: float = 10.0) -> None:
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        deadline = asyncio.get_running_loop().time() + limit
        while asyncio.get_running_loop().time() < deadline:
            try:
                _, writer = await asyncio.open_connection(host, self.port)
            except OSError:
                await asyncio.sleep(0.01)
                continue
            writer.close()
            break
        self.ready.set()

    def stop(self, timeout: float = 10.0) -> None:
        gateway = getattr(self.app, "config", {}).get("GATEWAY")
        if gateway is not None:
            gateway.announce_stopping()
        if self.loop is not None and self._shutdown_event is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self._shutdown_event.set)
            except RuntimeError:
                pass  # the loop already closed
        self.join(timeout)
