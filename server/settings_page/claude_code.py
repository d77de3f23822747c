"""The settings page's view of Claude Code: the gateway owns it.

``Gateway.claude_code_*`` (server/claude_code.py underneath) is the one
owner of "Claude Code is connected"; the tray reads the same gateway, so the
page and the tray always agree. ``available`` is False only when
``SWITCHBOARD_CLAUDE_CODE=off`` (a server whose users sit elsewhere): the page
then hides the Connect button and shows the two values to paste instead.
"""
from __future__ import annotations

from server.gateway import Gateway
from server.routes.common import gateway
from server.settings_page.common import off_loop


def available(gw: Gateway | None = None) -> bool:
    return (gw or gateway()).claude_code.available()


def connected(gw: Gateway | None = None) -> bool:
    return (gw or gateway()).claude_code_connected()


async def connected_now(gw: Gateway) -> bool | None:
    """Whether Claude Code's settings point at this Switchboard, asked again
    (the file may change outside) in a worker; None when Connect is off."""
    if not available(gw):
        return None
    return await off_loop(connected, gw)


def connect(gw: Gateway, base_url: str | None = None) -> None:
    gw.connect_claude_code(base_url)


def disconnect(gw: Gateway) -> None:
    gw.disconnect_claude_code()
