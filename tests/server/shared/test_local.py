"""Member keys on one machine (no Redis), and the Redis store's behaviour
when Redis is unreachable (issue 20 §1, §3)."""
from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time

import httpx

from server.shared.store import RedisStore, redact
from tests.server.shared.conftest import SECRET, team_config
from tests.support.live_server import free_port
from tests.support.server_process import REPO, ServerProcess


def _keys(home, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SWITCHBOARD_HOME": str(home), "SWITCHBOARD_KEY_SECRET": SECRET}
    env.pop("SWITCHBOARD_REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "server", "keys", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def _ask(url: str, key: str) -> httpx.Response:
    return httpx.post(url + "/v1/messages", headers={"x-api-key": key}, timeout=30, json={
        "model": "claude-sonnet-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})


def test_member_keys_without_redis_limits_and_revocation(tmp_path, upstreams):
    primary, fallback = upstreams
    home = tmp_path / "home"
    srv = ServerProcess(home, team_config(primary.url, fallback.url), env={"SWITCHBOARD_KEY_SECRET": SECRET})
    srv.wait_ready()
    try:
        # Added while the server runs (members.json did not exist at start).
        added = _keys(home, "add", "dana", "--daily-tokens", "40")
        assert added.returncode == 0, added.stderr
        key = added.stdout.strip()
        deadline = time.monotonic() + 3
        while (r := _ask(srv.url, key)).status_code == 401 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert r.status_code == 200, r.text   # 15 tokens
        assert _ask(srv.url, key).status_code == 200   # 30 < 40
        assert _ask(srv.url, key).status_code == 200   # 45
        limited = _ask(srv.url, key)
        assert limited.status_code == 429 and "daily limit of 40 tokens" in limited.json()["error"]["message"]
        assert _ask(srv.url, srv.key).status_code == 200  # the access key has no limit
        dup = _keys(home, "add", "dana")
        assert dup.returncode == 2 and "already has a key" in dup.stderr
        assert _keys(home, "revoke", "dana").returncode == 0
        at = time.monotonic()
        while _ask(srv.url, key).status_code != 401:
            assert time.monotonic() - at < 1.0, "the revoked key was still accepted after a second"
            time.sleep(0.05)
        listed = _keys(home, "list")
        assert "dana\trevoked" in listed.stdout and key not in listed.stdout
        missing = _keys(home, "revoke", "nobody")
        assert missing.returncode == 2 and "no member named 'nobody'" in missing.stderr
    finally:
        out = srv.stop()
    assert key not in out


def test_the_cli_says_when_redis_is_unreachable(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "SWITCHBOARD_HOME": str(tmp_path),
           "SWITCHBOARD_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    out = subprocess.run([sys.executable, "-m", "server", "keys", "list"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1 and "cannot reach Redis" in out.stderr and "Traceback" not in out.stderr


def test_an_unreachable_redis_costs_one_timeout_then_nothing_and_is_logged_once(caplog):
    async def go() -> None:
        store = RedisStore(f"redis://:hunter2@127.0.0.1:{free_port()}/0", timeout=0.2)
        calls = []
        with caplog.at_level(logging.WARNING, logger="switchboard"):
            for _ in range(20):
                started = time.monotonic()
                assert await store.run(lambda c: c.get("x")) is None
                calls.append(time.monotonic() - started)
        assert calls[0] < 0.5
        assert max(calls[1:]) < 0.01  # skipped while down: no waiting per request
        logged = [r.getMessage() for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(logged) == 1 and "hunter2" not in logged[0]
        await store.close()

    asyncio.run(go())
    assert redact("rediss://user:pw@host:6380/1") == "rediss://***@host:6380/1"


def test_redact_hides_a_password_in_the_query_and_never_raises():
    """redis-py also takes ``?password=``: such values never reach a log line."""
    shown = redact("redis://host:6379/0?password=hunter2&socket_timeout=1")
    assert "hunter2" not in shown and "socket_timeout=1" in shown and "host:6379" in shown
    assert "s3cr3t" not in redact("redis://host/0?auth_token=s3cr3t")
    assert redact("redis://host:6379/0") == "redis://host:6379/0"
    assert "pw" not in redact("redis://u:pw@host:notaport/0")  # a bad port: not parsed, not shown


def test_the_desktop_path_loads_neither_redis_nor_prometheus(tmp_path):
    """No SWITCHBOARD_REDIS_URL, no metrics token, no members: the gateway
    has no shared state and nothing of team mode is imported."""
    script = f"""
import asyncio, sys
from pathlib import Path
from server.settings import Settings
from server.app import create_app
home = Path({str(tmp_path)!r})
app = create_app(Settings(home=home, config_path=home / 'switchboard.json', log_dir=home / 'logs'))
gw = app.config['GATEWAY']
asyncio.run(gw.startup())
assert gw.shared is None and gw.metrics is None
assert 'redis' not in sys.modules and 'prometheus_client' not in sys.modules, 'team mode imported'
print('ok')
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env={**env, "PYTHONPATH": str(REPO)}, cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
