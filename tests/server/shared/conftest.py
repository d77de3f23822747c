"""Fixtures for team mode: real redis-server, nginx, replicas as processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from tests.support.fake_upstream import FakeUpstream, json_script
from tests.support.server_process import REPO, ServerProcess
from tests.support.team import REDIS, Nginx, RedisServer

ADMIN_KEY = "sk-swb-team-admin-key-0000000000000"
SECRET = "team-test-hmac-secret-0123456789abcdef"


def ok_reply(text: str = "ok", prompt: int = 10, completion: int = 5) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion", "model": "m1", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}}


def team_config(primary_url: str, fallback_url: str) -> dict[str, Any]:
    """Two providers; the route tries primary, then fallback. Prices make
    10 input + 5 output tokens cost $0.02 (limits in dollars)."""
    provider = {"type": "openai", "api_key": "", "models": ["m1"],
                "prices": {"m1": {"input": 1000.0, "output": 2000.0}}}
    return {
        "providers": {"primary": {**provider, "base_url": primary_url + "/v1"},
                      "fallback": {**provider, "base_url": fallback_url + "/v1"}},
        "routes": {"main": {"default": ["primary/m1", "fallback/m1"], "sticky_minutes": 10}},
        "active_route": "main",
    }


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if REDIS is None:
        pytest.skip("redis-server is not installed (test.sh installs it)")
    srv = RedisServer(tmp_path / "redis").start()
    yield srv
    srv.stop()


@pytest.fixture
def upstreams() -> Iterator[tuple[FakeUpstream, FakeUpstream]]:
    primary, fallback = FakeUpstream(), FakeUpstream()
    primary.default = json_script(ok_reply("from primary"))
    fallback.default = json_script(ok_reply("from fallback"))
    yield primary, fallback
    primary.close()
    fallback.close()


@pytest.fixture
def replicas(tmp_path: Path, redis_server: RedisServer, upstreams: Any
             ) -> Iterator[Callable[..., list[ServerProcess]]]:
    started: list[ServerProcess] = []

    def start(n: int = 2, *, env: dict[str, str] | None = None, config: dict[str, Any] | None = None
              ) -> list[ServerProcess]:
        primary, fallback = upstreams
        cfg = config or team_config(primary.url, fallback.url)
        procs = []
        for i in range(n):
            procs.append(ServerProcess(tmp_path / f"replica{len(started) + i}", cfg, api_key=ADMIN_KEY, env={
                "SWITCHBOARD_REDIS_URL": redis_server.url, "SWITCHBOARD_KEY_SECRET": SECRET,
                "SWITCHBOARD_REQUEST_ID_HEADER": "x-request-id", **(env or {})}))
        started.extend(procs)
        return [p.wait_ready() for p in procs]

    yield start
    for p in started:
        p.stop()


@pytest.fixture
def nginx_for(tmp_path: Path) -> Iterator[Callable[[list[ServerProcess]], Nginx]]:
    made: list[Nginx] = []

    def make(procs: list[ServerProcess]) -> Nginx:
        n = Nginx(tmp_path / "nginx", [p.port for p in procs]).start()
        made.append(n)
        return n

    yield make
    for n in made:
        n.stop()


def keys_cli(*args: str, redis_url: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SWITCHBOARD_REDIS_URL": redis_url,
           "SWITCHBOARD_KEY_SECRET": SECRET}
    if home is not None:
        env["SWITCHBOARD_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "server", "keys", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def body(text: str = "hi", messages: int = 1) -> dict[str, Any]:
    msgs = [{"role": "user", "content": text}]
    for _ in range(messages - 1):
        msgs += [{"role": "assistant", "content": "ok"}, {"role": "user", "content": text}]
    return {"model": "claude-sonnet-5", "max_tokens": 20, "messages": msgs}


def ask(url: str, key: str = ADMIN_KEY, *, session: str | None = None, messages: int = 1,
        timeout: float = 30) -> Any:
    import httpx

    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if session:
        headers["x-claude-code-session-id"] = session
    return httpx.post(url + "/v1/messages", json=body(messages=messages), headers=headers, timeout=timeout)
