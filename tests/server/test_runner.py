"""Descriptors (issue 14 §5): closed connections are released at once, the
soft limit is raised at start, exhaustion is named.

Real ``python -m server`` processes under ``RLIMIT_NOFILE=256``.
"""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, gateway_config
from tests.support.server_process import ServerProcess

resource = pytest.importorskip("resource")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _limit(soft: int, hard: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return apply


def _soft_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])
    raise AssertionError("no limit line")


def _keyless(upstream_url: str) -> dict:
    config = gateway_config(upstream_url)
    config["providers"]["up"]["api_key"] = ""
    return config


def test_connect_close_bursts_do_not_exhaust_descriptors(tmp_path, upstream):
    # soft = hard = 256: the limit cannot be raised, only prompt closing helps.
    server = ServerProcess(tmp_path / "home", _keyless(upstream.url), preexec_fn=_limit(256, 256)).wait_ready()
    try:
        assert _soft_limit(server.pid) == 256
        for _ in range(400):
            try:
                s = socket.create_connection(("127.0.0.1", server.port), timeout=1)
                s.close()
            except OSError:
                pass
        body = {"model": "up/m1", "messages": [{"role": "user", "content": "hello"}]}
        started = time.monotonic()
        ok = False
        while time.monotonic() - started < 2.5:
            try:
                r = httpx.post(server.url + "/v1/messages/count_tokens", json=body, timeout=1,
                               headers={"x-api-key": server.key})
                ok = r.status_code == 200
                if ok:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # Before the fix each closed connection was held for 75 s (CLOSE-WAIT).
        assert ok, "no legitimate request succeeded within 2.5 s"
        fds = len(os.listdir(f"/proc/{server.pid}/fd"))
        assert fds < 100, f"{fds} descriptors still open"
    finally:
        out = server.stop()
    # The limit could not be raised: the log and the terminal say so.
    log = (tmp_path / "home" / "logs" / "switchboard.log").read_text()
    assert "at most 256 open connections and files" in log
    assert "ulimit -n" in out


def test_server_raises_its_soft_descriptor_limit(tmp_path, upstream):
    server = ServerProcess(tmp_path / "home", _keyless(upstream.url), preexec_fn=_limit(256, 4096)).wait_ready()
    try:
        assert _soft_limit(server.pid) == 4096
    finally:
        server.stop()


_THREAD_SCRIPT = """
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (256, 2048))
from quart import Quart
from server.runner import ServerThread
from tests.support.live_server import free_port
app = Quart("t")
t = ServerThread(app, "127.0.0.1", free_port())
t.start()
assert t.ready.wait(10) and t.error is None, t.error
print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])
t.stop()
"""


def test_tray_server_thread_raises_the_soft_limit_too():
    out = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "2048"


_EXHAUSTED_SCRIPT = """
import asyncio, resource, sys, ssl
from server.config import parse
from server.errors import ConnectionFailed
from server.providers.aiohttp_transport import AiohttpTransport
from server.providers.base import Call
from server.providers.openai_chat.provider import OpenAIChatProvider

async def main():
    pconf = parse({"providers": {"up": {"type": "openai", "base_url": sys.argv[1] + "/v1", "api_key": ""}},
                   "routes": {"r": {"default": "up/m"}}, "active_route": "r"}).providers["up"]
    transport = AiohttpTransport(ssl_context=ssl.create_default_context(), connect=5, read=5)
    provider = OpenAIChatProvider("up", pconf, transport, None)
    call = Call(request={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]},
                model="m", stream=False, requested_model="m")
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
    held = []
    try:
        while True:
            held.append(open("/dev/null"))
    except OSError:
        pass
    try:
        await provider.send(call)
    except ConnectionFailed as exc:
        print(exc.message)
    finally:
        for f in held: f.close()
        await transport.aclose()

asyncio.run(main())
"""


def test_descriptor_exhaustion_is_named_not_called_connection_refused(upstream):
    out = subprocess.run([sys.executable, "-c", _EXHAUSTED_SCRIPT, upstream.url], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                         timeout=60)
    assert out.returncode == 0, out.stderr
    message = out.stdout.strip()
    assert "connection refused" not in message
    assert "file descriptors" in message, message
