"""The hook in the request path: cheap, and never any I/O.

``begin`` runs in the ``/v1/messages`` handler once the targets are chosen and
remembers (in a context variable: the stream's close callback runs in the
same context) which slot chose, the first target, the session id and the
service; ``answered`` notes when a stream's provider started answering; ``note``
(called where the request is logged) builds one :class:`Row` and appends it
to the history's queue. The cost is computed later, in the writer thread.
"""
from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any

from quart import current_app, request

from server.errors import error_type_for_status
from server.usage.history import Row

SESSION_HEADER = "x-claude-code-session-id"
_current: ContextVar["_Pending | None"] = ContextVar("switchboard_usage_request", default=None)


class _Pending:
    __slots__ = ("service", "slot", "first", "session", "started", "answered")

    def __init__(self, service: Any, slot: str, first: Any, session: str | None) -> None:
        self.service = service
        self.slot = slot
        self.first = first
        self.session = session
        self.started = time.monotonic()
        self.answered: float | None = None


def begin(decision: Any) -> None:
    service = current_app.config.get("USAGE")
    if service is None or not service.recording:
        _current.set(None)
        return
    session = request.headers.get(SESSION_HEADER)
    _current.set(_Pending(service, decision.slot, decision.targets[0] if decision.targets else None,
                          session[:200] if session else None))


def answered() -> None:
    pending = _current.get()
    if pending is not None:
        pending.answered = time.monotonic()


def note(route: str, target: Any, status: int, latency_ms: float, usage: dict[str, Any]) -> None:
    pending = _current.get()
    if pending is None:
        return
    if pending.answered is not None:  # a stream: when the provider started answering
        ttft: float | None = (pending.answered - pending.started) * 1000
    else:  # an answer in one piece arrives all at once
        ttft = latency_ms if status < 400 else None
    pending.service.add(Row(
        time.time(), route, pending.slot, target.provider_id, target.model, status,
        None if status < 400 else error_type_for_status(status), latency_ms, ttft,
        usage.get("input_tokens"), usage.get("output_tokens"),
        usage.get("cache_read_input_tokens"), usage.get("cache_creation_input_tokens"),
        target != pending.first, pending.session))
