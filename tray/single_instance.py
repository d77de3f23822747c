"""One Switchboard per user: a lock file, and a handover to the running one.

The mechanism:

1. ``<home>/switchboard.lock`` is opened and locked exclusively
   (``fcntl.flock`` / ``msvcrt.locking``) for the whole life of the process.
   The OS drops the lock when the process ends, even on a crash, so a stale
   file never blocks a start.
2. Once its server listens, the owner writes ``<home>/switchboard.instance.json``
   (mode 0600): ``{"pid", "port", "secret"}`` — the secret is random per run.
3. A second launch fails to take the lock, reads that file, checks that
   ``GET http://127.0.0.1:<port>/health`` answers ``"service": "switchboard"``,
   then ``POST /_tray/handover`` with header ``X-Switchboard-Handover: <secret>``.
   The first instance opens its settings page in the browser; the second exits.
4. Without the lock (a different home, or ``python -m server``) a port that
   answers our /health is still ours: the new launch opens that server's
   settings page and exits. A port held by anything else is reported in the
   menu with the next free port offered.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import sys
from pathlib import Path
from typing import IO, Any

import httpx

from server.fileio import atomic_write_json

LOCK_NAME = "switchboard.lock"
INFO_NAME = "switchboard.instance.json"
HANDOVER_PATH = "/_tray/handover"
HANDOVER_HEADER = "X-Switchboard-Handover"


class InstanceLock:
    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self._fh: IO[bytes] | None = None
        self.secret = secrets.token_urlsafe(24)

    @property
    def info_path(self) -> Path:
        return self.home / INFO_NAME

    def acquire(self) -> bool:
        self.home.mkdir(parents=True, exist_ok=True)
        fh = open(self.home / LOCK_NAME, "a+b")
        try:
            _lock(fh)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def publish(self, port: int) -> None:
        """Tell later launches where this instance listens."""
        atomic_write_json(self.info_path, {"pid": os.getpid(), "port": port, "secret": self.secret},
                          indent=None)

    def release(self) -> None:
        if self._fh is None:
            return
        try:
            self.info_path.unlink(missing_ok=True)
        except OSError:
            pass
        try:
            _unlock(self._fh)
        finally:
            self._fh.close()
            self._fh = None


def _lock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # raises OSError if held
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_info(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((Path(home) / INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("port"), int):
        return None
    return data


def _client(timeout: float) -> httpx.Client:
    # trust_env=False: a user's HTTP(S)_PROXY must not capture loopback calls.
    return httpx.Client(timeout=timeout, trust_env=False)


def is_switchboard(port: int, host: str = "127.0.0.1", timeout: float = 1.5) -> bool:
    """Does ``host:port`` answer our /health?"""
    try:
        with _client(timeout) as client:
            r = client.get(f"http://{_connect_host(host)}:{port}/health")
        return r.status_code == 200 and r.json().get("service") == "switchboard"
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def hand_over(info: dict[str, Any], timeout: float = 5.0) -> bool:
    """Ask the running instance to show its settings page."""
    port = info.get("port")
    secret = info.get("secret")
    if not isinstance(port, int) or not isinstance(secret, str):
        return False
    try:
        with _client(timeout) as client:
            r = client.post(f"http://127.0.0.1:{port}{HANDOVER_PATH}", headers={HANDOVER_HEADER: secret})
        return r.status_code == 200
    except httpx.HTTPError:
        return False


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        if sys.platform != "win32":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def next_free_port(start: int, host: str = "127.0.0.1", tries: int = 50) -> int | None:
    for port in range(start + 1, min(start + 1 + tries, 65536)):
        if port_free(port, host):
            return port
    return None


def _connect_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
