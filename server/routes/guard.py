"""Refuse a request before its body is read (issue 14 §4).

Quart starts reading a request's body into memory as soon as the request
arrives, whether or not a handler ever asks for it. A request Switchboard
refuses (a wrong access key, an unknown path, a wrong method) must not cost
memory: this ASGI layer answers such requests itself, before Quart sees
them, and never calls ``receive`` for a large body. A body announced as at
most ``DRAIN_LIMIT`` bytes is read and dropped, so the client's keep-alive
connection stays usable; anything larger, or of unknown length, gets
``Connection: close`` and the connection is closed after the answer.

``/settings`` requests pass through untouched: the settings page checks its
own requests (server/settings_page).
"""
from __future__ import annotations

import asyncio
import hmac
from typing import Any, Awaitable, Callable

import orjson
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from server.errors import AuthenticationFailed, SwitchboardError

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PATHS = frozenset(("/v1/messages", "/v1/messages/count_tokens"))
ROUTE_ADDRESS = "/r/"  # /r/<route>/v1/messages...: the same API, one route (issue 16 §1)
DRAIN_LIMIT = 64 * 1024
DRAIN_TIMEOUT = 5.0  # seconds a small refused body may take to arrive
AUTHENTICATED = "switchboard.authenticated"  # scope key: the guard checked the key
MEMBER = "switchboard.member"  # scope key: the member whose key was presented (team mode)

WRONG_KEY = (
    "Invalid API key: this is not Switchboard's local access key (it may be an old one). "
    "In the Switchboard tray menu choose \"Connect Claude Code\" (or open Settings and the "
    "Claude Code screen) to give Claude Code the current key, then restart Claude Code."
)
NOT_FOUND = ("Not found: Switchboard serves POST /v1/messages, POST /v1/messages/count_tokens "
             "and GET /v1/models")
NOT_ALLOWED = "Method not allowed"


def presented_keys(headers: list[tuple[bytes, bytes]]) -> list[bytes]:
    """The access keys a request presents: ``x-api-key`` and ``Authorization: Bearer``."""
    keys = []
    for name, value in headers:
        lname = name.lower()
        if lname == b"x-api-key":
            keys.append(value)
        elif lname == b"authorization" and value[:7].lower() == b"bearer ":
            keys.append(value[7:].strip())
    return keys


def key_matches(expected: bytes, presented: list[bytes]) -> bool:
    ok = False
    for value in presented:
        # compare_digest is constant time for equal lengths; every value is checked.
        ok |= hmac.compare_digest(value, expected)
    return ok


def is_api_path(path: str) -> bool:
    """``API_PATHS``, directly or under a route address ``/r/<route>``."""
    if path in API_PATHS:
        return True
    if path.startswith(ROUTE_ADDRESS):
        _route, slash, rest = path[len(ROUTE_ADDRESS):].partition("/")
        return bool(slash) and "/" + rest in API_PATHS
    return False


def authenticate(gateway: Any, scope: Scope) -> SwitchboardError | None:
    """None when the request presents the access key or a member key (then
    ``scope[MEMBER]`` is that member); else the error to answer with.

    Member keys (server/shared/members.py) are looked up only when there are
    any (the desktop without members pays a clock read); a member key is
    matched before the access key is asked for, so a headless server whose
    only keys are members' never touches a keyring."""
    presented = presented_keys(scope["headers"])
    members = gateway.members
    if not members.empty:  # a server without an access key of its own may have only members
        member = members.match(presented)
        if member is not None:
            scope[MEMBER] = member
            return None
    try:
        if key_matches(gateway.access_key().encode(), presented):
            return None
    except SwitchboardError as exc:  # the keyring cannot be read
        return exc
    return AuthenticationFailed(WRONG_KEY)


def body_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    """0 when no body is announced, the Content-Length, or None (chunked: unknown)."""
    length = 0
    for name, value in headers:
        lname = name.lower()
        if lname == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None
        elif lname == b"transfer-encoding":
            return None
    return length


class EarlyRefusal:
    """ASGI wrapper around the Quart app; see the module docstring."""

    def __init__(self, app: Any, inner: ASGIApp) -> None:
        self.app = app        # the Quart app: its gateway and URL map
        self.inner = inner    # the Quart ASGI callable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            error = self._refusal(scope)
            if error is not None:
                await refuse(scope, receive, send, error)
                return
        await self.inner(scope, receive, send)

    def _refusal(self, scope: Scope) -> SwitchboardError | None:
        path = scope["path"]
        method = scope["method"]
        if is_api_path(path):
            if method != "POST":
                return None if body_length(scope["headers"]) == 0 else _not_allowed()
            error = authenticate(self.app.config["GATEWAY"], scope)
            if error is not None:
                return error
            scope[AUTHENTICATED] = True
            return None
        if path.startswith("/settings") or body_length(scope["headers"]) == 0:
            return None  # Quart answers (and a body-less request costs nothing)
        try:
            self.app.url_map.bind("localhost").match(path, method=method)
        except NotFound:
            return SwitchboardError(NOT_FOUND, status=404)
        except MethodNotAllowed:
            return _not_allowed()
        except RequestRedirect:
            return None
        return None


def _not_allowed() -> SwitchboardError:
    return SwitchboardError(NOT_ALLOWED, status=405)


async def refuse(scope: Scope, receive: Receive, send: Send, error: SwitchboardError) -> None:
    """Answer ``error`` without holding the request body in memory."""
    length = body_length(scope["headers"])
    keep_alive = length is not None and length <= DRAIN_LIMIT
    if keep_alive and length:
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT):
                await _drain(receive, length)
        except TimeoutError:
            keep_alive = False
    body = orjson.dumps(error.body())
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()]
    if not keep_alive:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _drain(receive: Receive, limit: int) -> None:
    received = 0
    while received <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        received += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
