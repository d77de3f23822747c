"""The "Check with Claude Code" button (issue 18 §2): the estimate first,
then the run the person started, then the cards; results kept with the
date (server/check/store.py) and listed per provider/model."""
from __future__ import annotations

from typing import Any

from quart import Response

from server.check import store
from server.check.cli import sender
from server.check.run import Checker, Options, plan_estimate
from server.errors import SwitchboardError
from server.routes.common import gateway
from server.settings_page import edits
from server.settings_page.common import bp, json_response, off_loop, read_body
from server.settings_page.probe import describe_error

MAX_WINDOW = 10_000_000


def _target(gw: Any, body: dict[str, Any]) -> tuple[str, str, Options]:
    pid = edits.ident(body.get("provider"), "provider")
    if pid not in gw.config.providers:
        raise edits.BadInput("no_such_provider", "provider")
    model = edits.text(body, "model", limit=200)
    if not model:
        raise edits.BadInput("model_required", "model")
    window = body.get("context_window")
    if window in (None, ""):
        window = None
    elif isinstance(window, bool) or not isinstance(window, int) or not 1000 <= window <= MAX_WINDOW:
        raise edits.BadInput("bad_field", "context_window")
    opts = Options(vision=body.get("vision") is not False, reasoning=body.get("reasoning") is not False,
                   context_window=window, context=body.get("context") is not False)
    return pid, model, opts


@bp.post("/settings/api/check/estimate")
async def check_estimate() -> Response:
    gw = gateway()
    _, model, opts = _target(gw, await read_body())
    return json_response({"estimate": await off_loop(plan_estimate, model, opts)})


@bp.post("/settings/api/check")
async def run_check() -> Response:
    """Runs only when the person pressed the button (a POST from the page)."""
    gw = gateway()
    pid, model, opts = _target(gw, await read_body())
    try:
        gw.provider(pid)  # a missing key: said before anything is sent
    except SwitchboardError as exc:
        # The page words the problem by its code (as for Test connection);
        # ``error`` stays the English message for API clients.
        described = describe_error(exc, gw.config.providers[pid], model, None)
        return json_response({"ok": False, "error": exc.message, **described}, 200)
    outcome = await Checker(sender(gw, pid, model), model, opts).run()
    result = {"target": f"{pid}/{model}", **outcome.as_dict()}
    entry = await off_loop(store.save, gw.settings.home, f"{pid}/{model}", result)
    return json_response({"ok": True, **entry})


@bp.get("/settings/api/checks")
async def list_checks() -> Response:
    return json_response(await off_loop(store.load, gateway().settings.home))
