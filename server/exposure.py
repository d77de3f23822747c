"""Serving beyond this computer: when an address is reachable from other
computers, and what it takes to serve there.

Switchboard binds 127.0.0.1 by default. A non-loopback ``server.host``
(``0.0.0.0``, a LAN address, a name) is refused unless an explicit access key
is set (``SWITCHBOARD_API_KEY``): the generated desktop key alone never
serves a network. With one, the log, the tray and the settings page say
loudly that the gateway is reachable from other computers.
"""
from __future__ import annotations

import ipaddress
from typing import Mapping

from server.said import Said, Words
from server.secrets import ACCESS_KEY_ENV

# Why the tray's server is not running (its status line words them, server/said.py).
NOT_SERVING = Words({
    "server.refused": "refusing to listen on {host}:{port}: that address is reachable from other computers, and "
                      "the access key is the generated desktop one. Set {variable} to a long random key of your own "
                      "to serve a network, or set server.host back to 127.0.0.1.",
    "server.cannotListen": "cannot listen on port {port} ({reason})",
}, shown_by=("tray",))


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any interface


def refusal(host: str, port: int, environ: Mapping[str, str]) -> Said | None:
    """Why Switchboard must not listen on ``host`` (None: it may)."""
    if is_loopback(host) or environ.get(ACCESS_KEY_ENV):
        return None
    return NOT_SERVING("server.refused", host=host, port=str(port), variable=ACCESS_KEY_ENV)


def warning(host: str, port: int) -> str:
    return (f"Switchboard is listening on {host}:{port}, which other computers can reach: anyone "
            f"who can connect and knows the access key can use your providers and their keys. "
            f"Set server.host to 127.0.0.1 to serve this computer only.")
