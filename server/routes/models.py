"""``GET /v1/models`` and ``GET /v1/models/{id}`` in Anthropic's shape, so
Claude Code's ``/model`` picker offers Switchboard's routes and provider
models (server/model_ids.py names them). Authenticated like /v1/messages."""
from __future__ import annotations

from typing import Any

import orjson
from quart import Blueprint, Response, request

from server import model_ids, routing
from server.errors import InvalidRequest, NotFound
from server.routes.common import check_auth, gateway

bp = Blueprint("models", __name__)
MAX_LIMIT = 1000


@bp.before_request
async def _auth() -> None:
    await check_auth()


def _shape(entry: model_ids.ListedModel) -> dict[str, Any]:
    return {"type": "model", "id": entry.id, "display_name": entry.display_name,
            "created_at": model_ids.CREATED_AT}


def _limit() -> int:
    raw = request.args.get("limit", "20")
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit: must be a whole number from 1 to {MAX_LIMIT}")
    return limit


def _index(ids: list[str], name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return ids.index(value)
    except ValueError:
        raise InvalidRequest(f"{name}: no model with that id; GET /v1/models lists them") from None


def _check_route(route_id: str | None) -> None:
    """Under a route address ``/r/<route>``: that route must exist."""
    if route_id is not None:
        config = gateway().request_config()
        if route_id not in config.routes:
            raise routing.unknown_route(route_id, config)


@bp.get("/v1/models")
async def list_models(route_id: str | None = None) -> Response:
    _check_route(route_id)
    entries = model_ids.listing(gateway().request_config())
    ids = [e.id for e in entries]
    limit = _limit()
    after, before = _index(ids, "after_id"), _index(ids, "before_id")
    if after is not None and before is not None:
        raise InvalidRequest("after_id and before_id: use one of them, not both")
    if before is not None:
        start = max(0, before - limit)
        page, has_more = entries[start:before], start > 0
    else:
        start = after + 1 if after is not None else 0
        page, has_more = entries[start:start + limit], start + limit < len(entries)
    body = {"data": [_shape(e) for e in page], "has_more": has_more,
            "first_id": page[0].id if page else None, "last_id": page[-1].id if page else None}
    return Response(orjson.dumps(body), content_type="application/json")


@bp.get("/v1/models/<path:model_id>")
async def get_model(model_id: str, route_id: str | None = None) -> Response:
    _check_route(route_id)
    entry = model_ids.lookup(model_id, gateway().request_config())
    if entry is None:
        raise NotFound(f"model: {model_id[:200]!r} is not one of Switchboard's models; GET /v1/models lists them")
    return Response(orjson.dumps(_shape(entry)), content_type="application/json")
