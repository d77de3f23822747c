"""/ready and /metrics on real replicas (issue 20 §4)."""
from __future__ import annotations

import time

import httpx

from tests.server.shared.conftest import ask, keys_cli
from tests.support.fake_upstream import json_script

TOKEN = "metrics-token-for-tests-0123456789"


def test_ready_follows_redis_and_health_does_not(replicas, redis_server):
    a, = replicas(1)
    r = httpx.get(a.url + "/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    redis_server.stop()
    r = httpx.get(a.url + "/ready", timeout=5)
    assert r.status_code == 503
    assert r.json()["type"] == "error" and "Redis is not reachable" in r.json()["error"]["message"]
    assert httpx.get(a.url + "/health").status_code == 200  # alive, just not ready
    assert ask(a.url).status_code == 200  # and still serving with its own state


def test_ready_is_503_while_the_config_is_broken(redis_server, tmp_path):
    from tests.server.shared.conftest import ADMIN_KEY
    from tests.support.server_process import ServerProcess

    mounted = tmp_path / "mounted" / "switchboard.json"  # SWITCHBOARD_CONFIG names it
    mounted.parent.mkdir()
    mounted.write_text("{ not json")
    broken = ServerProcess(tmp_path / "home", {}, api_key=ADMIN_KEY,
                           env={"SWITCHBOARD_REDIS_URL": redis_server.url,
                                "SWITCHBOARD_CONFIG": str(mounted)}).wait_ready()
    try:
        r = httpx.get(broken.url + "/ready")
        assert r.status_code == 503 and "settings file" in r.json()["error"]["message"]
        assert httpx.get(broken.url + "/health").status_code == 200
    finally:
        out = broken.stop()
    assert "switchboard.json is not valid JSON" in out


def test_metrics_behind_their_own_token(replicas, upstreams, redis_server):
    primary, _ = upstreams
    a, = replicas(1, env={"SWITCHBOARD_METRICS_TOKEN": TOKEN})
    key = keys_cli("add", "alice", "--daily-tokens", "10", redis_url=redis_server.url).stdout.strip()
    time.sleep(1)
    assert ask(a.url, key).status_code == 200
    assert ask(a.url, key).status_code == 429  # 15 tokens used of 10
    primary.default = json_script({"error": {"message": "down"}}, status=500, headers={"retry-after": "0"})
    assert ask(a.url).headers["x-switchboard-target"] == "fallback/m1"  # the breaker opens
    assert httpx.get(a.url + "/metrics").status_code == 401
    assert httpx.get(a.url + "/metrics", headers={"authorization": "Bearer " + key}).status_code == 401
    r = httpx.get(a.url + "/metrics", headers={"authorization": "Bearer " + TOKEN})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert 'switchboard_requests_total{member="alice",model="m1",provider="primary",status="200"} 1.0' in text
    assert 'switchboard_tokens_total{direction="input",member="alice",model="m1",provider="primary"} 10.0' in text
    assert 'switchboard_time_to_first_token_seconds_count{provider="primary"} 1.0' in text
    assert 'switchboard_request_duration_seconds_bucket' in text
    assert 'switchboard_breaker_open{target="primary/m1"} 1.0' in text
    assert 'switchboard_errors_total{type="rate_limit_error"} 1.0' in text
    assert key not in text and TOKEN not in text


def test_metrics_are_off_without_a_token(replicas):
    a, = replicas(1)
    r = httpx.get(a.url + "/metrics", headers={"authorization": "Bearer anything"})
    assert r.status_code == 404 and "SWITCHBOARD_METRICS_TOKEN" in r.json()["error"]["message"]
