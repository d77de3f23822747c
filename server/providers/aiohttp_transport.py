"""An httpx transport on aiohttp, for upstream requests that go direct.

Measured with build/bench (issue 7), httpx's own transport (httpcore + h11,
pure Python) was the largest cost of the gateway: 40 % of a tiny request's
CPU, and one parse-and-write round per SSE frame on streams; its pool also
degrades under concurrency (encode/httpx#3215). aiohttp parses HTTP in C and
hands over everything already buffered in one read, so a 50-chunk stream
costs a third of the CPU. Providers keep the httpx API (``httpx.Response``,
``aiter_bytes``), and tests can still inject any httpx transport.

Providers reach it through :meth:`AiohttpTransport.post`, which skips
httpx's client layer too (request building, cookies, auth and redirect
hooks: another 15 % of a small request); the response offers the few
``httpx.Response`` members providers use. Requests through a proxy, and
tests that inject a transport, go through an httpx client instead (see
Gateway.upstream_for). Errors are mapped onto httpx's exception types so the
provider's plain-words reasons (providers/http.py) stay the same.
"""
from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator

import aiohttp
import httpx

from server.providers.connect_errors import REASONS, Kind, UpstreamConnectError, kind_of


class NotHttpError(httpx.RemoteProtocolError):
    """The server answered, but not with HTTP (another protocol on that port)."""


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        # iter_any: all the bytes already received, in one piece.
        async for chunk in response.content.iter_any():
            yield chunk
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.RemoteProtocolError(str(exc)) from exc
    except aiohttp.ClientError as exc:
        raise httpx.ReadError(str(exc)) from exc


async def _release(response: aiohttp.ClientResponse) -> None:
    if response.content.at_eof():
        response.release()   # back to the pool for the next request
    else:
        response.close()     # abandoned mid-body (client gone): drop it


class AioResponse:
    """The members of httpx.Response that providers use, over aiohttp."""

    __slots__ = ("_response", "status_code", "headers")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.headers = response.headers  # case-insensitive, like httpx's

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return _chunks(self._response)

    async def aread(self) -> bytes:
        return b"".join([chunk async for chunk in _chunks(self._response)])

    def read_if_complete(self) -> bytes | None:
        """The whole body if it has all arrived already (a small answer comes
        with its headers), without waiting: no reader task, no timer (issue
        22: ~7 % of a small request). ``None`` while any of it is still to come."""
        content = self._response.content
        if not content.is_eof() or content.exception() is not None:
            return None
        return content.read_nowait()

    async def aclose(self) -> None:
        await _release(self._response)


class _Body(httpx.AsyncByteStream):
    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _chunks(self._response)

    async def aclose(self) -> None:
        await _release(self._response)


def _map_connect_error(exc: BaseException) -> httpx.HTTPError:
    """aiohttp's failure as httpx's type, the connection kind set from types."""
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError, ssl.SSLError)):
        return UpstreamConnectError(Kind.TLS, f"TLS: {type(exc).__name__}")
    dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)
    if dns_error is not None and isinstance(exc, dns_error):
        return UpstreamConnectError(Kind.DNS, "name resolution failed")
    if isinstance(exc, aiohttp.ClientConnectorError):
        kind = kind_of(exc)
        return UpstreamConnectError(kind, f"{REASONS[kind]} ({exc.host}:{exc.port})")
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return httpx.ConnectTimeout(str(exc) or "timed out")
    if isinstance(exc, aiohttp.ClientResponseError):
        # Raised while the answer's status line and headers are parsed.
        return NotHttpError(f"not an HTTP answer ({type(exc).__name__})")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(str(exc) or "server disconnected")
    kind = kind_of(exc)
    return UpstreamConnectError(kind, f"{REASONS[kind]} ({type(exc).__name__})")


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext, max_connections: int = 256,
                 keepalive_timeout: float = 60.0, connect: float | None = None,
                 read: float | None = None) -> None:
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        self._limit = max_connections
        self._keepalive = keepalive_timeout
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self._ssl, limit=self._limit, limit_per_host=0,
                                             keepalive_timeout=self._keepalive, enable_cleanup_closed=False)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=True,
                trust_env=False, cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=("User-Agent",), raise_for_status=False,
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts: dict[str, Any] = request.extensions.get("timeout", {})
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.get("connect"),
                                        sock_read=timeouts.get("read"))
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() != "host"]
        body = request.content if isinstance(request.stream, httpx.ByteStream) else await request.aread()
        try:
            response = await self._get_session().request(
                request.method, str(request.url), headers=headers, data=body or None,
                allow_redirects=False, timeout=timeout, compress=None,
            )
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, ssl.SSLError, OSError) as exc:
            raise _map_connect_error(exc) from exc
        return httpx.Response(
            status_code=response.status,
            # aiohttp already decoded the body: httpx must not decode it again.
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers
                     if k.lower() not in (b"content-encoding", b"content-length")],
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def post(self, url: str, headers: dict[str, str], content: bytes) -> AioResponse:
        """POST straight through aiohttp; the response is not read yet."""
        try:
            response = await self._get_session().request(
                "POST", url, headers=headers, data=content, allow_redirects=False,
                timeout=self._timeout, compress=None,
            )
        except asyncio.CancelledError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, ssl.SSLError, OSError) as exc:
            raise _map_connect_error(exc) from exc
        return AioResponse(response)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
