"""The Activity screen: the last requests and today's totals."""
from __future__ import annotations

from quart import Response

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
                          "today": activity.totals_today(entries, names)})
