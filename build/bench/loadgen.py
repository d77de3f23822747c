"""The benchmark's load generator: a raw asyncio HTTP/1.1 client, keep-alive.

One connection per worker, requests back to back (a closed loop). Each
result carries the whole-request latency, the time to first token (the first
read holding a ``content_block_delta``; the whole answer for a non-stream
request) and, for streams, the longest gap between two reads after the first
token. httpx is not used here: at C=32 it costs more CPU than the gateway
under test and would saturate first.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

_DELTA = b"content_block_delta"


@dataclass(slots=True)
class Result:
    ok: bool
    latency: float = 0.0  # s
    ttft: float = 0.0  # s
    max_stall: float = 0.0  # s, streams only
    reads: int = 0
    error: str = ""


@dataclass(slots=True)
class Phase:
    results: list[Result] = field(default_factory=list)
    wall: float = 0.0


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=1 << 20)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, raw: bytes, stream: bool) -> Result:
        if self.writer is None:
            await self.open()
        reader, writer = self.reader, self.writer
        assert reader is not None and writer is not None
        t0 = time.perf_counter()
        try:
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            chunked = b"transfer-encoding: chunked" in lower
            close = b"connection: close" in lower
            if not chunked:
                i = lower.find(b"content-length:")
                length = int(lower[i + 15:lower.index(b"\r\n", i)]) if i >= 0 else 0
                body = await reader.readexactly(length)
                t1 = time.perf_counter()
                if close:
                    self.close()
                ok = status == 200 and (b'"type":"message"' in body or b'"type": "message"' in body)
                return Result(ok, t1 - t0, t1 - t0, 0.0, 1, "" if ok else f"{status} {body[:200]!r}")
            first = 0.0
            last = 0.0
            stall = 0.0
            reads = 0
            saw_stop = saw_error = False
            while True:
                line = await reader.readuntil(b"\r\n")
                size = int(line.split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                data = await reader.readexactly(size + 2)
                now = time.perf_counter()
                reads += 1
                if first:
                    gap = now - last
                    if gap > stall and not saw_stop:
                        stall = gap
                    last = now
                elif _DELTA in data:
                    first = last = now
                if b"message_stop" in data:
                    saw_stop = True
                if b"event: error" in data:
                    saw_error = True
            t1 = time.perf_counter()
            if close:
                self.close()
            ok = status == 200 and saw_stop and not saw_error and (first > 0 or not stream)
            return Result(ok, t1 - t0, (first or t1) - t0, stall, reads,
                          "" if ok else f"{status} stop={saw_stop} error={saw_error}")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            return Result(False, time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}")


def build_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"host: {host}:{port}", f"content-length: {len(body)}",
             "content-type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def run(host: str, port: int, raw: bytes, *, stream: bool, concurrency: int,
              duration: float | None = None, requests: int | None = None) -> Phase:
    """``concurrency`` workers, each on its own connection, until ``duration``
    seconds have passed or ``requests`` in total have been sent."""
    conns = [Conn(host, port) for _ in range(concurrency)]
    await asyncio.gather(*(c.open() for c in conns))
    phase = Phase()
    budget = [requests if requests is not None else 1 << 62]
    start = time.perf_counter()
    deadline = start + duration if duration is not None else float("inf")

    async def worker(conn: Conn) -> None:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            phase.results.append(await conn.request(raw, stream))

    try:
        await asyncio.gather(*(worker(c) for c in conns))
    finally:
        phase.wall = time.perf_counter() - start
        for c in conns:
            c.close()
    return phase
