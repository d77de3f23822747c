"""Helpers shared by the API blueprints: the gateway, JSON bodies, auth."""
from __future__ import annotations

import asyncio
from typing import Any

import orjson
from quart import current_app, request

from server.errors import InvalidRequest
from server.gateway import Gateway
from server.routes.guard import AUTHENTICATED, DRAIN_LIMIT, DRAIN_TIMEOUT, authenticate


def gateway() -> Gateway:
    return current_app.config["GATEWAY"]


async def json_body() -> Any:
    return (await json_body_and_size())[0]


async def json_body_and_size() -> tuple[Any, int]:
    """The decoded body and its size in bytes (routing estimates tokens from it)."""
    data = await _request_bytes()
    if not data:
        raise InvalidRequest("The request body is empty; send a JSON object")
    try:
        return orjson.loads(data), len(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON ({exc.args[0] if exc.args else 'parse error'})") from None


async def _request_bytes() -> bytes:
    """The request body. One that has all arrived (a small request comes with
    its headers) is taken as it is; only one still arriving is waited for
    under BODY_TIMEOUT (Quart's wait_for: a task and a timer per request,
    issue 22). Too large raises the same RequestEntityTooLarge either way."""
    body = request.body
    complete = getattr(body, "_complete", None)  # Quart's Body: fully received
    if complete is not None and complete.is_set():
        data = await body
        body.clear()
        return data
    return await request.get_data(cache=False, as_text=False)


async def drain_body() -> bool:
    """Read (and drop) a small request body we answer without using.

    Hypercorn drops a keep-alive connection whose request body was left
    unread, without ``Connection: close``; the client's next request on it
    then fails. Only a body announced as at most ``DRAIN_LIMIT`` bytes is
    read; for anything else the answer must carry ``Connection: close``
    (False is returned). Never reads a body twice: a timed-out or
    too-large body is not waited for again (issue 14 §9).
    """
    complete = getattr(request.body, "_complete", None)  # Quart's Body: fully received
    if complete is not None and complete.is_set() and getattr(request.body, "_must_raise", None) is None:
        return True
    length = request.content_length
    if length is None and "transfer-encoding" not in request.headers:
        return True  # no body at all
    if length is None or length > DRAIN_LIMIT:
        return False
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT):
            await request.body
    except Exception:  # the client went away, too slow, or already failed
        return False
    return True


async def check_auth() -> None:
    """x-api-key or Authorization: Bearer, compared in constant time.

    The guard (routes/guard.py) has normally checked the key already,
    before the body was read; this is the same check for any other way in.
    """
    if request.scope.get(AUTHENTICATED):
        return
    error = authenticate(gateway(), request.scope)
    if error is not None:
        raise error


def client_betas() -> tuple[str, ...]:
    values = request.headers.getlist("anthropic-beta")
    return tuple(b.strip() for v in values for b in v.split(",") if b.strip())


def anthropic_version() -> str:
    return request.headers.get("anthropic-version", "2023-06-01")


def request_meta() -> dict[str, Any]:
    return {"betas": client_betas(), "anthropic_version": anthropic_version()}
