"""One Switchboard per user: a lock file, and a handover to the running one.

The lock and the 0600 instance file (``{"pid", "port", "config", "secret"}``)
live in ``server.instance``, shared with ``python -m server``:

1. ``<home>/switchboard.lock`` is locked exclusively for the life of the
   process; the OS drops it when the process ends, even on a crash.
2. Once its server listens, the owner (the tray app, or ``python -m server``)
   writes ``<home>/switchboard.instance.json`` with a per-run secret.
3. A second launch fails to take the lock, reads that file, has the address
   prove it knows the secret (``server.instance.request_link``: HMAC both
   ways, the secret never sent), receives a one-time settings link as a
   0600 file and opens that file in the browser (the token is never on a
   command line), then exits. This works for a tray and a headless owner.
4. Without the lock (a different home) a port that answers our /health is
   probably ours but cannot prove it: the new launch opens that server's
   plain ``/settings`` address (no token: the page explains how to sign in)
   and exits. A port held by anything else is reported in the menu with the
   next free port offered.
"""
from __future__ import annotations

import socket
import sys

import httpx

from server.instance import (INFO_NAME, LOCK_NAME, InstanceLock, Link, NotThisInstance, connect_host,
                             loopback_client, proves_instance, read_info, request_link)

HANDOVER_PATH = "/_tray/handover"
HANDOVER_HEADER = "X-Switchboard-Handover"

__all__ = ["INFO_NAME", "LOCK_NAME", "InstanceLock", "Link", "NotThisInstance", "proves_instance", "read_info",
           "request_link", "is_switchboard", "port_free", "next_free_port", "HANDOVER_HEADER", "HANDOVER_PATH"]


def is_switchboard(port: int, host: str = "127.0.0.1", timeout: float = 1.5) -> bool:
    """Does ``host:port`` answer our /health?"""
    try:
        with loopback_client(timeout) as client:
            r = client.get(f"http://{connect_host(host)}:{port}/health")
        return r.status_code == 200 and r.json().get("service") == "switchboard"
    except (httpx.HTTPError, ValueError, AttributeError):
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

