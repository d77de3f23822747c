"""Switchboard itself, served by Hypercorn on a free loopback port."""
from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx

from server.app import create_app
from server.config import parse
from server.runner import ServerThread
from server.secrets import MemoryKeyring, SecretStore
from server.settings import Settings

ACCESS_KEY = "sk-swb-test-access-key-0123456789"


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, home: Path, config: dict[str, Any], *, keyring: Any = None,
                 environ: dict[str, str] | None = None, **settings: Any) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(home=home, config_path=home / "switchboard.json",
                                 log_dir=home / "logs", **settings)
        env = {"SWITCHBOARD_API_KEY": ACCESS_KEY, **(environ or {})}
        self.secrets = SecretStore(keyring or MemoryKeyring(), environ=env)
        self.app = create_app(self.settings, secrets=self.secrets, config=parse(config))
        self.gateway = self.app.config["GATEWAY"]
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = ServerThread(self.app, "127.0.0.1", self.port)

    def start(self) -> "LiveServer":
        self.thread.start()
        assert self.thread.ready.wait(10), "server did not start"
        if self.thread.error:
            raise self.thread.error
        return self

    def stop(self) -> None:
        self.thread.stop()

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             content: bytes | None = None, timeout: float = 30) -> httpx.Response:
        h = {"x-api-key": ACCESS_KEY, "anthropic-version": "2023-06-01",
             "content-type": "application/json", **(headers or {})}
        if content is None:
            return httpx.post(self.url + path, json=body, headers=h, timeout=timeout)
        return httpx.post(self.url + path, content=content, headers=h, timeout=timeout)
