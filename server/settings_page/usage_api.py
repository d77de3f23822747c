"""The Usage screen's JSON API (issue 15 §2, §3, §5, §8).

* ``GET /settings/api/usage?days=1|7|30``   totals, per provider / model / route, the daily chart, budget
* ``GET /settings/api/usage/export?days=N`` the history as CSV (what ``switchboard usage --csv`` prints);
  ``&format=json``: ``{"filename", "csv"}``, for the page's own API calls
* ``GET /settings/api/usage/prices``        each configured model's price and where it comes from
* ``PUT /settings/api/usage/prices``        set (or with ``price: null`` remove) one override
* ``PUT /settings/api/usage/budget``        the daily / monthly limit and what happens at it

The numbers come from server/usage/query.py, the same code as the CLI's
``--json``. SQLite is read in a worker thread, never on the event loop.
"""
from __future__ import annotations

import datetime as dt
import io
import sqlite3
from typing import Any

from quart import Response, request

from server.routes.common import gateway
from server import said as sentences
from server.settings_page import edits
from server.settings_page.common import bp, json_response, off_loop, read_body, update
from server.usage import query
from server.usage.prices import Pricer
from server.usage.settings import PRICE_FIELDS, UsageSettingsError, parse_budget, parse_price

DAYS = (1, 7, 30)


def _usage_service() -> Any:
    from quart import current_app

    return current_app.config.get("USAGE")


def _days() -> int:
    try:
        days = int(request.args.get("days", "1"))
    except ValueError:
        raise edits.BadInput("bad_days", "days") from None
    if not 1 <= days <= 366:
        raise edits.BadInput("bad_days", "days")
    return days


def _day_list(since: float, until: float) -> list[str]:
    first = dt.date.fromtimestamp(since)
    last = dt.date.fromtimestamp(until - 1)
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _read(path: Any, days: int) -> dict[str, Any]:
    since, until = query.window(days)
    out: dict[str, Any] = {"days": days, "since": since, "until": until, "day_list": _day_list(since, until)}
    try:
        conn = query.open_db(path)
    except query.NoHistory:
        return {**out, "totals": None, "by_provider": [], "by_model": [], "by_route": [], "chart": []}
    try:
        out["totals"] = query.summary(conn, since, until)["totals"]
        for by in ("provider", "model", "route"):
            out[f"by_{by}"] = query.summary(conn, since, until, by)["groups"]
        out["chart"] = query.daily_by_provider(conn, since, until)
    except sqlite3.Error as exc:
        out.update(totals=None, by_provider=[], by_model=[], by_route=[], chart=[], read_error=str(exc))
    finally:
        conn.close()
    return out


@bp.get("/settings/api/usage")
async def usage_view() -> Response:
    days = _days()
    svc = _usage_service()
    data = await off_loop(_read, svc.path, days)
    gw = gateway()
    names = {pid: p.display_name for pid, p in gw.config.providers.items()}
    routes = {rid: r.name or rid for rid, r in gw.config.routes.items()}
    budget = svc.settings.budget
    today = svc.today()
    problem, line, reached = svc.problem, svc.today_line(), svc.limit_reached()
    data.update(
        provider_names=names, route_names=routes,
        history=svc.recording, problem=sentences.text(problem), settings_problem=svc.settings_problem,
        today_line=line.text,
        budget={"daily": budget.daily, "monthly": budget.monthly, "at_limit": budget.at_limit,
                "switch_to": budget.switch_to, "spent_today": round(today.cost_usd, 6),
                "spent_month": round(svc.tracker.month_cost, 6), "reached": sentences.text(reached)},
        # The same sentences as codes, for the page's language (server/said.py).
        said={"problem": sentences.as_json(problem), "today_line": line.as_json(), "reached": sentences.as_json(reached)},
    )
    return json_response(data)


def _csv(path: Any, days: int) -> str:
    since, until = query.window(days)
    buf = io.StringIO()
    try:
        conn = query.open_db(path)
    except query.NoHistory:
        buf.write(",".join(query.CSV_COLUMNS) + "\n")
        return buf.getvalue()
    try:
        query.write_csv(conn, since, until, buf)
    finally:
        conn.close()
    return buf.getvalue()


@bp.get("/settings/api/usage/export")
async def usage_export() -> Response:
    days = _days()
    text = await off_loop(_csv, _usage_service().path, days)
    name = f"switchboard-usage-{dt.date.today().isoformat()}-{days}d.csv"
    if request.args.get("format") == "json":
        # The page fetches through its api() (which proves the session with a
        # header) and saves the text itself.
        return json_response({"filename": name, "csv": text})
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"'})


def _price_row(pricer: Pricer, overrides: dict[str, Any], pid: str, name: str, model: str) -> dict[str, Any]:
    key = f"{pid}/{model}"
    price = pricer.price(pid, model)
    if key in overrides or f"{pid}/*" in overrides:
        origin = "override"
    elif price is None:
        origin = "unknown"
    elif price.source == "local":
        origin = "local"
    else:
        origin = "table"
    return {"key": key, "provider": pid, "provider_name": name, "model": model, "origin": origin,
            "price": None if price is None else {f: getattr(price, f) for f in PRICE_FIELDS},
            "checked": price.checked if price else "", "source": price.source if price and origin == "table" else ""}


@bp.get("/settings/api/usage/prices")
async def prices_view() -> Response:
    gw = gateway()
    svc = _usage_service()
    pricer = svc.pricer
    overrides = svc.settings.prices
    rows = []
    seen = set()
    for pid, p in gw.config.providers.items():
        models = list(p.models)
        for route in gw.config.routes.values():
            for targets in route.targets.values():
                for t in targets:
                    prov, _, model = t.partition("/")
                    if prov == pid and model and model not in models:
                        models.append(model)
        for model in models:
            seen.add(f"{pid}/{model}")
            rows.append(_price_row(pricer, overrides, pid, p.display_name, model))
    for key in overrides:  # overrides for models not (or no longer) configured
        pid, _, model = key.partition("/")
        if key not in seen and model != "*":
            rows.append(_price_row(pricer, overrides, pid, pid, model))
    return json_response({"rows": rows})


@bp.put("/settings/api/usage/prices")
async def prices_save() -> Response:
    body = await read_body()
    key = edits.text(body, "key", limit=300)
    if "/" not in key:
        raise edits.BadInput("usage_invalid", "key", detail='"provider/model"')
    raw = body.get("price")
    if raw is not None:
        try:
            parse_price(raw, f"prices.{key}")
        except UsageSettingsError as exc:
            raise edits.BadInput("usage_invalid", "price", detail=str(exc)) from None
        raw = {f: raw[f] for f in PRICE_FIELDS if raw.get(f) is not None}

    def edit(data: dict[str, Any]) -> None:
        prices = data.get("prices")
        if not isinstance(prices, dict):
            prices = data["prices"] = {}
        if raw is None:
            prices.pop(key, None)
            if not prices:
                data.pop("prices", None)
        else:
            prices[key] = raw

    await update(gateway(), edit)
    return json_response({"ok": True})


@bp.put("/settings/api/usage/budget")
async def budget_save() -> Response:
    body = await read_body()
    raw = {k: body.get(k) for k in ("daily", "monthly", "at_limit", "switch_to") if body.get(k) not in (None, "")}
    try:
        budget = parse_budget(raw)
    except UsageSettingsError as exc:
        raise edits.BadInput("usage_invalid", "budget", detail=str(exc)) from None
    gw = gateway()
    if budget.switch_to and budget.switch_to not in gw.config.routes:
        raise edits.BadInput("usage_invalid", "switch_to", detail=f"no route named {budget.switch_to!r}")

    def edit(data: dict[str, Any]) -> None:
        usage = data.get("usage")
        if not isinstance(usage, dict):
            usage = data["usage"] = {}
        if budget.enabled:
            usage["budget"] = raw
        else:
            usage.pop("budget", None)
            if not usage:
                data.pop("usage", None)

    await update(gw, edit)
    return json_response({"ok": True})
