"""The history in a real ``python -m server`` process (issue 15 §1).

* a graceful restart keeps every row, and ``switchboard usage --json`` reads them;
* ``kill -9`` during a burst of 200 requests: the file opens, passes
  ``PRAGMA integrity_check``, and holds every request answered more than a
  second before the kill;
* a read-only database file: requests keep being served, the problem is
  logged once.
"""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, gateway_config
from tests.support.fake_upstream import json_script
from tests.support.live_server import free_port

KEY = "sk-swb-usage-process-key-0000000"
ANSWER = {"id": "c", "object": "chat.completion", "model": "m1", "choices": [
    {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}
BODY = {"model": "claude-sonnet-4-5", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_API_KEY": KEY, "PYTHONPATH": str(REPO)}


def _start(home: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(port)], cwd=home, env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() - started < 20, "server did not start"
        time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=15)
    assert proc.returncode == 0, out
    return out


def _home(tmp_path: Path, upstream, **extra) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    cfg = gateway_config(upstream.url)
    cfg["providers"]["up"]["api_key"] = ""
    cfg.update(extra)
    (home / "switchboard.json").write_text(json.dumps(cfg))
    upstream.default = json_script(ANSWER)
    return home


def _post(client: httpx.Client, port: int) -> int:
    return client.post(f"http://127.0.0.1:{port}/v1/messages", json=BODY,
                       headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"}).status_code


def _count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    finally:
        conn.close()


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server", "usage", *args], env=_env(home), cwd=home,
                          capture_output=True, text=True, timeout=60)


def test_restart_keeps_history_and_cli_reads_it_while_running(tmp_path, upstream):
    home = _home(tmp_path, upstream, prices={"up/m1": {"input": 1, "output": 10}})
    db = home / "usage.sqlite3"
    port = free_port()
    proc = _start(home, port)
    with httpx.Client(timeout=10) as c:
        assert [_post(c, port) for _ in range(5)] == [200] * 5
    _stop(proc)
    assert _count(db) == 5
    proc = _start(home, port)
    try:
        with httpx.Client(timeout=10) as c:
            assert [_post(c, port) for _ in range(3)] == [200] * 3
        deadline = time.monotonic() + 5
        while _count(db) < 8 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _count(db) == 8
        # The CLI reads the database while the app runs.
        out = _cli(home, "--days", "1", "--json")
        assert out.returncode == 0, out.stderr
        data = json.loads(out.stdout)
        assert data["totals"]["requests"] == 8
        assert data["totals"]["input_tokens"] == 80 and data["totals"]["output_tokens"] == 16
        assert data["totals"]["cost_usd"] == pytest.approx(8 * (10 * 1 + 2 * 10) / 1e6)
    finally:
        _stop(proc)


def test_kill_9_during_a_burst_loses_at_most_the_last_second(tmp_path, upstream):
    home = _home(tmp_path, upstream)
    db = home / "usage.sqlite3"
    port = free_port()
    proc = _start(home, port)
    done: list[float] = []      # time each 200 arrived at the client
    lock = threading.Lock()
    stop = threading.Event()

    def worker(n: int) -> None:
        with httpx.Client(timeout=5) as c:
            for _ in range(n):
                if stop.is_set():
                    return
                try:
                    status = _post(c, port)
                except httpx.HTTPError:
                    return
                if status == 200:
                    with lock:
                        done.append(time.time())
                time.sleep(0.06)  # a burst spread over ~3 s, so "the last second" is a part of it

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(worker, 50) for _ in range(4)]  # 200 requests
        while len(done) < 140:
            time.sleep(0.005)
        killed_at = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop.set()
        for f in futures:
            f.result()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    finally:
        conn.close()
    answered = len(done)
    before_last_second = sum(1 for t in done if t < killed_at - 1.0)
    assert before_last_second >= 60, "the burst was too short to test anything"
    assert before_last_second <= stored <= answered, (before_last_second, stored, answered)
    # And the app starts again on the same file and adds to it.
    proc = _start(home, port)
    try:
        with httpx.Client(timeout=10) as c:
            assert _post(c, port) == 200
    finally:
        _stop(proc)
    assert _count(db) == stored + 1


def _make_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a file system without chattr +i: cannot make a file read-only")
    else:
        path.chmod(0o444)


def _undo_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o644)


def test_read_only_database_keeps_serving_and_reports_once(tmp_path, upstream):
    home = _home(tmp_path, upstream)
    db = home / "usage.sqlite3"
    port = free_port()
    proc = _start(home, port)
    with httpx.Client(timeout=10) as c:
        assert _post(c, port) == 200
    _stop(proc)
    assert _count(db) == 1
    _make_read_only(db)
    try:
        proc = _start(home, port)
        with httpx.Client(timeout=10) as c:
            statuses = []
            for _ in range(6):  # over more than two flush intervals
                statuses.append(_post(c, port))
                time.sleep(0.3)
        out = _stop(proc)
        assert statuses == [200] * 6
        log = (home / "logs" / "switchboard.log").read_text()
        assert log.count("Usage history is not being saved") == 1, log[-2000:]
        assert "read-only" in log
        assert _count(db) == 1
    finally:
        _undo_read_only(db)
