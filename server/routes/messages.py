"""``POST /v1/messages`` and ``POST /v1/messages/count_tokens``.

The handler validates, picks the target, asks the provider, and only then
answers: a stream's ``200`` goes out after the upstream answered 2xx
(translation.md §A.8), so every failure before that is a real HTTP status.
"""
from __future__ import annotations

import asyncio
import logging
import secrets as _random
import time
from typing import Any

import orjson
from quart import Blueprint, Response

from server import routing, tokens
from server.errors import SwitchboardError
from server.gateway import ActivityEntry
from server.protocol.validate import validate_messages_request
from server.dispatch import call_for
from server.providers.base import Reply, Target
from server.routes.common import check_auth, gateway, json_body, json_body_and_size, request_meta
from server.streaming import StreamStats, event_body, raw_body
from server.usage import recorder as usage_recorder

bp = Blueprint("messages", __name__)
request_log = logging.getLogger("switchboard.requests")


@bp.before_request
async def _auth() -> None:
    await check_auth()


def _request_id() -> str:
    return "req_" + _random.token_hex(12)


@bp.post("/v1/messages")
async def create_message() -> Response:
    gw = gateway()
    started = time.monotonic()
    body, size = await json_body_and_size()
    validate_messages_request(body)
    decision = routing.resolve(body, gw.config, body_bytes=size)
    meta = {**request_meta(), "ping_interval": gw.settings.ping_interval}
    route_name = gw.config.active_route or "-"

    async def attempt(target: Target) -> Reply:
        return await gw.provider(target.provider_id).send(call_for(body, target, meta))

    usage_recorder.begin(decision)
    try:
        reply, target = await gw.dispatcher.send(decision.targets, attempt)
    except SwitchboardError as exc:
        gw.note_failure(exc)
        _log(gw, route_name, decision.targets[0], exc.status, started, {})
        raise
    gw.note_success()
    headers = {"request-id": _request_id(), "x-switchboard-target": str(target)}
    if body.get("stream"):
        return _stream_response(gw, reply, headers, route_name, target, started)
    if reply.body is not None:
        _log(gw, route_name, target, 200, started, _usage_from_bytes(reply.body))
        return Response(reply.body, status=200, content_type="application/json", headers=headers)
    assert reply.message is not None
    _log(gw, route_name, target, 200, started, reply.message.get("usage") or {})
    return Response(orjson.dumps(reply.message), status=200,
                    content_type="application/json", headers=headers)


def _stream_response(gw: Any, reply: Reply, headers: dict[str, str], route_name: str,
                     target: Target, started: float) -> Response:
    stats = StreamStats()
    usage_recorder.answered()  # the provider started answering: time to first byte

    def on_close() -> None:
        status = stats.error.status if stats.error else 200
        _log(gw, route_name, target, status, started, stats.usage)

    body = (event_body if reply.events is not None else raw_body)(reply, stats, on_close)
    headers = {**headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
    response = Response(body, status=200, content_type="text/event-stream; charset=utf-8",
                        headers=headers)
    response.timeout = None  # streams of thinking models run for many minutes
    return response


@bp.post("/v1/messages/count_tokens")
async def count_tokens() -> Response:
    gw = gateway()
    body = await json_body()
    validate_messages_request(body, count_tokens=True)
    routing.resolve(body, gw.config)  # same errors as /v1/messages
    # tiktoken releases the GIL while encoding; keep the event loop free.
    count = await asyncio.to_thread(tokens.count_request, body)
    return Response(orjson.dumps({"input_tokens": count}), content_type="application/json",
                    headers={"request-id": _request_id()})


def _usage_from_bytes(data: bytes) -> dict[str, Any]:
    try:
        usage = orjson.loads(data).get("usage")
    except (orjson.JSONDecodeError, AttributeError):
        return {}
    return usage if isinstance(usage, dict) else {}


def _log(gw: Any, route_name: str, target: Target, status: int, started: float,
         usage: dict[str, Any]) -> None:
    latency = (time.monotonic() - started) * 1000
    inp, out = usage.get("input_tokens"), usage.get("output_tokens")
    usage_recorder.note(route_name, target, status, latency, usage)
    gw.record(ActivityEntry(time.time(), route_name, target.provider_id, target.model,
                            status, latency, inp, out))
    request_log.info("route=%s provider=%s model=%s status=%d latency_ms=%.0f in=%s out=%s",
                     route_name, target.provider_id, target.model, status, latency,
                     "-" if inp is None else inp, "-" if out is None else out)
