"""``HEAD /``, ``GET /health``, ``GET /ready`` and ``GET /metrics``.

``/`` and ``/health`` answer without auth and say nothing secret (liveness:
the process serves). Claude Code 2.1.197 sends ``HEAD /`` once at start
(clients.md); the tray and the single-instance check use ``/health``.
``/ready`` (readiness, issue 20 §4) is 200 once the config is loaded and,
in team mode, Redis answers; else 503 saying which. ``/metrics`` is the
Prometheus text, for whoever presents ``SWITCHBOARD_METRICS_TOKEN``.
"""
from __future__ import annotations

import orjson
from quart import Blueprint, Response, request

from server.errors import AuthenticationFailed, NotFound, SwitchboardError
from server.routes.common import gateway
from server.routes.guard import key_matches, presented_keys

bp = Blueprint("health", __name__)

_BODY = b'{"status":"ok","service":"switchboard"}'


@bp.route("/", methods=["GET", "HEAD"])
async def root() -> Response:
    return Response(_BODY, content_type="application/json")


@bp.get("/health")
async def health() -> Response:
    return Response(_BODY, content_type="application/json")


@bp.get("/ready")
async def ready() -> Response:
    gw = gateway()
    problems = []
    if gw.stopping:
        problems.append("the server is shutting down")
    if gw.config_error is not None:
        problems.append("the settings file has a problem (see the log)")
    shared = gw.shared
    if gw.settings.redis_url and (shared is None or shared.store is None or not await shared.store.ping()):
        problems.append("Redis is not reachable")
    if problems:
        raise SwitchboardError("Not ready: " + "; ".join(problems), status=503, error_type="overloaded_error")
    return Response(orjson.dumps({"status": "ready", "service": "switchboard",
                                  "redis": bool(gw.settings.redis_url)}), content_type="application/json")


@bp.get("/metrics")
async def metrics() -> Response:
    gw = gateway()
    token = gw.settings.metrics_token
    if not token or gw.metrics is None:
        raise NotFound("Metrics are off: set SWITCHBOARD_METRICS_TOKEN to serve them at /metrics")
    if not key_matches(token.encode(), presented_keys(request.scope.get("headers", []))):
        raise AuthenticationFailed("Wrong or missing metrics token: send Authorization: Bearer "
                                   "<SWITCHBOARD_METRICS_TOKEN>")
    body, content_type = gw.metrics.render()
    return Response(body, content_type=content_type)
