"""The upstream HTTP exchange shared by all providers.

Opens the request with ``stream=True`` so that nothing reaches the client
before the upstream answered 2xx (translation.md §A.8): a connection failure
or an error status becomes a SwitchboardError with a real HTTP status, and
only a 2xx response is handed back for streaming. Messages name the provider
and the failing step, never a header or a key.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Callable, Mapping
from urllib.parse import urlsplit

import httpx

from server.errors import AnswerTooLarge, ConnectionFailed, StreamInterrupted, SwitchboardError, scrub_secret
from server.providers.aiohttp_transport import NotHttpError
from server.providers.connect_errors import REASONS, Kind, kind_of
from server.providers.timed_body import timed_body

ErrorMapper = Callable[[str, int, bytes, Mapping[str, str]], SwitchboardError]
_MAX_ERROR_BODY = 64 * 1024
# The largest non-stream answer Switchboard holds in memory (a 2xx body).
MAX_ANSWER_BYTES = 64 * 1024 * 1024


_PROXY_AUTH = "the proxy refused the connection; check its user name and password"


def _reason(exc: httpx.HTTPError, url: str = "") -> str:
    """Plain words for a transport failure, decided by exception types
    (server/providers/connect_errors.py), never by their text."""
    kind = kind_of(exc)
    if kind is Kind.NO_DESCRIPTORS:
        return REASONS[kind]
    if isinstance(exc, NotHttpError):
        where = urlsplit(url).netloc if url else ""
        return (f"the server at {where or 'that address'} did not answer with HTTP; "
                f"check the address and port")
    if isinstance(exc, httpx.ProxyError):
        # httpcore gives proxy failures no type of their own: a refused HTTP
        # CONNECT is "<status> <reason>", a SOCKS5 refusal one of two fixed
        # sentences (httpcore/_async/socks_proxy.py). Those are read, nothing else.
        text = str(exc)
        refused = (text.split(" ", 1)[0] == "407" or text == "Invalid username/password"
                   or (text.startswith("Requested ") and "from proxy server, but got" in text))
        return _PROXY_AUTH if refused else "the proxy could not be used"
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for an answer"
    if isinstance(exc, httpx.ConnectError):
        return REASONS[kind]
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection closed unexpectedly"
    return type(exc).__name__


class HttpxUpstream:
    """``post`` over an httpx client: proxied paths and injected transports."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def post(self, url: str, headers: Mapping[str, str], content: bytes) -> httpx.Response:
        request = self.client.build_request("POST", url, headers=headers, content=content)
        return await self.client.send(request, stream=True)


async def open_stream(
    client: Any,
    provider: str,
    url: str,
    *,
    headers: Mapping[str, str],
    content: bytes,
    map_error: ErrorMapper,
    secret: str | None = None,
    first_byte: float | None = None,
) -> httpx.Response:
    """POST and return the 2xx response, body not yet read.

    ``secret`` (the provider key) is scrubbed from error messages: some
    upstreams quote the key they rejected.
    """
    try:
        async with asyncio.timeout(first_byte):
            response = await client.post(url, headers, content)
    except TimeoutError:
        raise ConnectionFailed(provider, f"no answer within {first_byte:g} s") from None
    except httpx.HTTPError as exc:
        raise ConnectionFailed(provider, _reason(exc, url)) from None
    if response.status_code == 407:  # a plain-HTTP proxy answered for the upstream
        await response.aclose()
        raise ConnectionFailed(provider, _PROXY_AUTH)
    if response.status_code >= 300:
        try:
            body = await _read_capped(response)
        except httpx.HTTPError:
            body = b""
        finally:
            await response.aclose()
        error = map_error(provider, response.status_code, body, response.headers)
        cleaned = scrub_secret(error.message, secret)
        if cleaned != error.message:
            error.message = cleaned
            error.args = (cleaned,)
        raise error
    return response


def first_byte_limit(network: Any, stream: bool) -> float:
    """Seconds to wait for the answer's headers.

    A stream's headers come at once: ``first_byte``. A non-stream answer
    comes whole after the model finished: the longer of ``first_byte`` and
    ``idle`` (issue 14: never unbounded).
    """
    return network.first_byte if stream else max(network.first_byte, network.idle)


async def read_body(response: httpx.Response, provider: str, idle: float | None = None,
                    limit: int | None = None) -> bytes:
    """The whole (2xx) body: at most ``limit`` bytes (``MAX_ANSWER_BYTES``),
    and no more than ``idle`` seconds of silence between reads."""
    cap = MAX_ANSWER_BYTES if limit is None else limit
    arrived = getattr(response, "read_if_complete", None)  # aiohttp: a small answer comes with its headers
    if arrived is not None:
        whole = arrived()
        if whole is not None:
            await response.aclose()
            if len(whole) > cap:
                raise _too_large(provider, cap)
            return whole
    parts: list[bytes] = []
    size = 0

    def broken(exc: BaseException) -> BaseException:
        if isinstance(exc, httpx.HTTPError):
            return ConnectionFailed(provider, _reason(exc))
        return exc

    try:
        body = timed_body(response.aiter_bytes(), ping=None, idle=idle, on_error=broken,
                          on_idle=lambda s: ConnectionFailed(provider, f"no data for {s:g} s"))
        async with contextlib.aclosing(body):
            async for chunk in body:
                size += len(chunk)  # type: ignore[arg-type]
                if size > cap:
                    raise _too_large(provider, cap)
                parts.append(chunk)  # type: ignore[arg-type]
    finally:
        await response.aclose()
    return b"".join(parts)


def _too_large(provider: str, cap: int) -> AnswerTooLarge:
    return AnswerTooLarge(f"{provider}: the answer is larger than {cap // (1024 * 1024)} MB; "
                          f"Switchboard stopped reading it. Ask for a shorter answer")


def iter_bytes(response: httpx.Response, provider: str, idle: float | None = None,
               ping: float | None = None) -> AsyncIterator[bytes | None]:
    """The body as it arrives, ``None`` when a ping is due (see timed_body).

    A broken connection or ``idle`` seconds of silence become
    StreamInterrupted: an ``event: error`` for the client.
    """
    def broken(exc: BaseException) -> BaseException:
        if isinstance(exc, httpx.HTTPError):
            return StreamInterrupted(f"{provider}: the stream broke off ({_reason(exc)})")
        return exc

    return timed_body(
        response.aiter_bytes(), ping=ping, idle=idle, on_error=broken, close=response.aclose,
        on_idle=lambda s: StreamInterrupted(f"{provider}: no data for {s:g} s; the stream was stopped"),
    )


async def _read_capped(response: httpx.Response) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size >= _MAX_ERROR_BODY:
            break
    return b"".join(parts)[:_MAX_ERROR_BODY]


def join_url(base_url: str, path: str) -> str:
    """base_url + path, without doubling a ``/v1`` the user already typed."""
    base = base_url.rstrip("/")
    if path.startswith("/v1/") and base.endswith("/v1"):
        path = path[3:]
    return base + path
