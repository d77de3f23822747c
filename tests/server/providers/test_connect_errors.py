"""Connection failures are told apart by exception types from both
transports (issue 21 §3), against real sockets on 127.0.0.1."""
from __future__ import annotations

import asyncio
import errno
import threading
import socket
import ssl

import httpx
import pytest

from server.errors import ConnectionFailed
from server.providers import http as upstream_http
from server.providers.aiohttp_transport import AiohttpTransport
from server.providers.connect_errors import REASONS, Kind, UpstreamConnectError, kind_of


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kinds_come_from_types_along_the_cause_chain():
    def chained(inner: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise inner
            except BaseException as exc:
                raise httpx.ConnectError("some words that mean nothing") from exc
        except httpx.ConnectError as outer:
            return outer
    assert kind_of(chained(ConnectionRefusedError(errno.ECONNREFUSED, "x"))) is Kind.REFUSED
    assert kind_of(chained(socket.gaierror(-2, "x"))) is Kind.DNS
    assert kind_of(chained(ssl.SSLCertVerificationError(1, "x"))) is Kind.TLS
    assert kind_of(chained(OSError(errno.EMFILE, "x"))) is Kind.NO_DESCRIPTORS
    assert kind_of(chained(OSError(errno.EHOSTUNREACH, "x"))) is Kind.UNREACHABLE
    # Text alone decides nothing.
    assert kind_of(httpx.ConnectError("certificate verify failed: Name or service not known")) is Kind.OTHER
    assert kind_of(UpstreamConnectError(Kind.DNS, "whatever")) is Kind.DNS


async def _post(client, url):
    return await upstream_http.open_stream(client, "Local", url, headers={}, content=b"{}",
                                           map_error=lambda *a: None)


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_refused_and_tls_through_both_transports(transport):
    asyncio.run(_refused_and_tls(transport))


async def _refused_and_tls(transport):
    ctx = ssl.create_default_context()
    if transport == "aiohttp":
        client = AiohttpTransport(ssl_context=ctx, connect=2, read=5)
    else:
        client = upstream_http.HttpxUpstream(httpx.AsyncClient(verify=ctx, trust_env=False))
    try:
        with pytest.raises(ConnectionFailed) as refused:
            await _post(client, f"http://127.0.0.1:{closed_port()}/v1/chat/completions")
        assert REASONS[Kind.REFUSED] in refused.value.message
        # A plain TCP server that never speaks TLS: the handshake fails.
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            port = server.getsockname()[1]
            def answer() -> None:
                conn, _ = server.accept()
                conn.sendall(b"this is not TLS at all\r\n" * 4)
                conn.close()
            threading.Thread(target=answer, daemon=True).start()
            with pytest.raises(ConnectionFailed) as tls:
                await _post(client, f"https://127.0.0.1:{port}/v1/chat/completions")
        assert REASONS[Kind.TLS] in tls.value.message
    finally:
        await (client.aclose() if transport == "aiohttp" else client.client.aclose())
