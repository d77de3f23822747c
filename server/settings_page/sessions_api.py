"""The Sessions screen: live Claude Code sessions, and moving one of them to
another route (server/sessions.py keeps them; issue 16 §3)."""
from __future__ import annotations

from quart import Response

from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, read_body


@bp.get("/settings/api/sessions")
async def sessions_view() -> Response:
    gw = gateway()
    config = gw.config
    routes = [{"id": rid, "name": r.name} for rid, r in config.routes.items()]
    out = []
    for s in gw.sessions.live():
        provider, _, model = (s.target or "").partition("/")
        pconf = config.providers.get(provider)
        out.append({
            "id": s.id, "cwd": s.cwd, "first_seen": s.first_seen, "last_seen": s.last_seen,
            "address_route": s.address_route,
            "chosen_route": s.chosen_route if s.chosen_route in config.routes else None,
            "route": s.route, "provider": provider or None,
            "provider_name": pconf.display_name if pconf else (provider or None),
            "model": model or None, "requests": s.requests,
            "input_tokens": s.input_tokens, "output_tokens": s.output_tokens,
        })
    return json_response({"sessions": out, "routes": routes, "active_route": config.active_route})


@bp.post("/settings/api/sessions/<sid>/route")
async def move_session(sid: str) -> Response:
    """``{"route": "<route id>"}`` sends this session's next requests there;
    ``{"route": null}`` lets it follow its address / the active route again."""
    gw = gateway()
    body = await read_body()
    rid = body.get("route")
    if rid is not None and (not isinstance(rid, str) or rid not in gw.config.routes):
        raise edits.BadInput("no_such_route", "route")
    if not gw.move_session(sid, rid):  # tells every open page (and the tray)
        raise edits.BadInput("no_such_session", "id")
    return json_response({"ok": True, "id": sid, "route": rid})
