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
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from quart import Blueprint, Response, request

from server import routing, session_pins, tokens
from server.errors import SwitchboardError
from server.gateway import ActivityEntry
from server.protocol.validate import nesting_errors, validate_messages_request
from server.dispatch import call_for
from server.providers.base import Reply, Target
from server.routes.guard import MEMBER
from server.shared.state import price_of
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


def _address_route(route_id: str | None) -> str | None:
    """The route a route address ``/r/<route>`` names (checked before the
    body is read: an unknown one is a 404 listing the routes)."""
    if route_id is not None:
        config = gateway().request_config()
        if route_id not in config.routes:
            raise routing.unknown_route(route_id, config)
    return route_id


def _still_there(route_id: str | None, config: Any) -> str | None:
    """A session's own route choice, unless that route was deleted since."""
    return route_id if route_id is not None and route_id in config.routes else None


@bp.post("/v1/messages")
async def create_message(route_id: str | None = None) -> Response:
    gw = gateway()
    started = time.monotonic()
    address = _address_route(route_id)
    body, size = await json_body_and_size()
    validate_messages_request(body)
    session = session_pins.session_of(request.headers.get("x-claude-code-session-id"), body)
    config = gw.request_config()
    # A session's own choice > the route address > the active route (an
    # explicit provider/model in the request wins over all: routing.resolve).
    chosen = _still_there(gw.sessions.seen(session, body, address), config)
    with nesting_errors(body):
        decision = routing.resolve(body, config, body_bytes=size, route_id=chosen or address)
    meta = {**request_meta(), "ping_interval": gw.settings.ping_interval}
    route_name = decision.route.id if decision.route is not None else (config.active_route or "-")
    targets = decision.targets
    shared = gw.shared
    member = request.scope.get(MEMBER)
    if member is not None and shared is None:
        shared = await gw.start_shared()  # member keys added while running: their limits count
    pin_before = None
    if shared is not None:  # team mode: other replicas' breakers, pin, the member's limits
        try:
            await shared.before(targets, session, member)
        except SwitchboardError as exc:  # a limit reached
            if gw.metrics is not None:
                gw.metrics.errors.labels(exc.error_type).inc()
            raise
        pin_before = gw.pins.get(session) if session is not None else None
    if decision.route is not None:  # after the shared state: another replica's pin counts
        targets = gw.pins.order(session, decision.route.id, targets, body, gw.dispatcher.is_open)

    async def attempt(target: Target, key: Any = None) -> Reply:
        with nesting_errors(body):
            return await gw.provider(target.provider_id, key).send(call_for(body, target, meta))

    usage_recorder.begin(decision)
    logged = _Logged(gw, route_name, started, session, member)
    try:
        reply, target = await gw.dispatcher.send(targets, attempt, gw.key_pool)
    except SwitchboardError as exc:
        gw.note_failure(exc)
        _log(logged, targets[0], exc.status, {}, exc.message, exc.error_type)
        if shared is not None:
            await shared.after(session, pin_before)
        raise
    if gw.metrics is not None:
        gw.metrics.first_token(target.provider_id, time.monotonic() - started)
    try:
        gw.note_success()
        if decision.route is not None:
            primary = decision.targets[0]
            # The reason only matters for a fallback (a pin); last_failure scans the attempts.
            reason = "" if target == primary else session_pins.fallback_reason(
                primary, gw.dispatcher.last_failure(primary), target)
            gw.pins.answered(session, decision.route.id, primary, target, decision.route.sticky_minutes * 60,
                             reason)
        headers = {"request-id": _request_id(), "x-switchboard-target": _header_value(str(target))}
        if shared is not None:
            await shared.after(session, pin_before)
            logged.counted_in = shared
            logged.usage_id = _usage_id(gw, headers["request-id"])
        if body.get("stream"):
            return _stream_response(logged, reply, headers, target)
        if reply.body is not None:
            _log(logged, target, 200, _usage_from_bytes(reply.body), key=reply.key)
            if shared is not None:
                await shared.flush_now()  # counted before the answer leaves
            return Response(reply.body, status=200, content_type="application/json", headers=headers)
        assert reply.message is not None
        _log(logged, target, 200, reply.message.get("usage") or {}, key=reply.key)
        if shared is not None:
            await shared.flush_now()
        return Response(orjson.dumps(reply.message), status=200,
                        content_type="application/json", headers=headers)
    except BaseException:
        # No response for this reply: release the upstream now (issue 14 §8).
        await reply.aclose()
        raise


def _header_value(text: str) -> str:
    """Text safe for a response header: printable ASCII, the rest %-escaped."""
    if text.isascii() and text.isprintable():
        return text
    return quote(text, safe="/:@._-~+,=()[] ")


def _stream_response(logged: "_Logged", reply: Reply, headers: dict[str, str], target: Target) -> Response:
    stats = StreamStats()
    usage_recorder.answered()  # the provider started answering: time to first byte

    def on_close() -> None:
        error = stats.error
        if error is None:
            _log(logged, target, 200, stats.usage, key=reply.key)
        else:
            _log(logged, target, error.status, stats.usage, error.message, error.error_type, key=reply.key)

    body = (event_body if reply.events is not None else raw_body)(reply, stats, on_close)
    headers = {**headers, "cache-control": "no-cache", "x-accel-buffering": "no"}
    response = Response(body, status=200, content_type="text/event-stream; charset=utf-8",
                        headers=headers)
    response.timeout = None  # streams of thinking models run for many minutes
    _close_if_never_sent(reply, stats)
    return response


def _close_if_never_sent(reply: Reply, stats: StreamStats) -> None:
    """Close the upstream if the response ends before its body began.

    The task that runs this handler also sends the response; if sending the
    headers fails or the client leaves first, the body (whose ``finally``
    closes the upstream) never starts.
    """
    task = asyncio.current_task()
    if task is None:
        return

    def done(_: "asyncio.Task[Any]") -> None:
        if not stats.started:
            try:
                asyncio.get_running_loop().create_task(reply.aclose())
            except RuntimeError:  # the loop is closing
                pass

    task.add_done_callback(done)


@bp.post("/v1/messages/count_tokens")
async def count_tokens(route_id: str | None = None) -> Response:
    gw = gateway()
    address = _address_route(route_id)
    body = await json_body()
    validate_messages_request(body, count_tokens=True)
    session = session_pins.session_of(request.headers.get("x-claude-code-session-id"), body)
    config = gw.request_config()
    chosen = _still_there(gw.sessions.choice(session), config)
    with nesting_errors(body):
        # same errors as /v1/messages
        routing.resolve(body, config, route_id=chosen or address)
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


def _usage_id(gw: Any, request_id: str) -> str:
    """The id a request is counted under: the load balancer's request id when
    the settings trust one (a request nginx re-sent to another replica
    after the first died is then counted once), else our own."""
    header = gw.settings.request_id_header
    value = request.headers.get(header) if header else None
    if value and len(value) <= 128 and value.isascii() and value.isprintable():
        return "lb-" + value
    return request_id


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(slots=True)
class _Logged:
    """What every log line of one ``/v1/messages`` request shares (``_log``)."""
    gw: Any
    route_name: str
    started: float              # time.monotonic() when the request came in
    session: str | None
    member: Any                 # the member whose key was presented (team mode), or None
    counted_in: Any = None      # team mode / member keys: a 2xx answer's usage is counted here,
    usage_id: str = ""          # under this id (set once the answer is known to be 2xx)


def _log(logged: _Logged, target: Target, status: int, usage: dict[str, Any], error: str = "",
         error_type: str = "", *, key: str = "") -> None:
    gw, route_name, member = logged.gw, logged.route_name, logged.member
    latency = (time.monotonic() - logged.started) * 1000
    if logged.session is not None:
        gw.sessions.answered(logged.session, route_name, str(target), usage)
    inp, out = usage.get("input_tokens"), usage.get("output_tokens")
    usage_recorder.note(route_name, target, status, latency, usage)
    if gw.metrics is not None:
        gw.metrics.answered(target.provider_id, target.model, member.name if member else "-", status,
                            latency / 1000, inp, out, error_type)
    if logged.counted_in is not None and status == 200:
        # Team mode / member keys: usage counters for limits (server/shared/state.py).
        i, o = _int(inp) + _int(usage.get("cache_read_input_tokens")) + _int(
            usage.get("cache_creation_input_tokens")), _int(out)
        logged.counted_in.count(logged.usage_id, member.name if member else None, target, i, o,
                                price_of(gw.config.raw, target, i, o))
    gw.record(ActivityEntry(time.time(), route_name, target.provider_id, target.model,
                            status, latency, inp, out, error, key))
    # ``key`` is the key's name ("work"), never its value.
    request_log.info("route=%s provider=%s model=%s status=%d latency_ms=%.0f in=%s out=%s%s",
                     route_name, target.provider_id, target.model, status, latency,
                     "-" if inp is None else inp, "-" if out is None else out,
                     f" key={key!r}" if key else "")
