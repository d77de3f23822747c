"""An httpx transport on aiohttp, for upstream requests that go direct.

Measured with build/bench (issue 7), httpx's own transport (httpcore + h11,
pure Python) was the largest cost of the gateway: 40 % of a tiny request's
CPU, and one parse-and-write round per SSE frame on streams; its pool also
degrades under concurrency (encode/httpx#3215). aiohttp parses HTTP in C and
hands over everything already buffered in one read, so a 50-chunk stream
costs a third of the CPU. Providers keep the httpx API (``httpx.Response``,
``aiter_bytes``), and tests can still inject any httpx transport.

Requests through a proxy keep httpx's transport (SOCKS included); see
Gateway.client_for. Errors are mapped onto httpx's exception types so the
provider's plain-words reasons (providers/http.py) stay the same.
"""
from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator

import aiohttp
import httpx


class _Body(httpx.AsyncByteStream):
    __slots__ = ("_response",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            # iter_any: all the bytes already received, in one piece.
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except aiohttp.ClientPayloadError as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise httpx.ReadError(str(exc)) from exc

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()   # back to the pool for the next request
        else:
            self._response.close()     # abandoned mid-body (client gone): drop it


def _map_connect_error(exc: BaseException) -> httpx.HTTPError:
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError, ssl.SSLError)):
        return httpx.ConnectError(f"SSL: certificate verify failed ({exc})")
    if isinstance(exc, aiohttp.ClientConnectorDNSError if hasattr(aiohttp, "ClientConnectorDNSError")
                  else ()):
        return httpx.ConnectError(f"Name or service not known ({exc})")
    if isinstance(exc, aiohttp.ClientConnectorError):
        text = str(exc)
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return httpx.ConnectError(f"Name or service not known ({text})")
        reason = getattr(exc.os_error, "strerror", None) or "connection failed"
        return httpx.ConnectError(f"{reason} ({exc.host}:{exc.port})")
    if isinstance(exc, (asyncio.TimeoutError, aiohttp.ServerTimeoutError)):
        return httpx.ConnectTimeout(str(exc) or "timed out")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError(str(exc) or "server disconnected")
    return httpx.ConnectError(f"{type(exc).__name__}: {exc}")


class AiohttpTransport(httpx.AsyncBaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext, max_connections: int = 256,
                 keepalive_timeout: float = 60.0) -> None:
        self._ssl = ssl_context
        self._limit = max_connections
        self._keepalive = keepalive_timeout
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        # Created on first use, inside the server's event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self._ssl, limit=self._limit, limit_per_host=0,
                                             keepalive_timeout=self._keepalive, enable_cleanup_closed=False)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False,  # httpx decodes content-encoding
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
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.raw_headers],
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
