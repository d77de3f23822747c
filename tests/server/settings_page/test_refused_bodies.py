"""Refused settings requests are refused before their body is read (issue
14.4): several concurrent 50 MB POSTs with a foreign Origin, or without a
session, must not raise the peak memory of a real ``python -m server``."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import free_port

REPO = Path(__file__).resolve().parents[3]
BODY = 50 * 1024 * 1024
CONCURRENT = 8
pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.fixture
def headless(tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "switchboard.json").write_text(json.dumps({"providers": {}, "routes": {}}))
    port = free_port()
    env = {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": "sk-swb-body-test-000000000000",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1, trust_env=False).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield proc, port
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def big_post(port: int, path: str, headers: dict[str, str], result: list[bytes]) -> None:
    """Send a 50 MB body as fast as the server takes it; keep the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {BODY}\r\n{head}\r\n").encode())
    chunk = b"x" * (1024 * 1024)
    answer = b""
    try:
        for _ in range(BODY // len(chunk)):
            sock.sendall(chunk)
    except OSError:
        pass  # the server closed the connection instead of reading the rest: what we want
    try:
        sock.settimeout(10)
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    finally:
        sock.close()
    result.append(answer)


def test_refused_large_bodies_are_never_buffered(headless) -> None:
    proc, port = headless
    # Warm up (imports, first requests) before taking the baseline.
    for _ in range(3):
        httpx.get(f"http://127.0.0.1:{port}/settings/api/state", trust_env=False)
    before = peak_rss_kb(proc.pid)
    answers: list[bytes] = []
    requests = []
    for i in range(CONCURRENT):
        if i % 3 == 0:
            # A cross-site page's no-cors POST: a foreign Origin.
            requests.append(("/settings/api/providers", {"Origin": "http://evil.example"}))
        elif i % 3 == 1:
            # Our Origin, but no session.
            requests.append(("/settings/api/setup", {"Origin": f"http://127.0.0.1:{port}"}))
        else:
            # An address under /settings that nothing serves.
            requests.append(("/settings/api/nothing-here", {"Origin": "http://evil.example"}))
    threads = [threading.Thread(target=big_post, args=(port, path, headers, answers)) for path, headers in requests]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    grown_mb = (peak_rss_kb(proc.pid) - before) / 1024
    assert grown_mb < 60, f"peak memory grew by {grown_mb:.0f} MB for {CONCURRENT} refused 50 MB bodies"
    assert time.monotonic() - started < 60
    assert proc.poll() is None
    # The server still answers normally afterwards.
    assert httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).status_code == 200


def test_a_refusal_closes_the_connection_and_names_the_reason(headless) -> None:
    _proc, port = headless
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
        r = client.post("/settings/api/providers", content=b"{}" * 1000, headers={"origin": "http://evil.example"})
        assert r.status_code == 403 and r.json()["error"]["details"]["code"] == "bad_origin"
        assert r.headers["connection"] == "close"
        r = client.post("/settings/api/providers", content=b"{}" * 1000, headers={"origin": f"http://127.0.0.1:{port}"})
        assert r.status_code == 401 and r.json()["error"]["details"]["code"] == "no_session"
        assert r.headers["connection"] == "close"
        # The same client goes on working (a new connection).
        assert client.get("/health").status_code == 200
