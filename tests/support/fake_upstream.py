"""A fake provider: a real HTTP server on 127.0.0.1 that replays scripts.

Each incoming request is recorded (method, path, headers, JSON body) and
answered by the next queued :class:`Script` (or the default one): a status,
headers, and body parts written one by one with optional delays, a
connection drop after N parts, a stall before the headers, or garbage. When
the client goes away mid-stream the failed write is recorded with its time,
which is how tests prove that Switchboard cancels the upstream request.
"""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable


@dataclass
class Script:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    parts: list[bytes] = field(default_factory=list)
    delay_before_headers: float = 0.0
    delay_between_parts: float = 0.0
    drop_after_parts: int | None = None   # close the socket abruptly after N parts
    content_type: str = "application/json"
    # Decide per request (e.g. verify what Switchboard sent): returns a Script.
    handler: Callable[["Recorded"], "Script"] | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def json_script(data: Any, status: int = 200, **kw: Any) -> Script:
    return Script(status=status, parts=[json.dumps(data).encode()], **kw)


def sse_script(frames: list[bytes], **kw: Any) -> Script:
    return Script(parts=frames, content_type="text/event-stream", **kw)


def chunks_file_script(path: Path, *, done: bool = True, **kw: Any) -> Script:
    """A Vercel-style .chunks.txt: one ``data:`` payload per line."""
    lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    frames = [b"data: " + l.encode() + b"\n\n" for l in lines]
    if done:
        frames.append(b"data: [DONE]\n\n")
    return sse_script(frames, **kw)


def sse_file_script(path: Path, *, split: int = 0, **kw: Any) -> Script:
    """A raw recorded SSE body, optionally cut into ``split``-byte parts."""
    data = path.read_bytes()
    parts = [data[i:i + split] for i in range(0, len(data), split)] if split else [data]
    return sse_script(parts, **kw)


class FakeUpstream:
    def __init__(self, ssl_context: "ssl.SSLContext | None" = None) -> None:
        self.requests: list[Recorded] = []
        self.scripts: list[Script] = []
        self.default: Script = json_script({"error": {"message": "no script queued"}}, status=599)
        self.disconnects: list[float] = []   # times a client vanished mid-body
        self.finished: list[float] = []      # times a body was written completely
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with upstream._lock:
                    upstream.requests.append(rec)
                    script = upstream.scripts.pop(0) if upstream.scripts else upstream.default
                if script.handler is not None:
                    script = script.handler(rec)
                upstream._play(self, script)

            do_POST = do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        if ssl_context is not None:  # HTTPS, for the TLS trust tests
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            self.url = f"https://localhost:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def queue(self, *scripts: Script) -> "FakeUpstream":
        with self._lock:
            self.scripts.extend(scripts)
        return self

    def _play(self, h: BaseHTTPRequestHandler, s: Script) -> None:
        if s.delay_before_headers:
            time.sleep(s.delay_before_headers)
        try:
            h.send_response(s.status)
            h.send_header("content-type", s.content_type)
            for k, v in s.headers.items():
                h.send_header(k, v)
            h.send_header("transfer-encoding", "chunked")
            h.end_headers()
            for i, part in enumerate(s.parts):
                if s.drop_after_parts is not None and i >= s.drop_after_parts:
                    h.wfile.flush()
                    h.connection.shutdown(socket.SHUT_RDWR)
                    h.close_connection = True
                    return
                if i and s.delay_between_parts:
                    time.sleep(s.delay_between_parts)
                if part:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                    h.wfile.flush()
            if s.drop_after_parts is not None and s.drop_after_parts >= len(s.parts):
                h.connection.shutdown(socket.SHUT_RDWR)
                h.close_connection = True
                return
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
            self.finished.append(time.monotonic())
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.disconnects.append(time.monotonic())
            h.close_connection = True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
