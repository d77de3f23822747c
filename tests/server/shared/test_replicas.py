"""Two real replicas sharing one real redis-server (issue 20 §1, §3)."""
from __future__ import annotations

import time

import httpx

from tests.server.shared.conftest import ADMIN_KEY, ask, keys_cli
from tests.support.fake_upstream import json_script

FAIL = json_script({"error": {"message": "overloaded"}}, status=500, headers={"retry-after": "0"})


def test_a_breaker_opened_through_one_replica_is_skipped_by_the_other(replicas, upstreams):
    primary, fallback = upstreams
    a, b = replicas(2)
    primary.default = FAIL
    first = ask(a.url)
    assert first.status_code == 200, first.text
    assert first.headers["x-switchboard-target"] == "fallback/m1"
    failed = len(primary.requests)
    assert failed == 3  # three failures in a row open the breaker on A
    second = ask(b.url)
    assert second.status_code == 200, second.text
    assert second.headers["x-switchboard-target"] == "fallback/m1"
    assert len(primary.requests) == failed, "B tried the target A's breaker had opened"


def test_a_session_pinned_on_one_replica_stays_there_on_the_other(replicas, upstreams, redis_server):
    primary, fallback = upstreams
    a, b = replicas(2)
    primary.default = FAIL
    assert ask(a.url, session="sess-1").headers["x-switchboard-target"] == "fallback/m1"
    # The primary is well again and its breaker forgotten: only the pin keeps the session away.
    primary.default = json_script({"id": "c", "object": "chat.completion", "model": "m1", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "p"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
    r = redis_server.client()
    for k in r.keys("swb:breaker:*"):
        r.delete(k)
    # B has never seen this session: it follows A's pin.
    on_b = ask(b.url, session="sess-1", messages=3)
    assert on_b.status_code == 200, on_b.text
    assert on_b.headers["x-switchboard-target"] == "fallback/m1"
    # Another session on B goes to the primary (the pin is per session).
    assert ask(b.url, session="sess-2", messages=3).headers["x-switchboard-target"] == "primary/m1"


def test_a_members_daily_limit_reached_through_one_replica_holds_on_the_other(replicas, redis_server):
    a, b = replicas(2)
    added = keys_cli("add", "alice", "--daily-usd", "0.03", redis_url=redis_server.url)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("sk-swb-m-")
    stored = redis_server.client().hget("swb:members", "alice")
    assert key.encode() not in stored  # only its HMAC is stored
    time.sleep(1.0)  # replicas re-read the members every 0.5 s
    # Each request costs $0.02 (10 input tokens at $1000/Mtok, 5 output at $2000/Mtok).
    assert ask(a.url, key).status_code == 200
    assert ask(a.url, key).status_code == 200   # $0.02 < $0.03: allowed, now $0.04
    refused = ask(b.url, key)
    assert refused.status_code == 429, refused.text
    error = refused.json()
    assert error["type"] == "error" and error["error"]["type"] == "rate_limit_error"
    assert "alice" in error["error"]["message"] and "daily limit" in error["error"]["message"]
    assert ask(a.url, key).status_code == 429
    # The admin key and other members are not limited by alice's budget.
    assert ask(b.url, ADMIN_KEY).status_code == 200
    listed = keys_cli("list", redis_url=redis_server.url)
    assert "alice" in listed.stdout and key not in listed.stdout
    # Raised through the CLI: both replicas let alice go on, with the same key.
    assert keys_cli("limit", "alice", "--daily-usd", "1", redis_url=redis_server.url).returncode == 0
    time.sleep(1.0)
    assert ask(b.url, key).status_code == 200 and ask(a.url, key).status_code == 200


def test_a_key_revoked_through_the_cli_is_refused_by_both_within_a_second(replicas, redis_server):
    a, b = replicas(2)
    key = keys_cli("add", "ci", redis_url=redis_server.url).stdout.strip()
    deadline = time.monotonic() + 3
    while ask(a.url, key).status_code != 200 or ask(b.url, key).status_code != 200:
        assert time.monotonic() < deadline, "the new key was not accepted"
        time.sleep(0.1)
    revoked = keys_cli("revoke", "ci", redis_url=redis_server.url)
    assert revoked.returncode == 0, revoked.stderr
    at = time.monotonic()
    refused: dict[str, float] = {}
    while len(refused) < 2 and time.monotonic() - at < 3:
        for name, rep in (("a", a), ("b", b)):
            if name not in refused and ask(rep.url, key).status_code == 401:
                refused[name] = time.monotonic() - at
        time.sleep(0.02)
    assert set(refused) == {"a", "b"}, refused
    assert max(refused.values()) < 1.0, refused
    # The admin key still works; a wrong key never did.
    assert ask(a.url).status_code == 200
    assert ask(b.url, "sk-swb-m-not-a-key").status_code == 401


def test_usage_is_counted_once_in_redis(replicas, redis_server):
    a, b = replicas(2)
    for rep in (a, b, a):
        assert ask(rep.url).status_code == 200
    day = time.strftime("%Y%m%d", time.gmtime())
    deadline = time.monotonic() + 2
    while True:
        counts = redis_server.client().hgetall(f"swb:usage:-:d:{day}")
        if int(counts.get(b"requests", 0)) >= 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert int(counts[b"requests"]) == 3
    assert int(counts[b"tokens"]) == 3 * 15
    # The activity feed is shared too: both replicas' answers, newest first.
    import json

    feed = [json.loads(x) for x in redis_server.client().lrange("swb:activity", 0, -1)]
    assert len(feed) == 3 and {e["provider"] for e in feed} == {"primary"}
    assert all(e["status"] == 200 and e["input_tokens"] == 10 for e in feed)
    assert httpx.get(a.url + "/health").status_code == 200
