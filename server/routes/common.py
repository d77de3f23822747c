"""Helpers shared by the API blueprints: the gateway, JSON bodies, auth."""
from __future__ import annotations

import hmac
from typing import Any

import orjson
from quart import current_app, request

from server.errors import AuthenticationFailed, InvalidRequest
from server.gateway import Gateway


def gateway() -> Gateway:
    return current_app.config["GATEWAY"]


async def json_body() -> Any:
    return (await json_body_and_size())[0]


async def json_body_and_size() -> tuple[Any, int]:
    """The decoded body and its size in bytes (routing estimates tokens from it)."""
    data = await request.get_data(cache=False, as_text=False)
    if not data:
        raise InvalidRequest("The request body is empty; send a JSON object")
    try:
        return orjson.loads(data), len(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidRequest(f"The request body is not valid JSON ({exc.args[0] if exc.args else 'parse error'})") from None


async def drain_body() -> None:
    """Read (and drop) a request body we answer without using.

    Hypercorn drops a keep-alive connection whose request body was left
    unread, without ``Connection: close``; the client's next request on it
    then fails. Bounded by MAX_CONTENT_LENGTH.
    """
    try:
        await request.get_data(cache=False)
    except Exception:  # too large, or the client went away: nothing to save
        pass


async def check_auth() -> None:
    """x-api-key or Authorization: Bearer, compared in constant time."""
    expected = gateway().access_key().encode()
    presented = []
    if "x-api-key" in request.headers:
        presented.append(request.headers["x-api-key"])
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        presented.append(auth[7:].strip())
    ok = False
    for value in presented:
        # compare_digest on equal-length bytes is constant time; fold the
        # result so every presented value is checked.
        ok |= hmac.compare_digest(value.encode(), expected)
    if not ok:
        await drain_body()
        raise AuthenticationFailed("Invalid API key")


def client_betas() -> tuple[str, ...]:
    values = request.headers.getlist("anthropic-beta")
    return tuple(b.strip() for v in values for b in v.split(",") if b.strip())


def anthropic_version() -> str:
    return request.headers.get("anthropic-version", "2023-06-01")


def request_meta() -> dict[str, Any]:
    return {"betas": client_betas(), "anthropic_version": anthropic_version()}
