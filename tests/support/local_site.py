"""Another program's tiny web server on 127.0.0.1 (a port squatter, a
hostile local page): it records every request it gets and answers each
with what ``answer(path)`` returns."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class LocalSite:
    """``seen`` holds each request as its request line, headers and body in
    one string; ``cookies`` the Cookie header of each request."""

    def __init__(self, answer: Callable[[str], tuple[str, bytes]],
                 methods: tuple[str, ...] = ("GET", "POST", "HEAD")) -> None:
        self.seen: list[str] = []
        self.cookies: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                site.seen.append(self.requestline + str(self.headers) + self.rfile.read(length).decode())
                site.cookies.append(self.headers.get("Cookie", ""))
                content_type, body = answer(self.path)
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        for method in methods:
            setattr(Handler, "do_" + method, Handler._answer)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def answers_json(data: Any, methods: tuple[str, ...] = ("GET", "POST", "HEAD")) -> LocalSite:
    """A site that answers every request with ``data`` as JSON."""
    body = json.dumps(data).encode()
    return LocalSite(lambda path: ("application/json", body), methods)
