"""The Activity screen: the last requests, today's totals, and the Claude
Code sessions that stay on a fallback (server/session_pins.py) and why."""
from __future__ import annotations

import time
from typing import Any

from quart import Response

from server.gateway import Gateway

from server import said
from server.routes.common import gateway
from server.settings_page import activity
from server.settings_page.common import bp, json_response


@bp.get("/settings/api/activity")
async def activity_view() -> Response:
    gw = gateway()
    names = {pid: p.display_name for pid, p in gw.config.providers.items()}
    route_names = {rid: r.name for rid, r in gw.config.routes.items()}
    entries = list(gw.activity)
    return json_response({"entries": activity.entries(entries, names, route_names, gw.config.providers),
                          "today": activity.totals_today(entries, names),
                          "pinned": pinned_sessions(gw, names, route_names)})


def pinned_sessions(gw: Gateway, names: dict[str, str], route_names: dict[str, str]) -> list[dict[str, Any]]:
    """Sessions staying on a fallback: which, where, why, for how long."""
    now = time.monotonic()
    out = []
    for session, pin in gw.pins.pinned():
        out.append({"session": session[:8], "route_name": route_names.get(pin.route, pin.route),
                    "provider_name": names.get(pin.target.provider_id, pin.target.provider_id),
                    "model": pin.target.model,
                    "primary": f"{names.get(pin.primary.provider_id, pin.primary.provider_id)} · {pin.primary.model}",
                    "reason": str(pin.reason), "said_reason": said.as_json(pin.reason),
                    "minutes_left": max(0, round((pin.until - now) / 60))})
    return out
