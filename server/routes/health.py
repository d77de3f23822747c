"""``HEAD /`` and ``GET /health``: answer without auth, say nothing secret.

Claude Code 2.1.197 sends ``HEAD /`` once at start (clients.md); the tray
and the single-instance check use ``/health``.
"""
from __future__ import annotations

from quart import Blueprint, Response

bp = Blueprint("health", __name__)

_BODY = b'{"status":"ok","service":"switchboard"}'


@bp.route("/", methods=["GET", "HEAD"])
async def root() -> Response:
    return Response(_BODY, content_type="application/json")


@bp.get("/health")
async def health() -> Response:
    return Response(_BODY, content_type="application/json")
